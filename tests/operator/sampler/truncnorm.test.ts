import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logNdtr, logNdtrDiff, ndtr, sampleTruncNorm } from '../../../operator/src/sampler/tpe/truncnorm.ts';
import { trialRng } from '../../../operator/src/sampler/rng.ts';
import { assertClose, normalPdf, simpson } from './numeric.ts';

test('truncnorm › Φ matches the integral of the pdf', () => {
  for (const x of [-6, -3.2, -1, -0.1, 0, 0.4, 1.7, 3, 5]) {
    // Integrate the smaller tail directly (no cancellation in the reference); beyond −14 is < 1e-44.
    const tail = simpson(normalPdf, -14, -Math.abs(x), 8000);
    assertClose(x < 0 ? ndtr(x) : 1 - ndtr(x), tail, 3e-7, `Φ(${x})`);
  }
});

test('truncnorm › log Φ stays finite and accurate in the far lower tail', () => {
  // Mills-ratio asymptotics: log Φ(x) ≈ −x²/2 − log(−x) − log √(2π) + log(1 − 1/x² + 3/x⁴).
  for (const x of [-40, -100, -1000]) {
    const expected = -0.5 * x * x - Math.log(-x) - 0.5 * Math.log(2 * Math.PI) + Math.log(1 - 1 / x ** 2 + 3 / x ** 4);
    assertClose(logNdtr(x), expected, 1e-9, `log Φ(${x})`);
  }
  assert.ok(Math.abs(logNdtr(8)) < 1e-14);
});

test('truncnorm › log(Φ(b) − Φ(a)) matches integration: wide, narrow, straddling and tail intervals', () => {
  const cases: [number, number][] = [
    [-1, 2],
    [-0.3, -0.29],
    [0.5, 0.501],
    [1, 1.05],
    [-3, -2.5],
    [2.5, 3],
    [4, 6],
    [-0.001, 0.001],
    [-5, 5],
  ];
  for (const [a, b] of cases) {
    const expected = Math.log(simpson(normalPdf, a, b, 4000));
    assertClose(logNdtrDiff(a, b), expected, 2e-5, `[${a}, ${b}]`);
  }
  // Far tails, where Φ differences underflow in linear space: compare with the tail asymptotics.
  const tail = logNdtrDiff(50, 51);
  assertClose(tail, logNdtr(-50), 1e-6, 'upper tail');
  assert.equal(logNdtrDiff(1, 1), -Infinity);
});

test('truncnorm › draws stay in bounds and follow the truncated normal', () => {
  const rng = trialRng(7, 0);
  const [mu, sigma, low, high] = [0.9, 0.5, 0, 1];
  const draws = Array.from({ length: 20000 }, () => sampleTruncNorm(rng, mu, sigma, low, high));
  assert.ok(draws.every((x) => x >= low && x <= high));
  const mass = simpson((x) => normalPdf((x - mu) / sigma) / sigma, low, high);
  const mean = simpson((x) => (x * normalPdf((x - mu) / sigma)) / sigma, low, high) / mass;
  const sampleMean = draws.reduce((sum, x) => sum + x, 0) / draws.length;
  assert.ok(Math.abs(sampleMean - mean) < 0.01, `${sampleMean} vs ${mean}`);
});
