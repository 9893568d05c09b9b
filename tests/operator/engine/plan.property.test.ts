import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { World, outcome } from './world.ts';
import type { Params } from '../../../operator/src/api/parameters.ts';

const space = [
  { name: 'x', type: 'float', min: -5, max: 5 },
  { name: 'y', type: 'float', min: 0.001, max: 1, log: true },
  { name: 'kind', type: 'categorical', values: ['a', 'b'] },
];
const objective = (params: Params, step: number) =>
  ((params.x as number) - 1) ** 2 + (params.kind === 'a' ? 0 : 1) + 5 / step;

function spec(overrides: Record<string, unknown> = {}) {
  return {
    objective: { metric: 'eval_loss', direction: 'minimize' },
    parameters: space,
    sampler: { algorithm: 'tpe', seed: 7, startupTrials: 4 },
    pruner: { algorithm: 'median', startupTrials: 2 },
    budget: { maxTrials: 12, parallelTrials: 3 },
    trialTemplate: { command: ['fixture'] },
    ...overrides,
  };
}

const choices = fc.array(fc.nat({ max: 50 }), { minLength: 1, maxLength: 60 });

test('plan › whatever order trial events arrive in: numbers are never reissued, the parallel limit holds, best is the true best', () => {
  fc.assert(
    fc.property(choices, fc.integer({ min: 1, max: 4 }), (order, parallel) => {
      const world = new World(spec({ budget: { maxTrials: 12, parallelTrials: parallel } }), objective, 5);
      const result = world.run(order);
      const numbers = world.log.filter((action) => action.type === 'start').map((action) => action.number);
      assert.equal(new Set(numbers).size, numbers.length, 'a number was issued twice');
      assert.deepEqual(
        [...numbers].sort((a, b) => a - b),
        Array.from({ length: 12 }, (_, i) => i),
      );
      assert.ok(world.maxActive <= parallel, `${world.maxActive} trials ran at once with parallelTrials ${parallel}`);
      const complete = world.trials.filter((trial) => trial.status?.phase === 'Succeeded');
      const trueBest = Math.min(...complete.map((trial) => trial.status?.value as number));
      assert.equal(result.status.bestTrial?.value, trueBest);
      assert.equal(result.status.completionReason, 'MaxTrials');
      assert.equal(result.status.phase, 'Succeeded');
    }),
    { numRuns: 40 },
  );
});

test('plan › the outcome does not depend on the order events arrive in (reproducible ordering)', () => {
  const reference = new World(spec(), objective, 5);
  reference.run([0]);
  const expected = outcome(reference);
  assert.ok((expected.counts?.pruned ?? 0) > 0, 'the scenario prunes something');
  fc.assert(
    fc.property(choices, (order) => {
      const world = new World(spec(), objective, 5);
      world.run(order);
      assert.deepEqual(outcome(world), expected);
    }),
    { numRuns: 40 },
  );
});

test('plan › a restart (plan on the same trials from scratch) takes the same decisions', () => {
  fc.assert(
    fc.property(choices, fc.nat({ max: 80 }), (order, stopAfter) => {
      const world = new World(spec(), objective, 5);
      world.tick();
      for (let i = 0; i < stopAfter && world.last?.status.completionReason === undefined; i += 1) {
        world.advance(order[i % order.length]);
        world.tick();
      }
      // A fresh planner sees only the trials and the study's status: nothing else survives.
      const again = new World(spec(), objective, 5);
      again.trials = world.trials;
      again.study = world.study;
      again.nowMs = world.nowMs;
      const first = again.tick();
      assert.deepEqual(
        first.actions.filter((action) => action.type !== 'finish'),
        [],
      );
    }),
    { numRuns: 40 },
  );
});

const PRUNERS = [
  { algorithm: 'percentile', percentile: 25, startupTrials: 2 },
  { algorithm: 'asha', minResource: 1, reductionFactor: 2 },
  { algorithm: 'asha' },
  { algorithm: 'hyperband', minResource: 1, maxResource: 8, reductionFactor: 2 },
  { algorithm: 'hyperband' },
  { algorithm: 'threshold', upper: 6 },
  { algorithm: 'patient', patience: 1, wrapped: { algorithm: 'median', startupTrials: 2 } },
];

for (const pruner of PRUNERS) {
  test(`plan › with the ${JSON.stringify(pruner)} pruner the outcome does not depend on event order either`, () => {
    const noisy = (params: Params, step: number) =>
      objective(params, step) + (((params.x as number) * 1000 * step) % 1) * 0.5;
    const reference = new World(spec({ pruner, budget: { maxTrials: 16, parallelTrials: 3 } }), noisy, 8);
    reference.run([0]);
    const expected = outcome(reference);
    fc.assert(
      fc.property(choices, (order) => {
        const world = new World(spec({ pruner, budget: { maxTrials: 16, parallelTrials: 3 } }), noisy, 8);
        world.run(order);
        assert.deepEqual(outcome(world), expected);
        assert.ok(world.maxActive <= 3);
      }),
      { numRuns: 15 },
    );
  });
}

test('plan › greedy scheduling: numbers are never reissued, the parallel limit holds, best is the true best', () => {
  fc.assert(
    fc.property(choices, fc.integer({ min: 1, max: 4 }), (order, parallel) => {
      const world = new World(
        spec({ scheduling: 'greedy', budget: { maxTrials: 12, parallelTrials: parallel } }),
        objective,
        5,
      );
      const result = world.run(order);
      const numbers = world.log.filter((action) => action.type === 'start').map((action) => action.number);
      assert.deepEqual(
        [...numbers].sort((a, b) => a - b),
        Array.from({ length: 12 }, (_, i) => i),
      );
      assert.ok(world.maxActive <= parallel);
      const complete = world.trials.filter((trial) => trial.status?.phase === 'Succeeded');
      assert.equal(result.status.bestTrial?.value, Math.min(...complete.map((trial) => trial.status?.value as number)));
    }),
    { numRuns: 30 },
  );
});

test('plan › greedy scheduling fills a free slot while a lower-numbered trial still runs; reproducible waits', () => {
  for (const [scheduling, expected] of [
    ['greedy', [3]],
    ['reproducible', []],
  ] as const) {
    const world = new World(spec({ scheduling, budget: { maxTrials: 12, parallelTrials: 3 } }), objective, 5);
    world.tick();
    // Trial 1 runs to its end while trials 0 and 2 have not moved.
    for (let i = 0; i < 6; i += 1) world.advance(world.active.findIndex((trial) => trial.spec.number === 1));
    const started = world
      .tick()
      .actions.filter((action) => action.type === 'start')
      .map((action) => action.number);
    assert.deepEqual(started, expected, scheduling);
  }
});
