import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GridSampler } from '../../../operator/src/sampler/grid.ts';
import { checkGridSpace } from '../../../operator/src/api/grid-space.ts';
import { parseSearchSpace } from '../../../operator/src/api/search-space.ts';
import { LorahpoError, SpecInvalidError } from '../../../operator/src/errors.ts';
import type { TrialRecord } from '../../../operator/src/trial-record.ts';

const space = parseSearchSpace([
  { name: 'rank', type: 'int', min: 8, max: 24, step: 8 },
  { name: 'dropout', type: 'float', min: 0, max: 0.1, step: 0.05 },
  { name: 'scheduler', type: 'categorical', values: ['cosine', 'linear'] },
]);

function run(sampler: GridSampler, count: number, trials: TrialRecord[] = []): TrialRecord[] {
  for (let i = 0; i < count; i++) {
    const number = trials.length;
    const params = sampler.sample({ space, direction: 'minimize', trials, number });
    trials.push({ number, params, state: 'running', intermediate: [] });
  }
  return trials;
}

test('grid › visits every combination once, in a seeded order, then reports exhaustion', () => {
  const sampler = new GridSampler(5);
  const trials = run(sampler, 18);
  const keys = new Set(trials.map((trial) => JSON.stringify(trial.params)));
  assert.equal(keys.size, 18);
  for (const trial of trials) {
    assert.ok([8, 16, 24].includes(trial.params.rank as number));
    assert.ok([0, 0.05, 0.1].includes(trial.params.dropout as number), String(trial.params.dropout));
  }
  assert.equal(sampler.isExhausted(space, trials), true);
  assert.throws(
    () => sampler.sample({ space, direction: 'minimize', trials, number: 18 }),
    (error) => error instanceof LorahpoError && error.code === 'LORAHPO_GRID_EXHAUSTED',
  );
  const other = run(new GridSampler(6), 18).map((trial) => JSON.stringify(trial.params));
  assert.notDeepEqual(
    other,
    trials.map((trial) => JSON.stringify(trial.params)),
  );
  assert.deepEqual(
    run(new GridSampler(5), 18).map((t) => t.params),
    trials.map((t) => t.params),
  );
});

test('grid › reads taken points from the history: restart-safe, and a failed point is offered again', () => {
  const trials = run(new GridSampler(1), 5);
  const fresh = new GridSampler(1);
  const next = fresh.sample({ space, direction: 'minimize', trials, number: 5 });
  assert.ok(!trials.some((trial) => JSON.stringify(trial.params) === JSON.stringify(next)));
  const failedFirst = trials.map((trial, i) => (i === 0 ? { ...trial, state: 'failed' as const } : trial));
  assert.deepEqual(fresh.sample({ space, direction: 'minimize', trials: failedFirst, number: 5 }), trials[0].params);
  assert.equal(fresh.isExhausted(space, trials), false);
});

test('grid › a continuous float cannot be gridded', () => {
  const continuous = parseSearchSpace([{ name: 'lr', type: 'float', min: 0.1, max: 1 }]);
  assert.deepEqual(
    checkGridSpace(continuous).map((issue) => issue.path),
    ['parameters[lr].step'],
  );
  assert.throws(
    () => new GridSampler(0).sample({ space: continuous, direction: 'minimize', trials: [], number: 0 }),
    (error) => error instanceof SpecInvalidError && /grid sampling needs a step/.test(error.message),
  );
});
