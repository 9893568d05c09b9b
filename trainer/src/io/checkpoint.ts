/**
 * Opens a model directory: config.json plus model.safetensors, or a sharded checkpoint through
 * model.safetensors.index.json. Every tensor the model needs is checked (present, right shape)
 * from the headers before anything trains; errors name the file and the tensor. Data is read
 * only when the model asks for a tensor, one at a time, so host memory holds one tensor beside
 * what the backend has taken (not the whole checkpoint decoded first). Tensors are asked for by
 * their causal-LM names whatever the checkpoint's layout (key-layout.ts).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LorahpoError } from '../contract/errors.ts';
import { expectedTensorShapes, parseLlamaConfig, type LlamaConfig } from '../model/config.ts';
import { detectKeyLayout, type KeyLayout } from './key-layout.ts';
import { SafetensorsFile, type HostTensor } from './safetensors.ts';
import { readUtf8File } from './text-files.ts';

/** Name (as in the checkpoint) → float32 data, read when asked for. */
export interface TensorReader {
  get(name: string): HostTensor | undefined;
}

export interface Checkpoint {
  config: LlamaConfig;
  tensors: TensorReader;
  /** A causal-LM tensor or module name → the checkpoint's (Gemma 3's multimodal files nest it). */
  storedName?(name: string): string;
  /** Closes the file handles (a no-op for tensors held in memory). */
  close?(): void;
}

function readJson(file: string): unknown {
  if (!existsSync(file)) throw new LorahpoError('LORAHPO_MODEL_INVALID', `${file} is missing`);
  const text = readUtf8File(file, 'model file', 'LORAHPO_MODEL_INVALID');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new LorahpoError('LORAHPO_MODEL_INVALID', `${file} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Tensor name → the file that holds it. */
function locateTensors(dir: string, files: FileCache): Map<string, string> {
  const index = join(dir, 'model.safetensors.index.json');
  if (existsSync(index)) {
    const weightMap = (readJson(index) as { weight_map?: Record<string, string> }).weight_map;
    if (weightMap === undefined || typeof weightMap !== 'object') {
      throw new LorahpoError('LORAHPO_MODEL_INVALID', `${index} has no weight_map`);
    }
    return new Map(Object.entries(weightMap).map(([name, file]) => [name, join(dir, file)]));
  }
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.safetensors'))
    .sort();
  if (names.length === 0) throw new LorahpoError('LORAHPO_MODEL_INVALID', `${dir} has no *.safetensors file`);
  const located = new Map<string, string>();
  for (const file of names) {
    const path = join(dir, file);
    for (const name of openFile(path, files).names()) located.set(name, path);
  }
  return located;
}

type FileCache = Map<string, SafetensorsFile>;

function openFile(path: string, files: FileCache): SafetensorsFile {
  let file = files.get(path);
  if (file === undefined) {
    if (!existsSync(path))
      throw new LorahpoError('LORAHPO_MODEL_INVALID', `${path} is missing (named by the checkpoint index)`);
    file = SafetensorsFile.open(path);
    files.set(path, file);
  }
  return file;
}

/**
 * Layers in the checkpoint past config.json's num_hidden_layers would be left out silently, and a
 * model trained on part of itself: refused, naming both counts.
 */
function checkNoExtraLayers(dir: string, numLayers: number, located: Map<string, string>, layout: KeyLayout): void {
  let highest = -1;
  for (const stored of located.keys()) {
    const layer = /^model\.layers\.(\d+)\./.exec(layout.canonical(stored) ?? '');
    if (layer) highest = Math.max(highest, Number(layer[1]));
  }
  if (highest >= numLayers) {
    throw new LorahpoError(
      'LORAHPO_MODEL_INVALID',
      `${dir}: the checkpoint holds ${highest + 1} layers but config.json num_hidden_layers is ${numLayers}`,
    );
  }
}

export function loadCheckpoint(dir: string): Checkpoint {
  const configFile = join(dir, 'config.json');
  const config = parseLlamaConfig(readJson(configFile), configFile);
  const files: FileCache = new Map();
  const close = () => {
    for (const file of files.values()) file.close();
    files.clear();
  };
  try {
    return openTensors(dir, config, files, close);
  } catch (error) {
    close();
    throw error;
  }
}

function openTensors(dir: string, config: LlamaConfig, files: FileCache, close: () => void): Checkpoint {
  const located = locateTensors(dir, files);
  const layout = detectKeyLayout(new Set(located.keys()));
  const expected = expectedTensorShapes(config);
  const holders = new Map<string, SafetensorsFile>();
  for (const [canonical, shape] of expected) {
    const name = layout.stored(canonical);
    const path = located.get(name);
    if (path === undefined)
      throw new LorahpoError(
        'LORAHPO_MODEL_INVALID',
        `${dir}: tensor ${name} is missing from the checkpoint${canonical === name ? '' : ` (${layout.description})`}`,
      );
    const file = openFile(path, files);
    const actual = file.shape(name);
    if (actual === undefined) throw new LorahpoError('LORAHPO_MODEL_INVALID', `${path}: tensor ${name} is missing`);
    if (JSON.stringify(actual) !== JSON.stringify(shape)) {
      throw new LorahpoError(
        'LORAHPO_MODEL_INVALID',
        `${path}: tensor ${name} has shape ${JSON.stringify(actual)}, config.json implies ${JSON.stringify(shape)}`,
      );
    }
    holders.set(canonical, file);
  }
  checkNoExtraLayers(dir, config.numLayers, located, layout);
  return {
    config,
    tensors: { get: (canonical) => holders.get(canonical)?.tensor(layout.stored(canonical)) },
    storedName: layout.stored,
    close,
  };
}
