import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Params } from '../../../operator/src/api/parameters.ts';
import { parseSearchSpace } from '../../../operator/src/api/search-space.ts';
import { Study } from '../../../operator/src/index.ts';
import {
  fitHyperparameters,
  type GpData,
  initialHyperparameters,
  Posterior,
  penalisedLogLikelihood,
} from '../../../operator/src/sampler/gp/gaussian-process.ts';
import { compressWorse, GpSampler } from '../../../operator/src/sampler/gp/gp-sampler.ts';
import { matern52, matern52Slope } from '../../../operator/src/sampler/gp/kernel.ts';
import { cholesky, inverseFromCholesky } from '../../../operator/src/sampler/gp/linalg.ts';
import { logExpectedImprovement, logH } from '../../../operator/src/sampler/gp/log-ei.ts';
import { ndtr } from '../../../operator/src/sampler/tpe/truncnorm.ts';
import type { TrialRecord } from '../../../operator/src/trial-record.ts';

test('gp › Cholesky factor and inverse of a known SPD matrix', () => {
  const a = Float64Array.from([4, 2, 0.4, 2, 5, 1, 0.4, 1, 3]);
  const l = cholesky(a, 3);
  assert.ok(l !== undefined);
  const inverse = inverseFromCholesky(l, 3);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      let product = 0;
      for (let k = 0; k < 3; k++) product += a[i * 3 + k] * inverse[k * 3 + j];
      assert.ok(Math.abs(product - (i === j ? 1 : 0)) < 1e-12, `${i},${j}: ${product}`);
    }
  }
  assert.equal(cholesky(Float64Array.from([1, 2, 2, 1]), 2), undefined, 'indefinite');
});

test('gp › Matérn 5/2 is 1 at distance 0, decreasing, and its slope matches a finite difference', () => {
  assert.equal(matern52(0), 1);
  let previous = 1;
  for (let r = 0.1; r < 5; r += 0.1) {
    const value = matern52(r * r);
    assert.ok(value < previous);
    previous = value;
    // −(dm/dr)/r = slope(r²)
    const h = 1e-6;
    const derivative = (matern52((r + h) ** 2) - matern52((r - h) ** 2)) / (2 * h);
    assert.ok(Math.abs(-derivative / r - matern52Slope(r * r)) < 1e-6, `r=${r}`);
  }
});

test('gp › log h(z) equals log(φ(z) + zΦ(z)) where that is computable, and stays finite and monotone far below', () => {
  for (let z = -5; z <= 5; z += 0.25) {
    const direct = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI) + z * ndtr(z);
    assert.ok(Math.abs(logH(z) - Math.log(direct)) < 1e-5 * Math.max(1, Math.abs(Math.log(direct))), `z=${z}`);
  }
  let previous = logH(-9);
  for (let z = -9.5; z > -60; z -= 0.5) {
    const value = logH(z);
    assert.ok(Number.isFinite(value) && value < previous, `z=${z}`);
    previous = value;
  }
  assert.ok(Math.abs(logH(-10 + 1e-9) - logH(-10 - 1e-9)) < 1e-4, 'continuous where the series takes over');
  assert.ok(logExpectedImprovement(0, 1, 0) > logExpectedImprovement(1, 1, 0));
  assert.ok(logExpectedImprovement(1, 4, 0) > logExpectedImprovement(1, 1, 0), 'more uncertainty, more EI');
});

function data1d(xs: number[], f: (x: number) => number): GpData {
  const ys = xs.map(f);
  const mean = ys.reduce((s, v) => s + v, 0) / ys.length;
  const sd = Math.sqrt(ys.reduce((s, v) => s + (v - mean) ** 2, 0) / ys.length);
  return {
    x: Float64Array.from(xs),
    y: Float64Array.from(ys, (v) => (v - mean) / sd),
    n: xs.length,
    categorical: [false],
  };
}

