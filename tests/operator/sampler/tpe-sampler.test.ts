import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createSampler } from '../../../operator/src/sampler/create-sampler.ts';
import { parseSearchSpace } from '../../../operator/src/api/search-space.ts';
import { toDomain, toInternal } from '../../../operator/src/sampler/domain.ts';
import type { SamplerSpec } from '../../../operator/src/api/sampler-spec.ts';
import type { Params } from '../../../operator/src/api/parameters.ts';
import type { TrialRecord } from '../../../operator/src/trial-record.ts';

const space = parseSearchSpace([
  { name: 'lr', type: 'float', min: 1e-5, max: 1e-2, log: true },
  { name: 'clip', type: 'float', min: 0.1, max: 0.5 },
  { name: 'rank', type: 'int', min: 4, max: 64, log: true },
  { name: 'dropout', type: 'float', min: 0, max: 0.1, step: 0.01 },
  { name: 'layers', type: 'int', min: 2, max: 12, step: 2 },
  { name: 'scheduler', type: 'categorical', values: ['cosine', 'linear', 'constant'] },
]);

/** A smooth objective with its optimum at lr = 1e-3, clip = 0.2, rank = 16, cosine. */
function objective(params: Params): number {
  return (
    (Math.log10(params.lr as number) + 3) ** 2 +
    10 * ((params.clip as number) - 0.2) ** 2 +
    (Math.log2(params.rank as number) - 4) ** 2 / 4 +
    (params.scheduler === 'cosine' ? 0 : 0.5)
  );
}

function optimise(config: SamplerSpec, count: number): TrialRecord[] {
  const sampler = createSampler(config);
  const trials: TrialRecord[] = [];
  for (let number = 0; number < count; number++) {
    const params = sampler.sample({ space, direction: 'minimize', trials, number });
    trials.push({ number, params, state: 'complete', value: objective(params), intermediate: [] });
  }
  return trials;
}

const best = (trials: TrialRecord[]) => Math.min(...trials.map((trial) => trial.value as number));

function assertInSpace(params: Params): void {
  for (const param of space) {
    assert.ok(
      !Number.isNaN(toInternal(toDomain(param), params[param.name])),
      `${param.name}=${String(params[param.name])}`,
    );
    if (param.type === 'int') assert.ok(Number.isInteger(params[param.name]));
    if (param.type === 'float' && param.step !== undefined) {
      const k = ((params[param.name] as number) - param.min) / param.step;
      assert.ok(Math.abs(k - Math.round(k)) < 1e-9, `${param.name} on its step`);
    }
  }
}

test('tpe › same seed and same history give the same suggestions; another seed differs', () => {
  const config: SamplerSpec = { algorithm: 'tpe', seed: 3, startupTrials: 5 };
  const a = optimise(config, 30);
  assert.deepEqual(optimise(config, 30), a);
  assert.notDeepEqual(
    optimise({ ...config, seed: 4 }, 30).map((t) => t.params),
    a.map((t) => t.params),
  );
});

for (const mode of [
  { multivariate: false },
  { multivariate: true, bandwidth: 'scott' as const },
  { multivariate: true, bandwidth: 'neighbour' as const },
  { group: true },
]) {
  test(`tpe › ${JSON.stringify(mode)} beats random search on a smooth objective in most of 7 seeds`, () => {
    let wins = 0;
    for (let seed = 0; seed < 7; seed++) {
      const tpe = optimise({ algorithm: 'tpe', seed, ...mode }, 60);
      tpe.forEach((trial) => assertInSpace(trial.params));
      if (best(tpe) < best(optimise({ algorithm: 'random', seed }, 60))) wins++;
    }
    assert.ok(wins >= 5, `won ${wins}/7`);
  });
}

test('tpe › start-up trials are independent uniform draws, the same as the random sampler', () => {
  const tpe = optimise({ algorithm: 'tpe', seed: 9, startupTrials: 10 }, 10);
  const random = optimise({ algorithm: 'random', seed: 9 }, 10);
  assert.deepEqual(
    tpe.map((t) => t.params),
    random.map((t) => t.params),
  );
});

