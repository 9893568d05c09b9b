import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import util from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { LorahpoError } from '../../trainer/src/contract/errors.ts';
import { cudaLoaded, selectBackend, shimNodeUtil } from '../../trainer/src/backend.ts';
import { tempDir } from './fixture.ts';

test('backend › the Node ≥ 23 util shim defines isNullOrUndefined for tfjs-node', () => {
  shimNodeUtil();
  const isNullOrUndefined = (util as unknown as Record<string, (v: unknown) => boolean>).isNullOrUndefined;
  assert.deepEqual(
    [null, undefined, 0, ''].map((v) => isNullOrUndefined(v)),
    [true, true, false, false],
  );
});

test('backend › CUDA counts as loaded only when both the runtime and the driver are mapped', () => {
  const dir = tempDir();
  const maps = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  assert.equal(cudaLoaded(maps('cpu', '7f00 r-xp /usr/lib/libtensorflow.so.2\n')), false);
  assert.equal(cudaLoaded(maps('runtime-only', '7f00 r-xp /usr/local/cuda/lib64/libcudart.so.11.0\n')), false);
  assert.equal(
    cudaLoaded(
      maps(
        'gpu',
        '7f00 r-xp /usr/local/cuda/lib64/libcudart.so.11.0\n7f01 r-xp /usr/lib/x86_64-linux-gnu/libcuda.so.1\n',
      ),
    ),
    true,
  );
  assert.equal(cudaLoaded(join(dir, 'absent')), false);
});

function resolves(pkg: string): boolean {
  try {
    import.meta.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}
const hasTfjsNode = resolves('@tensorflow/tfjs-node') || resolves('@tensorflow/tfjs-node-gpu');

test('backend › without tfjs-node the order falls through to wasm and says why', {
  skip: hasTfjsNode && 'tfjs-node is installed here',
}, async () => {
  const logs: string[] = [];
  const selected = await selectBackend(undefined, {}, (m) => logs.push(m));
  assert.equal(selected.choice, 'wasm');
  assert.equal(selected.gradientMode, 'explicit');
  assert.equal(tf.getBackend(), 'wasm');
  assert.match(logs[0], /backend tensorflow-gpu unavailable \(Cannot find package '@tensorflow\/tfjs-node-gpu'/);
  assert.match(logs[1], /backend tensorflow unavailable/);
});

test('backend › a forced backend that cannot start is an error, not a fallback', async () => {
  await assert.rejects(
    selectBackend('tensorflow-gpu', {}, () => {}),
    (e: unknown) =>
      e instanceof LorahpoError && e.code === 'LORAHPO_BACKEND' && /tensorflow-gpu|tfjs-node-gpu/.test(e.message),
  );
});
