import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  closeSync,
  copyFileSync,
  ftruncateSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadCheckpoint } from '../../trainer/src/io/checkpoint.ts';
import { type HostTensor, SafetensorsFile, serializeSafetensors } from '../../trainer/src/io/safetensors.ts';
import { LlamaModel } from '../../trainer/src/model/llama.ts';
import { TINY_MODEL, tempDir, tinyCheckpoint, useWasm } from './fixture.ts';

function rawFile(header: object, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

test('safetensors › float32 tensors round-trip exactly, names sorted, data 8-byte aligned', () => {
  const a = { shape: [2, 3], data: new Float32Array([1, -2, 3.5, 1e-8, 0, -0]) };
  const b = { shape: [1], data: new Float32Array([Math.PI]) };
  const bytes = serializeSafetensors({ 'z.weight': b, 'a.weight': a }, { format: 'pt' });
  const file = new SafetensorsFile(bytes, 'x.safetensors');
  assert.deepEqual(file.names(), ['a.weight', 'z.weight']);
  assert.equal(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8, 0);
  assert.deepEqual(file.tensor('a.weight'), a);
  assert.deepEqual(file.tensor('z.weight'), b);
});

test('safetensors › F16 and BF16 are read as float32', () => {
  const f16 = new Uint16Array([0x3c00, 0xc000, 0x3555, 0x0001]); // 1, -2, ~0.33325, smallest subnormal
  const bf16 = new Uint16Array([0x3f80, 0xc040]); // 1, -3
  const data = new Uint8Array([...new Uint8Array(f16.buffer), ...new Uint8Array(bf16.buffer)]);
  const file = new SafetensorsFile(
    rawFile(
      {
        h: { dtype: 'F16', shape: [4], data_offsets: [0, 8] },
        b: { dtype: 'BF16', shape: [2], data_offsets: [8, 12] },
      },
      data,
    ),
    'half.safetensors',
  );
  const h = file.tensor('h').data;
  assert.deepEqual([h[0], h[1]], [1, -2]);
  assert.ok(Math.abs(h[2] - 0.33325) < 1e-4);
  assert.equal(h[3], Math.fround(2 ** -24));
  assert.deepEqual([...file.tensor('b').data], [1, -3]);
});

test('safetensors › a truncated file names the file, and the tensor when the data is cut', () => {
  assert.throws(() => new SafetensorsFile(new Uint8Array(5), 'm.safetensors'), /m\.safetensors: truncated/);
  const full = rawFile({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, new Uint8Array(16));
  assert.throws(
    () => new SafetensorsFile(full.subarray(0, full.length - 4), 'm.safetensors'),
    /m\.safetensors: tensor w: truncated/,
  );
  assert.throws(
    () => new SafetensorsFile(full.subarray(0, 20), 'm.safetensors'),
    /m\.safetensors: truncated: the header claims/,
  );
});

test('safetensors › a corrupt header or entry is an error naming file and tensor', () => {
  const bad = rawFile({}, new Uint8Array(0));
  bad[8] = 0x7b + 1; // not JSON any more
  assert.throws(() => new SafetensorsFile(bad, 'c.safetensors'), /c\.safetensors: corrupt header/);
  const wrongSize = rawFile({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8));
  assert.throws(
    () => new SafetensorsFile(wrongSize, 'c.safetensors'),
    /c\.safetensors: tensor w: corrupt: shape \[3\] of F32 needs 12 bytes/,
  );
  const dtype = rawFile({ w: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8));
  assert.throws(() => new SafetensorsFile(dtype, 'c.safetensors'), /tensor w: unsupported dtype I64/);
});

function copyTiny(): string {
  const dir = tempDir();
  for (const f of ['config.json', 'model.safetensors', 'tokenizer.json'])
    copyFileSync(join(TINY_MODEL, f), join(dir, f));
  return dir;
}

function rewriteWeights(dir: string, edit: (t: Record<string, { shape: number[]; data: Float32Array }>) => void) {
  const file = new SafetensorsFile(readFileSync(join(dir, 'model.safetensors')), 'model.safetensors');
  const tensors = Object.fromEntries(file.names().map((n) => [n, file.tensor(n)]));
  edit(tensors);
  writeFileSync(join(dir, 'model.safetensors'), serializeSafetensors(tensors));
}

test('checkpoint › a missing tensor or a wrong shape is named before training', () => {
  const missing = copyTiny();
  rewriteWeights(missing, (t) => delete t['model.layers.1.mlp.up_proj.weight']);
  assert.throws(() => loadCheckpoint(missing), /tensor model\.layers\.1\.mlp\.up_proj\.weight is missing/);
  const shape = copyTiny();
  rewriteWeights(
    shape,
    (t) => (t['model.layers.0.self_attn.k_proj.weight'] = { shape: [64, 64], data: new Float32Array(64 * 64) }),
  );
  assert.throws(
    () => loadCheckpoint(shape),
    /model\.safetensors: tensor model\.layers\.0\.self_attn\.k_proj\.weight has shape \[64,64\], config\.json implies \[32,64\]/,
  );
});

test('checkpoint › a truncated model file names the file', () => {
  const dir = copyTiny();
  const bytes = readFileSync(join(dir, 'model.safetensors'));
  writeFileSync(join(dir, 'model.safetensors'), bytes.subarray(0, bytes.length - 100));
  assert.throws(
    () => loadCheckpoint(dir),
    (e: Error) => e.message.includes(join(dir, 'model.safetensors')) && /truncated/.test(e.message),
  );
});

test('checkpoint › a sharded checkpoint loads through model.safetensors.index.json', () => {
  const dir = copyTiny();
  const whole = new SafetensorsFile(readFileSync(join(dir, 'model.safetensors')), 'model.safetensors');
  const names = whole.names();
  const shards = [names.filter((_, i) => i % 2 === 0), names.filter((_, i) => i % 2 === 1)];
  const weightMap: Record<string, string> = {};
  shards.forEach((shard, s) => {
    const file = `model-0000${s + 1}-of-00002.safetensors`;
    writeFileSync(join(dir, file), serializeSafetensors(Object.fromEntries(shard.map((n) => [n, whole.tensor(n)]))));
    for (const n of shard) weightMap[n] = file;
  });
  writeFileSync(join(dir, 'model.safetensors'), new Uint8Array(3)); // would fail if read
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  const loaded = loadCheckpoint(dir);
  assert.deepEqual(loaded.tensors.get('model.norm.weight'), whole.tensor('model.norm.weight'));
  assert.deepEqual(
    loaded.tensors.get('model.layers.1.mlp.down_proj.weight'),
    whole.tensor('model.layers.1.mlp.down_proj.weight'),
  );
});

test('checkpoint › config.json errors name the file and field', () => {
  const dir = copyTiny();
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, model_type: 'gpt2', hidden_act: 'relu' }));
  assert.throws(
    () => loadCheckpoint(dir),
    (e: Error) => {
      const lines = e.message.split('\n');
      assert.match(lines[0]!, /config\.json is not a supported decoder config:$/);
      assert.deepEqual(lines.slice(1), [
        '  model_type is "gpt2" but must be one of "llama", "mistral", "qwen2", "gemma", "gemma2", "gemma3_text", "phi3"',
        '  hidden_act is "relu" but must be one of "silu", "gelu_pytorch_tanh", "gelu"',
      ]);
      return true;
    },
  );
  writeFileSync(join(dir, 'config.json'), '{');
  assert.throws(() => loadCheckpoint(dir), /config\.json is not valid JSON/);
});