test('tpe › running and failed trials do not count towards start-up', () => {
  const sampler = createSampler({ algorithm: 'tpe', seed: 1, startupTrials: 2 });
  const random = createSampler({ algorithm: 'random', seed: 1 });
  const trials: TrialRecord[] = [
    {
      number: 0,
      params: { lr: 1e-3, clip: 0.2, rank: 16, dropout: 0, layers: 2, scheduler: 'cosine' },
      state: 'complete',
      value: 1,
      intermediate: [],
    },
    {
      number: 1,
      params: { lr: 1e-3, clip: 0.2, rank: 16, dropout: 0, layers: 2, scheduler: 'cosine' },
      state: 'running',
      intermediate: [],
    },
    {
      number: 2,
      params: { lr: 1e-3, clip: 0.2, rank: 16, dropout: 0, layers: 2, scheduler: 'cosine' },
      state: 'failed',
      intermediate: [],
    },
  ];
  const context = { space, direction: 'minimize' as const, trials, number: 3 };
  assert.deepEqual(sampler.sample(context), random.sample(context));
});

test('tpe › constant liar steers a parallel suggestion away from running trials', () => {
  const history = optimise({ algorithm: 'tpe', seed: 2 }, 40);
  const plain = createSampler({ algorithm: 'tpe', seed: 2 });
  const liar = createSampler({ algorithm: 'tpe', seed: 2, constantLiar: true });
  const first = plain.sample({ space, direction: 'minimize', trials: history, number: 40 });
  // Ten workers already run the point that trial 40 would get.
  const running = Array.from(
    { length: 10 },
    (_, i): TrialRecord => ({ number: 41 + i, params: first, state: 'running', intermediate: [] }),
  );
  const trials = [...history, ...running];
  assert.deepEqual(
    plain.sample({ space, direction: 'minimize', trials, number: 40 }),
    first,
    'running trials are ignored without the liar',
  );
  assert.notDeepEqual(
    liar.sample({ space, direction: 'minimize', trials, number: 40 }),
    first,
    'the liar counts them as bad',
  );
});

test('tpe › conditional parameters: trials lacking a parameter or holding foreign values are skipped for it', () => {
  const history = optimise({ algorithm: 'tpe', seed: 5 }, 30).map((trial, i) => {
    const params = { ...trial.params };
    if (i % 3 === 0) delete params.clip;
    if (i % 4 === 0) params.scheduler = 'unknown';
    if (i % 5 === 0) params.rank = 1000;
    return { ...trial, params };
  });
  for (const config of [{ multivariate: true }, { multivariate: false }, { group: true }]) {
    const params = createSampler({ algorithm: 'tpe', seed: 5, ...config }).sample({
      space,
      direction: 'minimize',
      trials: history,
      number: 30,
    });
    assertInSpace(params);
  }
});

test('tpe › maximize mirrors minimize of the negated objective', () => {
  const run = (direction: 'minimize' | 'maximize') => {
    const sampler = createSampler({ algorithm: 'tpe', seed: 8 });
    const trials: TrialRecord[] = [];
    for (let number = 0; number < 25; number++) {
      const params = sampler.sample({ space, direction, trials, number });
      const value = objective(params) * (direction === 'maximize' ? -1 : 1);
      trials.push({ number, params, state: 'complete', value, intermediate: [] });
    }
    return trials.map((trial) => trial.params);
  };
  assert.deepEqual(run('maximize'), run('minimize'));
});

test('tpe › every suggestion is a value of the space, whatever the options (property)', () => {
  fc.assert(
    fc.property(
      fc.record({
        seed: fc.integer({ min: 0, max: 1000 }),
        multivariate: fc.boolean(),
        group: fc.boolean(),
        considerEndpoints: fc.boolean(),
        priorWeight: fc.constantFrom(0, 0.5, 1, 3),
        bandwidth: fc.constantFrom('scott' as const, 'neighbour' as const),
        startupTrials: fc.integer({ min: 0, max: 4 }),
      }),
      (options) => {
        const trials = optimise({ algorithm: 'tpe', ...options }, 16);
        trials.forEach((trial) => assertInSpace(trial.params));
      },
    ),
    { numRuns: 25 },
  );
});
