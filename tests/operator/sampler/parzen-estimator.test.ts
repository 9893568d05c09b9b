import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildParzenEstimator, type ParzenOptions } from '../../../operator/src/sampler/tpe/parzen-estimator.ts';
import { toDomain, toInternal, type Domain, type NumericDomain } from '../../../operator/src/sampler/domain.ts';
import { trialRng } from '../../../operator/src/sampler/rng.ts';
import type { FloatParameter, IntParameter, Parameter } from '../../../operator/src/api/parameters.ts';
import { assertClose, normalMass, normalPdf } from './numeric.ts';

const options: ParzenOptions = { priorWeight: 1, considerEndpoints: false, bandwidth: 'neighbour' };

function density(param: Parameter, observed: number[], xs: number[], weights?: number[], opts = options): number[] {
  const domain = toDomain(param);
  const column = Float64Array.from(observed, (value) => toInternal(domain, value));
  const mixture = buildParzenEstimator([domain], [column], Float64Array.from(weights ?? observed.map(() => 1)), opts);
  const points = Float64Array.from(xs, (x) => toInternal(domain, x));
  const out = new Float64Array(xs.length);
  mixture.logDensity([points], xs.length, out);
  return [...out].map(Math.exp);
}

/** Hand-derived kernels for observations 0.2, 0.5, 0.6 on [0, 1] (neighbour rule, ends trimmed):
 * widths 0.3, 0.3, 0.1 → clipped to ≥ 1/min(100, 3+2) = 0.2; prior N(0.5, 1); weights 1 each. */
const kernels = [
  [0.2, 0.3],
  [0.5, 0.3],
  [0.6, 0.2],
  [0.5, 1],
];

test('parzen › continuous density equals the weighted truncated normals, by integration', () => {
  const param: Parameter = { name: 'x', type: 'float', min: 0, max: 1, log: false };
  const xs = [0, 0.05, 0.2, 0.45, 0.61, 0.99, 1];
  const actual = density(param, [0.2, 0.5, 0.6], xs);
  xs.forEach((x, i) => {
    const expected = kernels.reduce(
      (sum, [mu, sigma]) => sum + normalPdf((x - mu) / sigma) / sigma / normalMass(mu, sigma, 0, 1) / kernels.length,
      0,
    );
    assertClose(actual[i], expected, 1e-6, `p(${x})`);
  });
});

test('parzen › a log float density is a truncated normal on the log scale', () => {
  const param: Parameter = { name: 'lr', type: 'float', min: 1e-5, max: 1e-2, log: true };
  const observed = [1e-4, 1e-3];
  const [low, high] = [Math.log(1e-5), Math.log(1e-2)];
  const range = high - low;
  // Two points: the lower keeps its right gap, the upper its left gap; clip ≥ range/4.
  const gap = Math.log(10);
  const list = [
    [Math.log(1e-4), Math.max(gap, range / 4)],
    [Math.log(1e-3), Math.max(gap, range / 4)],
    [(low + high) / 2, range],
  ];
  const xs = [2e-5, 3e-4, 5e-3];
  const actual = density(param, observed, xs);
  xs.forEach((x, i) => {
    const u = Math.log(x);
    const expected = list.reduce(
      (sum, [mu, sigma]) => sum + normalPdf((u - mu) / sigma) / sigma / normalMass(mu, sigma, low, high) / 3,
      0,
    );
    assertClose(actual[i], expected, 1e-6, `p(log ${x})`);
  });
});

test('parzen › stepped and int masses are the kernel mass on each value’s interval and sum to 1', () => {
  const cases: (FloatParameter | IntParameter)[] = [
    { name: 'd', type: 'float', min: 0, max: 0.1, step: 0.02, log: false },
    { name: 'r', type: 'int', min: 1, max: 9, step: 2, log: false },
    { name: 'l', type: 'int', min: 1, max: 40, step: 1, log: true },
  ];
  for (const param of cases) {
    const domain = toDomain(param) as NumericDomain;
    const values: number[] = [];
    for (let v = param.min; v <= param.max + 1e-9; v += param.step ?? 1) values.push(Math.round(v * 1e9) / 1e9);
    const observed = [values[1], values[values.length - 2]];
    const masses = density(param, observed, values);
    assertClose(
      masses.reduce((a, b) => a + b, 0),
      1,
      1e-5,
      `${param.name} total`,
    );
    // Reference: the same kernels (ends trimmed, clipped) integrated on each value's interval.
    const mus = observed.map((v) => toInternal(domain, v));
    const range = domain.high - domain.low;
    const sigmas = [Math.max(mus[1] - mus[0], range / 4), Math.max(mus[1] - mus[0], range / 4)];
    const list = [
      [mus[0], sigmas[0]],
      [mus[1], sigmas[1]],
      [(domain.low + domain.high) / 2, range],
    ];
    values.forEach((value, i) => {
      const half = (param.step ?? 1) / 2;
      const [a, b] = param.log ? [Math.log(value - half), Math.log(value + half)] : [value - half, value + half];
      const expected = list.reduce(
        (sum, [mu, sigma]) => sum + normalMass(mu, sigma, a, b) / normalMass(mu, sigma, domain.low, domain.high) / 3,
        0,
      );
      assertClose(masses[i], expected, 1e-4, `${param.name}=${value}`);
    });
  }
});

