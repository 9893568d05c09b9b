import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plan } from '../../../operator/src/engine/plan.ts';
import { World } from './world.ts';
import type { Params } from '../../../operator/src/api/parameters.ts';

const base = {
  objective: { metric: 'eval_loss', direction: 'minimize' },
  parameters: [{ name: 'x', type: 'float', min: 0, max: 10 }],
  sampler: { algorithm: 'random', seed: 3 },
  budget: { maxTrials: 6, parallelTrials: 2 },
  trialTemplate: { command: ['fixture'] },
};
const byX = (params: Params, step: number) => (params.x as number) + 1 / step;

test('plan › an invalid spec gives Valid=False with the field path, phase Failed and no actions', () => {
  const spec = { ...base, parameters: [{ name: 'x', type: 'float', min: 10, max: 0 }] };
  const result = plan({ metadata: { name: 'demo', generation: 4 }, spec }, [], new Date('2026-01-01T00:00:00Z'));
  assert.deepEqual(result.actions, []);
  assert.equal(result.status.phase, 'Failed');
  const valid = result.status.conditions.find((condition) => condition.type === 'Valid');
  assert.equal(valid?.status, 'False');
  assert.equal(valid?.observedGeneration, 4);
  assert.match(valid?.message ?? '', /spec\.parameters\[x\]\.max is 0 but must be > min \(10\)/);
});

test('plan › starts up to parallelTrials with deterministic names, seeds and params', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const first = plan({ metadata: { name: 'demo', namespace: 'ns' }, spec: base }, [], now);
  const again = plan({ metadata: { name: 'demo', namespace: 'ns' }, spec: base }, [], now);
  const starts = first.actions.filter((action) => action.type === 'start');
  assert.deepEqual(
    starts.map((action) => action.name),
    ['demo-0', 'demo-1'],
  );
  assert.deepEqual(first.actions, again.actions);
  assert.equal(starts[0].trial.metadata.namespace, 'ns');
  assert.equal(first.status.phase, 'Running');
  assert.equal(first.status.startTime, now.toISOString());
});

test('plan › a trial number missing below started ones (a create that failed) is started again, with its own params', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const study = { metadata: { name: 'demo', namespace: 'ns' }, spec: base };
  const both = plan(study, [], now).actions.filter((action) => action.type === 'start');
  const onlySecond = plan(study, [both[1].trial], now).actions.filter((action) => action.type === 'start');
  assert.deepEqual(
    onlySecond.map((action) => action.name),
    ['demo-0'],
  );
  assert.deepEqual(onlySecond[0].params, both[0].params);
});

test('plan › GoalReached stops the running trials and finishes the study', () => {
  const world = new World({ ...base, objective: { ...base.objective, goal: 3 } }, byX, 3);
  const result = world.run([0]);
  assert.equal(result.status.completionReason, 'GoalReached');
  assert.equal(result.status.phase, 'Succeeded');
  assert.ok((result.status.bestTrial?.value ?? 99) <= 3);
  assert.equal(world.active.length, 0);
  for (const stop of world.log.filter((action) => action.type === 'stop')) assert.equal(stop.reason, 'GoalReached');
});

test('plan › TooManyFailures once more than maxFailedTrials trials failed; the phase is Failed', () => {
  const world = new World(
    { ...base, budget: { maxTrials: 6, parallelTrials: 1, maxFailedTrials: 1 } },
    byX,
    3,
    () => true,
  );
  const result = world.run([0]);
  assert.equal(result.status.completionReason, 'TooManyFailures');
  assert.equal(result.status.phase, 'Failed');
  assert.equal(result.status.trialCounts?.failed, 2);
});

test('plan › Timeout stops running trials, and before it plan asks to be called back in time', () => {
  const spec = { ...base, budget: { ...base.budget, timeout: '1h' } };
  const start = new Date('2026-01-01T00:00:00Z');
  const first = plan({ metadata: { name: 'demo' }, spec }, [], start);
  assert.equal(first.requeueAfterMs, 3_600_000);
  const trials = first.actions.flatMap((action) => (action.type === 'start' ? [action.trial] : []));
  const later = plan(
    { metadata: { name: 'demo' }, spec, status: first.status },
    trials,
    new Date(start.getTime() + 3_600_000),
  );
  assert.deepEqual(
    later.actions.map((action) => action.type),
    ['stop', 'stop', 'finish'],
  );
  assert.equal(later.status.completionReason, 'Timeout');
  assert.equal(later.status.phase, 'Failed', 'no trial completed before the timeout');
});

test('plan › NoImprovement after noImprovementTrials trials past the best', () => {
  const world = new World(
    { ...base, budget: { maxTrials: 20, parallelTrials: 1, noImprovementTrials: 3 } },
    (params, step) => byX(params, step),
    2,
  );
  const result = world.run([0]);
  const best = result.status.bestTrial?.number ?? -1;
  assert.equal(result.status.completionReason, 'NoImprovement');
  assert.equal(world.trials.filter((trial) => trial.spec.number > best).length, 3);
});

test('plan › a used-up grid finishes with SearchSpaceExhausted', () => {
  const spec = {
    ...base,
    sampler: { algorithm: 'grid', seed: 1 },
    parameters: [{ name: 'k', type: 'categorical', values: [1, 2, 3] }],
    budget: { maxTrials: 10, parallelTrials: 2 },
  };
  const world = new World(spec, (params) => params.k as number, 2);
  const result = world.run([1, 0]);
  assert.equal(result.status.completionReason, 'SearchSpaceExhausted');
  assert.deepEqual(world.trials.map((trial) => trial.spec.params.k).sort(), [1, 2, 3]);
});

test('plan › raising maxTrials of a finished study lets it continue', () => {
  const world = new World(base, byX, 2);
  world.run([0]);
  assert.equal(world.last?.status.completionReason, 'MaxTrials');
  world.study = { ...world.study, spec: { ...base, budget: { maxTrials: 8, parallelTrials: 2 } } };
  const result = world.tick();
  assert.deepEqual(
    result.actions.filter((action) => action.type === 'start').map((action) => action.number),
    [6, 7],
  );
  assert.equal(result.status.phase, 'Running');
});

test('plan › conditions keep lastTransitionTime while their status holds', () => {
  const world = new World(base, byX, 2);
  world.tick();
  const before = world.last?.status.conditions.find((condition) => condition.type === 'Running');
  world.nowMs += 60_000;
  world.advance(0);
  world.tick();
  const after = world.last?.status.conditions.find((condition) => condition.type === 'Running');
  assert.equal(after?.lastTransitionTime, before?.lastTransitionTime);
});

test('plan › the early-stopping summary lists pruned trials with their step, not trials stopped by the study', () => {
  const spec = { ...base, pruner: { algorithm: 'threshold', upper: 5 }, budget: { maxTrials: 6, parallelTrials: 1 } };
  const world = new World(spec, byX, 3);
  const result = world.run([0]);
  const pruned = world.trials.filter((trial) => trial.status?.phase === 'Pruned');
  assert.ok(pruned.length > 0);
  assert.deepEqual(
    result.status.earlyStopping?.pruned.map((entry) => [entry.name, entry.step]),
    pruned.map((trial) => [trial.metadata.name, 1]),
  );
});