test('checkpoint › layers past config.json num_hidden_layers are refused, not left out', () => {
  const dir = copyTiny();
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  const layers = config.num_hidden_layers as number;
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, num_hidden_layers: layers - 1 }));
  assert.throws(
    () => loadCheckpoint(dir),
    new RegExp(`the checkpoint holds ${layers} layers but config\\.json num_hidden_layers is ${layers - 1}`),
  );
});

/**
 * Writes `tensors` (float32) into a safetensors file whose data section starts with a declared but
 * never written BF16 tensor of `holeBytes`: a sparse file, as large as a real shard on disk but
 * costing no disk blocks.
 */
function writeSparseShard(path: string, tensors: Record<string, HostTensor>, holeBytes: number): void {
  const header: Record<string, unknown> = {
    'lorahpo.test.hole': { dtype: 'BF16', shape: [holeBytes / 2], data_offsets: [0, holeBytes] },
  };
  let offset = holeBytes;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const fd = openSync(path, 'w');
  try {
    const length = new Uint8Array(8);
    new DataView(length.buffer).setBigUint64(0, BigInt(json.length), true);
    writeSync(fd, length, 0, 8, 0);
    writeSync(fd, json, 0, json.length, 8);
    let at = 8 + json.length + holeBytes;
    for (const t of Object.values(tensors)) {
      writeSync(fd, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), 0, t.data.byteLength, at);
      at += t.data.byteLength;
    }
    ftruncateSync(fd, at);
  } finally {
    closeSync(fd);
  }
}

test('checkpoint › shards over 2 GiB load tensor by tensor, with bounded host memory', async () => {
  await useWasm();
  const dir = copyTiny();
  const whole = new SafetensorsFile(readFileSync(join(dir, 'model.safetensors')), 'model.safetensors');
  const names = whole.names();
  const holeBytes = 2 ** 31 + 2 ** 20; // past Node's 2 GiB readFileSync limit and readSync's per-call limit
  const weightMap: Record<string, string> = {};
  [names.filter((_, i) => i % 2 === 0), names.filter((_, i) => i % 2 === 1)].forEach((shard, s) => {
    const file = `model-0000${s + 1}-of-00002.safetensors`;
    writeSparseShard(join(dir, file), Object.fromEntries(shard.map((n) => [n, whole.tensor(n)])), holeBytes);
    for (const n of shard) weightMap[n] = file;
  });
  rmSync(join(dir, 'model.safetensors'));
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  assert.ok(statSync(join(dir, 'model-00001-of-00002.safetensors')).size > 2 ** 31);

  const rssBefore = process.memoryUsage().rss;
  const model = new LlamaModel(loadCheckpoint(dir), 'explicit');
  const rssGrowth = process.memoryUsage().rss - rssBefore;
  const reference = new LlamaModel(tinyCheckpoint(), 'explicit');
  const ids = tf.tensor2d([[1, 40, 41, 300, 2]], [1, 5], 'int32');
  const logits = (m: LlamaModel) => tf.tidy(() => m.forward(ids).dataSync());
  assert.deepEqual(logits(model), logits(reference));
  assert.ok(rssGrowth < 256 * 2 ** 20, `host memory grew by ${rssGrowth} bytes`);
  model.dispose();
  reference.dispose();
  ids.dispose();
});
