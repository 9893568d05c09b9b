/**
 * The training checkpoint: all a killed run needs to continue at its next step and end exactly as
 * an undisturbed run would. One file, <outputDir>/checkpoint/trainer-state.safetensors: the adapter
 * weights, AdamW's moments and the best evaluation's adapter as tensors; the loop's progress, the
 * dropout generator, AdamW's step count, the run's fingerprint and a SHA-256 of all of it in the
 * header's metadata. Written to a temporary file, fsynced and renamed over the old one (then the
 * directory fsynced), so a kill at any moment leaves the old checkpoint or the new, never a torn one.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { AdamWState } from '../optim/adamw.ts';
import type { LoopProgress } from '../train/run.ts';
import { SafetensorsFile, serializeSafetensors, type HostTensor } from './safetensors.ts';

export const CHECKPOINT_DIR = 'checkpoint';
export const CHECKPOINT_FILE = 'trainer-state.safetensors';
const FORMAT = 'lorahpo-trainer-checkpoint/1';

export interface TrainingCheckpoint {
  fingerprint: string;
  progress: LoopProgress;
  dropoutState: number;
  /** The adapter variables, in adapterVariables() order. */
  weights: HostTensor[];
  optimizer: AdamWState;
}

export type CheckpointLookup =
  | { kind: 'none' }
  | { kind: 'resume'; checkpoint: TrainingCheckpoint }
  /** Present but unusable: `reason` says what is wrong with `file`. */
  | { kind: 'rejected'; file: string; reason: string };

export function checkpointFile(outputDir: string): string {
  return join(outputDir, CHECKPOINT_DIR, CHECKPOINT_FILE);
}

const index = (i: number) => String(i).padStart(4, '0');

/** What the header keeps beside the tensors (the best adapter is stored as tensors). */
interface StoredState {
  progress: Omit<LoopProgress, 'best'> & { best?: Omit<NonNullable<LoopProgress['best']>, 'adapter'> };
  dropoutState: number;
  optimizerSteps: number;
}

function digest(tensors: Record<string, HostTensor>, state: string): string {
  const hash = createHash('sha256').update(state);
  for (const name of Object.keys(tensors).sort()) {
    const { shape, data } = tensors[name];
    hash
      .update(`${name}${JSON.stringify(shape)}`)
      .update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return hash.digest('hex');
}

function fsyncPath(path: string, flags: string): void {
  const fd = openSync(path, flags);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function saveTrainingCheckpoint(outputDir: string, checkpoint: TrainingCheckpoint): string {
  const tensors: Record<string, HostTensor> = {};
  const put = (prefix: string, list: HostTensor[]) => {
    for (const [i, t] of list.entries()) tensors[`${prefix}${index(i)}`] = t;
  };
  put('lora.', checkpoint.weights);
  put('adam.m.', checkpoint.optimizer.m);
  put('adam.v.', checkpoint.optimizer.v);
  const { best, ...progress } = checkpoint.progress;
  for (const [name, t] of Object.entries(best?.adapter ?? {})) tensors[`best.${name}`] = t;
  const stored: StoredState = {
    progress: { ...progress, best: best && { metrics: best.metrics, epoch: best.epoch } },
    dropoutState: checkpoint.dropoutState,
    optimizerSteps: checkpoint.optimizer.steps,
  };
  const state = JSON.stringify(stored);
  const bytes = serializeSafetensors(tensors, {
    format: FORMAT,
    fingerprint: checkpoint.fingerprint,
    state,
    sha256: digest(tensors, state),
  });
  const dir = join(outputDir, CHECKPOINT_DIR);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, CHECKPOINT_FILE);
  const temporary = `${file}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, file);
  fsyncPath(dir, 'r'); // the rename itself reaches the disk
  return file;
}

function tensorsWith(file: SafetensorsFile, prefix: string): string[] {
  return file
    .names()
    .filter((n) => n.startsWith(prefix))
    .sort();
}

/**
 * Finds the run's checkpoint in `outputDir`. `shapes` are the adapter variables' shapes: a
 * checkpoint of other shapes, another fingerprint, or one that does not read back whole is
 * rejected with its reason (the caller logs it and starts from step 0), never thrown.
 */
export function loadTrainingCheckpoint(outputDir: string, fingerprint: string, shapes: number[][]): CheckpointLookup {
  const path = checkpointFile(outputDir);
  if (!existsSync(path)) return { kind: 'none' };
  const rejected = (reason: string): CheckpointLookup => ({ kind: 'rejected', file: path, reason });
  let file: SafetensorsFile;
  const tensors: Record<string, HostTensor> = {};
  try {
    file = new SafetensorsFile(readFileSync(path), path);
    for (const name of file.names()) tensors[name] = file.tensor(name);
  } catch (error) {
    return rejected(`unreadable: ${(error as Error).message}`);
  }
  const meta = file.metadata;
  if (meta.format !== FORMAT) return rejected(`not a ${FORMAT} file (format ${JSON.stringify(meta.format)})`);
  if (meta.fingerprint !== fingerprint)
    return rejected(
      `from a different run (fingerprint ${meta.fingerprint?.slice(0, 12)}…, this run ${fingerprint.slice(0, 12)}…)`,
    );
  if (typeof meta.state !== 'string' || digest(tensors, meta.state) !== meta.sha256)
    return rejected('corrupt: its SHA-256 does not match its contents');
  const weights = tensorsWith(file, 'lora.').map((n) => tensors[n]);
  const m = tensorsWith(file, 'adam.m.').map((n) => tensors[n]);
  const v = tensorsWith(file, 'adam.v.').map((n) => tensors[n]);
  const same = (list: HostTensor[]) =>
    list.length === shapes.length && list.every((t, i) => JSON.stringify(t.shape) === JSON.stringify(shapes[i]));
  if (!same(weights) || !same(m) || !same(v))
    return rejected(`its ${weights.length} adapter tensors do not match this run's ${shapes.length}`);
  const stored = JSON.parse(meta.state) as StoredState;
  const bestNames = tensorsWith(file, 'best.');
  const best = stored.progress.best && {
    ...stored.progress.best,
    adapter: Object.fromEntries(bestNames.map((n) => [n.slice('best.'.length), tensors[n]])),
  };
  return {
    kind: 'resume',
    checkpoint: {
      fingerprint,
      progress: { ...stored.progress, best },
      dropoutState: stored.dropoutState,
      weights,
      optimizer: { steps: stored.optimizerSteps, m, v },
    },
  };
}
