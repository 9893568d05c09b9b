/** kstatus-style conditions on the study status, read by Flux, `kubectl wait` and Argo CD. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plan } from '../../../operator/src/engine/plan.ts';
import type { Condition } from '../../../operator/src/api/common.ts';
import { World } from './world.ts';

const base = {
  objective: { metric: 'eval_loss', direction: 'minimize' },
  parameters: [{ name: 'x', type: 'float', min: 0, max: 10 }],
  sampler: { algorithm: 'random', seed: 3 },
  budget: { maxTrials: 2, parallelTrials: 1 },
  trialTemplate: { command: ['fixture'] },
};

function readiness(conditions: readonly Condition[]): Record<string, string> {
  const kept = conditions.filter((c) => ['Ready', 'Reconciling', 'Stalled'].includes(c.type));
  return Object.fromEntries(kept.map((c) => [c.type, `${c.status}/${c.reason}`]));
}

test('readiness › a running study is Ready=False and Reconciling=True, at the spec generation', () => {
  const world = new World(base, (params) => params.x as number, 3);
  const status = world.tick().status;
  assert.equal(status.phase, 'Running');
  assert.deepEqual(readiness(status.conditions), { Ready: 'False/TrialsRunning', Reconciling: 'True/TrialsRunning' });
  assert.equal(status.conditions.find((c) => c.type === 'Ready')?.observedGeneration, 1);
  assert.equal(status.observedGeneration, 1);
});

test('readiness › a succeeded study is Ready=True with the completion reason, no Reconciling or Stalled', () => {
  const world = new World(base, (params) => params.x as number, 3);
  const status = world.run([0]).status;
  assert.equal(status.phase, 'Succeeded');
  assert.deepEqual(readiness(status.conditions), { Ready: 'True/MaxTrials' });
});

test('readiness › a failed study is Ready=False and Stalled=True with the completion reason', () => {
  const world = new World(
    { ...base, budget: { maxTrials: 4, parallelTrials: 1, maxFailedTrials: 1 } },
    (params) => params.x as number,
    3,
    () => true,
  );
  const status = world.run([0]).status;
  assert.equal(status.phase, 'Failed');
  assert.deepEqual(readiness(status.conditions), { Ready: 'False/TooManyFailures', Stalled: 'True/TooManyFailures' });
});

test('readiness › an invalid spec is Ready=False and Stalled=True with SpecInvalid', () => {
  const spec = { ...base, parameters: [{ name: 'x', type: 'float', min: 10, max: 0 }] };
  const status = plan({ metadata: { name: 'demo', generation: 2 }, spec }, [], new Date('2026-01-01T00:00:00Z')).status;
  assert.deepEqual(readiness(status.conditions), { Ready: 'False/SpecInvalid', Stalled: 'True/SpecInvalid' });
  assert.equal(status.observedGeneration, 2);
});