test('gp › the marginal-likelihood gradient matches finite differences (numeric and categorical dims)', () => {
  const data: GpData = {
    x: Float64Array.from([0.1, 0, 0.4, 1, 0.5, 1, 0.9, 2, 0.7, 0, 0.2, 2]),
    y: Float64Array.from([0.3, -1.2, 0.4, 1.5, -0.2, -0.8]),
    n: 6,
    categorical: [false, true],
  };
  const theta = Float64Array.from([Math.log(0.3), Math.log(0.8), 0.2, Math.log(0.05)]);
  const { value, gradient } = penalisedLogLikelihood(data, theta);
  assert.ok(gradient !== undefined && Number.isFinite(value));
  for (let p = 0; p < theta.length; p++) {
    const h = 1e-6;
    const up = Float64Array.from(theta);
    const down = Float64Array.from(theta);
    up[p] += h;
    down[p] -= h;
    const numeric = (penalisedLogLikelihood(data, up).value - penalisedLogLikelihood(data, down).value) / (2 * h);
    assert.ok(
      Math.abs(numeric - gradient[p]) < 1e-5 * Math.max(1, Math.abs(numeric)),
      `θ${p}: ${numeric} vs ${gradient[p]}`,
    );
  }
});

test('gp › 1-D: the fit raises the likelihood, the posterior interpolates and is uncertain away from data', () => {
  const data = data1d([0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95], (x) => Math.sin(6 * x));
  const start = initialHyperparameters(1);
  const theta = fitHyperparameters(data, start);
  assert.ok(penalisedLogLikelihood(data, theta).value > penalisedLogLikelihood(data, start).value);
  const posterior = new Posterior(data, theta);
  for (let i = 0; i < data.n; i++) {
    const { mean, variance } = posterior.predict(data.x, i);
    assert.ok(Math.abs(mean - data.y[i]) < 0.05, `x=${data.x[i]}: ${mean} vs ${data.y[i]}`);
    assert.ok(variance < 0.01);
  }
  // Between two data points the mean follows the sine (in standardised units), with more variance.
  const between = posterior.predict(Float64Array.from([0.425]));
  const expected = (Math.sin(6 * 0.425) - mean(data1dRaw())) / sd(data1dRaw());
  assert.ok(Math.abs(between.mean - expected) < 0.1, `${between.mean} vs ${expected}`);
  assert.ok(posterior.predict(Float64Array.from([0.425])).variance > posterior.predict(data.x, 3).variance);
});

const data1dRaw = () => [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95].map((x) => Math.sin(6 * x));
const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
const sd = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + (x - mean(v)) ** 2, 0) / v.length);

function optimise(
  space: ReturnType<typeof parseSearchSpace>,
  f: (p: Params) => number,
  count: number,
  seed = 0,
  direction: 'minimize' | 'maximize' = 'minimize',
): TrialRecord[] {
  const sampler = new GpSampler({ seed });
  const trials: TrialRecord[] = [];
  for (let number = 0; number < count; number++) {
    const params = sampler.sample({ space, direction, trials, number });
    trials.push({ number, params, state: 'complete', value: f(params), intermediate: [] });
  }
  return trials;
}

test('gp › 1-D: finds the minimum of a quadratic within 20 trials', () => {
  const space = parseSearchSpace([{ name: 'x', type: 'float', min: 0, max: 1 }]);
  for (const seed of [0, 1, 2]) {
    const trials = optimise(space, (p) => ((p.x as number) - 0.3) ** 2, 20, seed);
    const best = Math.min(...trials.map((t) => t.value as number));
    assert.ok(best < 1e-5, `seed ${seed}: ${best}`);
  }
});

test('gp › 2-D Branin: 30 trials get within 0.2 of the optimum (random search: ~1)', () => {
  const space = parseSearchSpace([
    { name: 'x1', type: 'float', min: -5, max: 10 },
    { name: 'x2', type: 'float', min: 0, max: 15 },
  ]);
  const branin = (p: Params) => {
    const [x1, x2] = [p.x1 as number, p.x2 as number];
    return (
      (x2 - (5.1 / (4 * Math.PI ** 2)) * x1 ** 2 + (5 / Math.PI) * x1 - 6) ** 2 +
      10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) +
      10
    );
  };
  for (const seed of [0, 1, 2]) {
    const best = Math.min(...optimise(space, branin, 30, seed).map((t) => t.value as number));
    assert.ok(best - 0.397887 < 0.2, `seed ${seed}: ${best}`);
  }
});

