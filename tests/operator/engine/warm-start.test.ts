import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plan, type Plan } from '../../../operator/src/engine/plan.ts';
import { checkStudyManifest, checkStudySpec } from '../../../operator/src/api/validate-study.ts';
import { formatIssue } from '../../../trainer/src/contract/format-issue.ts';
import type { LoraTrial } from '../../../operator/src/api/trial.ts';
import type { Params } from '../../../operator/src/api/parameters.ts';
import { World } from './world.ts';

const parameters = [
  { name: 'x', type: 'float', min: 0, max: 10 },
  { name: 'r', type: 'int', min: 4, max: 32, step: 4 },
  { name: 'opt', type: 'categorical', values: ['adamw', 'sgd'] },
];
const base = {
  objective: { metric: 'eval_loss', direction: 'minimize' },
  parameters,
  sampler: { algorithm: 'tpe', seed: 5 },
  budget: { maxTrials: 6, parallelTrials: 1 },
  trialTemplate: { command: ['fixture'] },
};
const loss = (params: Params) => ((params.x as number) - 7) ** 2 + ((params.r as number | undefined) ?? 0) / 100;
const now = new Date('2026-01-01T00:00:00Z');

function starts(result: Plan) {
  return result.actions.filter((action) => action.type === 'start');
}

/** A finished trial of another study, as the runner would read it. */
function earlier(study: string, number: number, params: Params, phase = 'Succeeded'): LoraTrial {
  return {
    apiVersion: 'lorahpo.io/v1alpha1',
    kind: 'LoraTrial',
    metadata: { name: `${study}-${number}`, namespace: 'default' },
    spec: { study, number, params, seed: number },
    status: {
      phase: phase as 'Succeeded',
      intermediateValues: [{ step: 1, value: loss(params) }],
      ...(phase === 'Succeeded' ? { value: loss(params) } : {}),
    },
  };
}

const history = Array.from({ length: 16 }, (_, i) =>
  earlier('old', i, { x: (i * 10) / 15, r: 4 + 4 * (i % 8), opt: i % 2 === 0 ? 'adamw' : 'sgd' }),
);

test('warm start › enqueued sets become the first trials in order; missing parameters are sampled', () => {
  const enqueue = [{ x: 1.5, r: 8, opt: 'sgd' }, { x: 9 }];
  const world = new World({ ...base, warmStart: { parameters: enqueue } }, (params) => loss(params), 2);
  world.run([0]);
  const byNumber = [...world.trials].sort((a, b) => a.spec.number - b.spec.number);
  assert.deepEqual(byNumber[0].spec.params, { x: 1.5, r: 8, opt: 'sgd' });
  assert.equal(byNumber[1].spec.params.x, 9);
  assert.deepEqual(Object.keys(byNumber[1].spec.params), ['x', 'r', 'opt']);
  assert.ok([4, 8, 12, 16, 20, 24, 28, 32].includes(byNumber[1].spec.params.r as number));
  assert.ok(['adamw', 'sgd'].includes(byNumber[1].spec.params.opt as string));
  assert.equal(byNumber.length, 6);
  assert.deepEqual(world.last?.status.warmStart, { enqueued: 2, enqueuedTried: 2, history: 0, skipped: 0 });
});

test('warm start › a restart does not try an enqueued set again: trial n takes set n once', () => {
  const spec = {
    ...base,
    budget: { maxTrials: 4, parallelTrials: 2 },
    warmStart: { parameters: [{ x: 1 }, { x: 2 }, { x: 3 }] },
  };
  const world = new World(spec, (params) => loss(params), 1);
  world.tick();
  assert.deepEqual(
    world.trials.map((trial) => trial.spec.params.x),
    [1, 2],
  );
  assert.deepEqual(world.last?.status.warmStart, { enqueued: 3, enqueuedTried: 2, history: 0, skipped: 0 });
  // A restarted runner plans again from the recorded trials: nothing new while both run.
  assert.deepEqual(starts(plan(world.study, world.trials, now)), []);
  world.run([0]);
  const xs = world.trials.map((trial) => trial.spec.params.x);
  assert.equal(xs.filter((x) => x === 1).length, 1);
  assert.equal(xs.filter((x) => x === 2).length, 1);
  assert.equal(xs.filter((x) => x === 3).length, 1);
  assert.equal(world.trials.length, 4);
});

