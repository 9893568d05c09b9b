import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clipBandwidths, neighbourBandwidths, scottBandwidth } from '../../../operator/src/sampler/tpe/bandwidth.ts';

const near = (actual: Float64Array, expected: number[]) =>
  expected.forEach((value, i) => assert.ok(Math.abs(actual[i] - value) < 1e-12, `${i}: ${actual[i]} vs ${value}`));

test('bandwidth › neighbour rule takes the larger gap, bounds as sentinels, in any input order', () => {
  near(neighbourBandwidths(Float64Array.from([0.6, 0.2, 0.5]), 0, 1, { considerEndpoints: true }), [0.4, 0.3, 0.3]);
});

test('bandwidth › without considerEndpoints the extreme points use only their inner gap', () => {
  near(neighbourBandwidths(Float64Array.from([0.6, 0.2, 0.5]), 0, 1, { considerEndpoints: false }), [0.1, 0.3, 0.3]);
  // A single point keeps its larger gap to the bounds.
  near(neighbourBandwidths(Float64Array.from([0.2]), 0, 1, { considerEndpoints: false }), [0.8]);
});

test('bandwidth › equal values are neighbours at distance 0: a value seen three times gets one narrow kernel', () => {
  // sorted 0.1, 0.5, 0.5, 0.5, 0.9: the outer copies keep their gap to 0.1 and 0.9, the middle one has none
  near(
    neighbourBandwidths(Float64Array.from([0.5, 0.1, 0.5, 0.9, 0.5]), 0, 1, { considerEndpoints: true }),
    [0.4, 0.4, 0, 0.4, 0.4],
  );
});

test('bandwidth › the copies of a value share its two gaps and zeros between them, negative values too', () => {
  const values = Float64Array.from([-3, 2, -3, 2, -3, 7]);
  const widths = neighbourBandwidths(values, -10, 10, { considerEndpoints: true });
  const of = (value: number) => [...widths].filter((_, i) => values[i] === value).sort((a, b) => a - b);
  near(Float64Array.from(of(-3)), [0, 5, 7]);
  near(Float64Array.from(of(2)), [5, 5]);
  near(Float64Array.from(of(7)), [5]);
});

test('bandwidth › clip to [range / min(100, n + 2), range] and the Scott-style width', () => {
  const sigma = Float64Array.from([0.001, 5, 0.5]);
  clipBandwidths(sigma, 2);
  near(sigma, [0.4, 2, 0.5]);
  const many = new Float64Array(500).fill(0);
  clipBandwidths(many, 1);
  assert.equal(many[0], 0.01);
  assert.ok(Math.abs(scottBandwidth(32, 4, 3) - 0.2 * 32 ** (-1 / 8) * 3) < 1e-15);
});

test('argsort › orders finite doubles (negatives, zeros, duplicates, tiny and huge) like a comparison sort', async () => {
  const { argsort } = await import('../../../operator/src/sampler/tpe/argsort.ts');
  const values = Float64Array.from([3, -1, 0, -0.5, 1e-300, 2.5e10, -7e-8, 3, 0.1, -1, 42, 1e-5]);
  const order = argsort(values);
  const sorted = [...order].map((i) => values[i]);
  assert.deepEqual(
    sorted,
    [...values].sort((a, b) => a - b),
  );
  assert.deepEqual(
    [...order].sort((a, b) => a - b),
    [...values.keys()],
  );
  const big = Float64Array.from({ length: 3000 }, (_, i) => (Math.sin(i * 12.9898) * 43758.5453) % 1);
  const bigOrder = argsort(big);
  for (let i = 1; i < big.length; i++) assert.ok(big[bigOrder[i - 1]] <= big[bigOrder[i]]);
});