const mixedSpace = parseSearchSpace([
  { name: 'lr', type: 'float', min: 1e-5, max: 1e-2, log: true },
  { name: 'rank', type: 'int', min: 4, max: 64, log: true },
  { name: 'dropout', type: 'float', min: 0, max: 0.1, step: 0.01 },
  { name: 'scheduler', type: 'categorical', values: ['cosine', 'linear', 'constant'] },
]);
const mixedObjective = (p: Params) =>
  (Math.log10(p.lr as number) + 3) ** 2 +
  (Math.log2(p.rank as number) - 4) ** 2 / 4 +
  10 * ((p.dropout as number) - 0.05) ** 2 +
  (p.scheduler === 'cosine' ? 0 : 0.5);

test('gp › mixed space: suggestions are values of the space; maximising works like minimising the negation', () => {
  const trials = optimise(mixedSpace, mixedObjective, 25);
  for (const { params } of trials) {
    assert.ok(Number.isInteger(params.rank) && (params.rank as number) >= 4 && (params.rank as number) <= 64);
    assert.ok(Math.abs((params.dropout as number) * 100 - Math.round((params.dropout as number) * 100)) < 1e-9);
    assert.ok(['cosine', 'linear', 'constant'].includes(params.scheduler as string));
  }
  const best = Math.min(...trials.map((t) => t.value as number));
  assert.ok(best < 0.3, `${best}`);
  const maximised = optimise(mixedSpace, (p) => -mixedObjective(p), 25, 0, 'maximize');
  assert.deepEqual(
    maximised.map((t) => t.params),
    trials.map((t) => t.params),
  );
});

test('gp › deterministic: same seed, same suggestions; independent of record order; Study.fromTrials agrees', () => {
  const first = optimise(mixedSpace, mixedObjective, 15, 7);
  const second = optimise(mixedSpace, mixedObjective, 15, 7);
  assert.deepEqual(
    first.map((t) => t.params),
    second.map((t) => t.params),
  );
  const sampler = new GpSampler({ seed: 7 });
  const context = { space: mixedSpace, direction: 'minimize' as const, number: 15 };
  const forward = sampler.sample({ ...context, trials: first });
  assert.deepEqual(sampler.sample({ ...context, trials: [...first].reverse() }), forward);
  const config = {
    direction: 'minimize' as const,
    parameters: mixedSpace,
    sampler: { algorithm: 'gp' as const, seed: 7 },
  };
  assert.deepEqual(Study.fromTrials(config, first).ask().params, forward);
});

test('gp › a running trial at the proposed point moves the next proposal away', () => {
  const space = parseSearchSpace([{ name: 'x', type: 'float', min: 0, max: 1 }]);
  const trials = optimise(space, (p) => ((p.x as number) - 0.3) ** 2, 12);
  const sampler = new GpSampler({ seed: 0 });
  const proposed = sampler.sample({ space, direction: 'minimize', trials, number: 12 });
  const running: TrialRecord = { number: 12, params: proposed, state: 'running', intermediate: [] };
  const next = sampler.sample({ space, direction: 'minimize', trials: [...trials, running], number: 13 });
  assert.notDeepEqual(next, proposed);
});

test('gp › values worse than the median are compressed, keeping their order; better ones are kept', () => {
  const values = [1, 1.2, 1.1, 1.3, 5, 50];
  const warped = compressWorse(values);
  for (const [i, v] of values.entries()) if (v <= 1.2) assert.equal(warped[i], v);
  const order = (xs: number[]) => xs.map((_, i) => i).sort((a, b) => xs[a] - xs[b]);
  assert.deepEqual(order(warped), order(values));
  assert.ok(warped[5] - warped[4] < (50 - 5) / 10, 'a diverged value no longer dominates');
});