test('parzen › categorical kernels spread priorWeight/(n+1) and the prior is uniform', () => {
  const param: Parameter = { name: 's', type: 'categorical', values: ['a', 'b', 'c'] };
  const observed = ['a', 'a', 'c'];
  const domain = toDomain(param);
  const column = Float64Array.from(observed, (v) => toInternal(domain, v));
  const mixture = buildParzenEstimator([domain], [column], Float64Array.from([1, 1, 1]), {
    ...options,
    priorWeight: 2,
  });
  const out = new Float64Array(3);
  mixture.logDensity([Float64Array.from([0, 1, 2])], 3, out);
  const floor = 2 / 4;
  const row = (hit: boolean) => (hit ? floor + 1 : floor) / (3 * floor + 1);
  const expect = (c: number) => (row(c === 0) * 2 + row(c === 2) + (1 / 3) * 2) / 5;
  [0, 1, 2].forEach((c) => assertClose(Math.exp(out[c]), expect(c), 1e-12, `p(${c})`));
});

test('parzen › weights scale components, and a density integrates to 1 over the bounds', () => {
  const param: Parameter = { name: 'x', type: 'float', min: -2, max: 3, log: false };
  const xs = Array.from({ length: 2001 }, (_, i) => -2 + (5 * i) / 2000);
  const p = density(param, [-1.5, 0, 0.1, 2.5], xs, [0.2, 0.5, 1, 1]);
  const h = 5 / 2000;
  let integral = p[0] + p[2000];
  for (let i = 1; i < 2000; i++) integral += (i % 2 ? 4 : 2) * p[i];
  assertClose((integral * h) / 3, 1, 1e-6, 'integral');
});

test('parzen › multivariate samples come from one component in every dimension', () => {
  const x: Parameter = { name: 'x', type: 'float', min: 0, max: 1, log: false };
  const s: Parameter = { name: 's', type: 'categorical', values: ['lo', 'hi'] };
  const domains = [toDomain(x), toDomain(s)];
  const columns = [Float64Array.from([0.05, 0.95]), Float64Array.from([0, 1])];
  const mixture = buildParzenEstimator(domains, columns, Float64Array.from([1, 1]), {
    priorWeight: 0,
    considerEndpoints: false,
    bandwidth: 'scott',
  });
  const out = [new Float64Array(400), new Float64Array(400)];
  mixture.sample(trialRng(3, 1), 400, out);
  let agree = 0;
  for (let i = 0; i < 400; i++) if (out[0][i] > 0.5 === (out[1][i] === 1)) agree++;
  assert.ok(agree > 360, `joint structure kept in ${agree}/400`);
});

test('parzen › scottFloor widens the neighbour widths of a joint block to Scott’s, never a single dimension', () => {
  const params: Parameter[] = Array.from({ length: 10 }, (_, d) => ({
    name: `x${d}`,
    type: 'float',
    min: 0,
    max: 2,
    log: false,
  }));
  const domains = params.map(toDomain);
  const rng = trialRng(3, 0);
  const m = 200;
  const columns = domains.map(() => Float64Array.from({ length: m }, () => 2 * rng.next()));
  const weights = new Float64Array(m).fill(1);
  const sigmaOf = (mixture: ReturnType<typeof buildParzenEstimator>, d: number) => {
    const kernels = mixture.kernels[d];
    if (kernels.kind !== 'numeric') throw new Error('numeric kernels expected');
    return kernels.sigma;
  };
  const plain = buildParzenEstimator(domains, columns, weights, options);
  const floored = buildParzenEstimator(domains, columns, weights, { ...options, scottFloor: true });
  const scott = 0.2 * m ** (-1 / 14) * 2;
  let widened = 0;
  for (let d = 0; d < 10; d++) {
    const alone = sigmaOf(buildParzenEstimator([domains[d]], [columns[d]], weights, options), 0);
    for (let i = 0; i < m; i++) {
      // Without the floor a joint block keeps each coordinate's own neighbour widths.
      assert.equal(sigmaOf(plain, d)[i], alone[i]);
      assertClose(sigmaOf(floored, d)[i], Math.max(alone[i], scott), 1e-12, `x${d} of point ${i}`);
      if (alone[i] < scott) widened++;
    }
    const single = buildParzenEstimator([domains[d]], [columns[d]], weights, { ...options, scottFloor: true });
    assert.deepEqual([...sigmaOf(single, 0)], [...alone]);
  }
  // 200 points: coordinate gaps ~2/200, Scott's width 0.27 (0.14 of the range): nearly every kernel widens.
  assert.ok(widened > 0.95 * m * 10, `${widened} of ${m * 10} widened`);
});

test('parzen › a block with categoricals gets the Scott floor only from three numeric dimensions', () => {
  const rng = trialRng(5, 0);
  const m = 120;
  const categorical: Parameter = { name: 'rank', type: 'categorical', values: [4, 8, 16, 32] };
  const float = (name: string): Parameter => ({ name, type: 'float', min: 0, max: 1, log: false });
  for (const numeric of [1, 2, 3, 4]) {
    const domains: Domain[] = [categorical, ...Array.from({ length: numeric }, (_, d) => float(`x${d}`))].map(toDomain);
    const columns = domains.map((domain) =>
      Float64Array.from({ length: m }, () => (domain.kind === 'categorical' ? Math.floor(4 * rng.next()) : rng.next())),
    );
    const weights = new Float64Array(m).fill(1);
    const widths = (scottFloor: boolean): number[] => {
      const block = buildParzenEstimator(domains, columns, weights, { ...options, scottFloor }).kernels[1];
      if (block.kind !== 'numeric') throw new Error('numeric kernels expected');
      return [...block.sigma.subarray(0, m)];
    };
    const plain = widths(false);
    const scott = 0.2 * m ** (-1 / (domains.length + 4));
    const expected = numeric >= 3 ? plain.map((sigma) => Math.max(sigma, scott)) : plain;
    assert.deepEqual(widths(true), expected, `${numeric} numeric dimensions`);
    assert.ok(
      plain.some((sigma) => sigma < scott),
      'the floor would widen some kernels',
    );
  }
});
