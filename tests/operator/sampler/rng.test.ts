import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trialRng } from '../../../operator/src/sampler/rng.ts';

const draw = (seed: number, n: number, purpose = 0) => {
  const rng = trialRng(seed, n, purpose);
  return Array.from({ length: 8 }, () => rng.next());
};

test('rng › the stream of trial n depends only on (seed, n, purpose)', () => {
  assert.deepEqual(draw(42, 7), draw(42, 7));
  assert.notDeepEqual(draw(42, 7), draw(42, 8));
  assert.notDeepEqual(draw(42, 7), draw(43, 7));
  assert.notDeepEqual(draw(42, 7), draw(42, 7, 1));
  assert.notDeepEqual(draw(2 ** 40, 0), draw(0, 0));
});

test('rng › uniform, integer and normal draws have the right moments', () => {
  const rng = trialRng(1, 2);
  const n = 50000;
  let sum = 0;
  let sumSquares = 0;
  const counts = new Array(5).fill(0);
  let normalSum = 0;
  let normalSquares = 0;
  for (let i = 0; i < n; i++) {
    const u = rng.next();
    assert.ok(u >= 0 && u < 1);
    sum += u;
    sumSquares += u * u;
    counts[rng.nextInt(5)]++;
    const z = rng.normal();
    normalSum += z;
    normalSquares += z * z;
  }
  assert.ok(Math.abs(sum / n - 0.5) < 0.01);
  assert.ok(Math.abs(sumSquares / n - 1 / 3) < 0.01);
  counts.forEach((count) => assert.ok(Math.abs(count / n - 0.2) < 0.01));
  assert.ok(Math.abs(normalSum / n) < 0.02);
  assert.ok(Math.abs(normalSquares / n - 1) < 0.03);
});