test('warm start › an enqueued set outside the space is refused with its field path', () => {
  const spec = {
    ...base,
    warmStart: {
      parameters: [
        { x: 11, r: 6, opt: 'adam' },
        { lr: 1e-4, x: 'high', r: 8.5 },
      ],
    },
  };
  const messages = checkStudySpec(spec).issues.map((issue) => formatIssue(issue));
  assert.deepEqual(messages, [
    'spec.warmStart.parameters[0].x is 11 but must be within 0 to 10',
    'spec.warmStart.parameters[0].r is 6 but must be on the step 4 from 4',
    'spec.warmStart.parameters[0].opt is "adam" but must be one of "adamw", "sgd"',
    'spec.warmStart.parameters[1].lr is not a parameter of the search space (known: x, r, opt)',
    'spec.warmStart.parameters[1].x is "high" but must be a number from 0 to 10',
    'spec.warmStart.parameters[1].r is 8.5 but must be an integer from 4 to 32',
  ]);
  const result = plan({ metadata: { name: 'demo' }, spec }, [], now);
  assert.equal(result.status.phase, 'Failed');
  assert.deepEqual(result.actions, []);
});

test('warm start › earlier trials change the suggestions, deterministically and whatever order they come in', () => {
  const spec = { ...base, warmStart: { fromStudies: ['old'] } };
  const study = { metadata: { name: 'demo', namespace: 'default' }, spec };
  const cold = starts(plan({ metadata: study.metadata, spec: base }, [], now))[0].params;
  const warm = starts(plan(study, [], now, { earlierTrials: history }))[0].params;
  const again = starts(plan(study, [], now, { earlierTrials: [...history].reverse() }))[0].params;
  assert.notDeepEqual(warm, cold);
  assert.deepEqual(again, warm);
  // Past startupTrials, TPE starts from the model: near the earlier studies' best x (7).
  assert.ok(Math.abs((warm.x as number) - 7) < 2, `x = ${warm.x}`);
});

test('warm start › trials outside the space are skipped and counted; pruned ones count, running and failed ones and other studies do not', () => {
  const spec = { ...base, warmStart: { fromStudies: ['old', 'older'] } };
  const others = [
    earlier('older', 0, { x: 3, r: 8, opt: 'adamw', dropout: 0.1 }),
    earlier('older', 1, { x: 12, r: 8, opt: 'adamw' }),
    earlier('older', 2, { x: 3, opt: 'adamw' }),
    earlier('older', 3, { x: 3, r: 8, opt: 'adamw' }, 'Running'),
    earlier('older', 4, { x: 3, r: 8, opt: 'adamw' }, 'Failed'),
    earlier('older', 5, { x: 3, r: 8, opt: 'adamw' }, 'Pruned'),
    earlier('unrelated', 0, { x: 3, r: 8, opt: 'adamw' }),
  ];
  const study = { metadata: { name: 'demo', namespace: 'default' }, spec };
  const first = plan(study, [], now, { earlierTrials: [...history, ...others] });
  assert.deepEqual(first.status.warmStart, { enqueued: 0, enqueuedTried: 0, history: 17, skipped: 3 });
  // Planned again (a restart, a later reconcile): counted once, not added up.
  const trials = starts(first).map((action) => action.trial);
  const second = plan({ ...study, status: first.status }, trials, now, { earlierTrials: [...history, ...others] });
  assert.deepEqual(second.status.warmStart, { enqueued: 0, enqueuedTried: 0, history: 17, skipped: 3 });
});

test('warm start › without spec.warmStart the status has no warmStart and earlier trials are ignored', () => {
  const study = { metadata: { name: 'demo', namespace: 'default' }, spec: base };
  const cold = plan(study, [], now);
  const withTrials = plan(study, [], now, { earlierTrials: history });
  assert.equal(cold.status.warmStart, undefined);
  assert.deepEqual(starts(withTrials), starts(cold));
});

test('warm start › more sets than maxTrials, or a study naming itself, are refused; plan ignores its own name', () => {
  const spec = {
    ...base,
    budget: { maxTrials: 1 },
    warmStart: { parameters: [{ x: 1 }, { x: 2 }], fromStudies: ['demo'] },
  };
  const manifest = { apiVersion: 'lorahpo.io/v1alpha1', kind: 'LoraStudy', metadata: { name: 'demo' }, spec };
  assert.deepEqual(
    checkStudyManifest(manifest).issues.map((issue) => formatIssue(issue)),
    [
      'spec.warmStart.parameters has 2 sets but must have at most maxTrials (1): the sets past it would never run',
      'spec.warmStart.fromStudies[0] is "demo" but must name another study: its own trials are its history already',
    ],
  );
  const own = { ...base, warmStart: { fromStudies: ['demo', 'old'] } };
  const result = plan({ metadata: { name: 'demo' }, spec: own }, [], now, {
    earlierTrials: [...history, earlier('demo', 0, { x: 1, r: 8, opt: 'sgd' })],
  });
  assert.equal(result.status.warmStart?.history, 16);
});
