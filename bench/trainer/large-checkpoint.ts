/**
 * Load time and host memory of a real-size checkpoint: generates random BF16 weights shaped like
 * Llama-3.2-1B (1.24 B parameters, tied embeddings) in two shards, the first over 2 GiB, with
 * model.safetensors.index.json, then loads it into the model on the tfjs cpu backend in a child
 * process and reports peak RSS and bytes per parameter (fp32 weights are 4 bytes a parameter).
 *
 *   node bench/trainer/large-checkpoint.ts [--layers 16] [--dir /tmp/lorahpo-1b]
 *
 * Needs about 2.5 GB of disk and 5–6 GB of memory at full size; --layers fewer shrinks both.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectedTensorShapes, parseLlamaConfig } from '../../trainer/src/model/config.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
};

export function llama1bConfig(layers: number) {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    vocab_size: 128256,
    hidden_size: 2048,
    intermediate_size: 8192,
    num_hidden_layers: layers,
    num_attention_heads: 32,
    num_key_value_heads: 8,
    head_dim: 64,
    max_position_embeddings: 131072,
    rms_norm_eps: 1e-5,
    rope_theta: 500000,
    rope_scaling: {
      factor: 32,
      high_freq_factor: 4,
      low_freq_factor: 1,
      original_max_position_embeddings: 8192,
      rope_type: 'llama3',
    },
    tie_word_embeddings: true,
    bos_token_id: 128000,
    eos_token_id: 128001,
    torch_dtype: 'bfloat16',
  };
}

/** Writes the shards tensor by tensor (random BF16 from a xorshift), never holding more than one. */
function generate(dir: string, layers: number): { params: number; files: string[] } {
  mkdirSync(dir, { recursive: true });
  const configJson = llama1bConfig(layers);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(configJson, null, 2));
  const shapes = [...expectedTensorShapes(parseLlamaConfig(configJson, 'config.json'))];
  const elements = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const params = shapes.reduce((n, [, s]) => n + elements(s), 0);
  // first shard: tensors until past 2 GiB of data (or 85 % of the model when it is smaller)
  const cut = params * 2 > 2 ** 31 + 2 ** 27 ? 2 ** 31 + 2 ** 26 : 0.85 * params * 2;
  const shards: [string, number[]][][] = [[], []];
  let bytes = 0;
  for (const entry of shapes) {
    shards[bytes < cut ? 0 : 1].push(entry);
    bytes += elements(entry[1]) * 2;
  }
  const weightMap: Record<string, string> = {};
  const files: string[] = [];
  let state = 0x9e3779b9;
  shards.forEach((shard, s) => {
    const file = `model-0000${s + 1}-of-00002.safetensors`;
    files.push(join(dir, file));
    const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
    let offset = 0;
    for (const [name, shape] of shard) {
      header[name] = { dtype: 'BF16', shape, data_offsets: [offset, offset + elements(shape) * 2] };
      offset += elements(shape) * 2;
      weightMap[name] = file;
    }
    const json = Buffer.from(JSON.stringify(header).padEnd(Math.ceil(JSON.stringify(header).length / 8) * 8));
    const fd = openSync(join(dir, file), 'w');
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(json.length));
    writeSync(fd, length);
    writeSync(fd, json);
    for (const [name, shape] of shard) {
      const data = new Uint16Array(elements(shape));
      const norm = name.endsWith('norm.weight');
      for (let i = 0; i < data.length; i++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        // bf16 with exponent 2^-7 … 2^-6 and a random sign and mantissa: |w| ≈ 0.008–0.016
        data[i] = norm ? 0x3f80 : (state & 0x807f) | 0x3c00;
      }
      writeSync(fd, new Uint8Array(data.buffer));
    }
    closeSync(fd);
  });
  writeFileSync(
    join(dir, 'model.safetensors.index.json'),
    JSON.stringify({ metadata: { total_size: bytes }, weight_map: weightMap }),
  );
  return { params, files };
}

const CHILD = `
import * as tf from '@tensorflow/tfjs';
import { loadCheckpoint } from '${fileURLToPath(new URL('../../trainer/src/io/checkpoint.ts', import.meta.url))}';
import { LlamaModel } from '${fileURLToPath(new URL('../../trainer/src/model/llama.ts', import.meta.url))}';
await tf.setBackend('cpu');
const start = performance.now();
const model = new LlamaModel(loadCheckpoint(process.argv[1]), 'autograd');
const ms = performance.now() - start;
const logits = tf.tidy(() => model.forward(tf.tensor2d([[128000, 791, 6864, 315]], [1, 4], 'int32')).dataSync());
console.log(JSON.stringify({ ms, finite: logits.every(Number.isFinite) }));
`;

if (import.meta.main) {
  const layers = Number(option('--layers', '16'));
  const dir = option('--dir', `/tmp/lorahpo-1b-${layers}`);
  const t0 = performance.now();
  const { params, files } = existsSync(join(dir, 'model.safetensors.index.json'))
    ? { params: Number.NaN, files: [] }
    : generate(dir, layers);
  console.log(
    `checkpoint ${dir}: ${params} parameters, generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  for (const f of files)
    console.log(`  ${f}: ${spawnSync('stat', ['-c', '%s', f], { encoding: 'utf8' }).stdout.trim()} bytes`);
  const child = spawnSync('/usr/bin/time', ['-v', process.execPath, '--input-type=module', '-e', CHILD, dir], {
    encoding: 'utf8',
  });
  const rssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(child.stderr)?.[1]);
  const out = child.stdout.trim().split('\n').at(-1) ?? '';
  console.log(`load: ${out}; peak RSS ${(rssKb / 2 ** 20).toFixed(2)} GiB`);
  if (Number.isFinite(params)) console.log(`bytes per parameter: ${((rssKb * 1024) / params).toFixed(2)}`);
  if (child.status !== 0) console.log(child.stderr.slice(-2000));
}
