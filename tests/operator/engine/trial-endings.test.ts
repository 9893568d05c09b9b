import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plan } from '../../../operator/src/engine/plan.ts';
import {
  TRIAL_REASONS,
  isPrunedByPruner,
  prunedStatus,
  stoppedStatus,
} from '../../../operator/src/engine/trial-endings.ts';
import { applyEvent, replayJournal } from '../../../operator/src/runner/journal-state.ts';
import type { LoraTrial, TrialStatus } from '../../../operator/src/api/trial.ts';
import type { LoraStudy } from '../../../operator/src/api/study.ts';
import { studyFixture } from '../controller/fixtures.ts';

const NOW = '2026-01-01T00:00:00.000Z';
const running: TrialStatus = {
  phase: 'Running',
  startTime: NOW,
  intermediateValues: [
    { step: 1, value: 3 },
    { step: 2, value: 2.5 },
    { step: 3, value: 2.4 },
  ],
};

test('trial endings › a pruned trial keeps its values up to the prune step only, with the value there', () => {
  const status = prunedStatus(running, { step: 2, value: 2.5, message: 'pruned at 2' }, NOW);
  assert.deepEqual(status, {
    phase: 'Pruned',
    startTime: NOW,
    prunedAtStep: 2,
    intermediateValues: [
      { step: 1, value: 3 },
      { step: 2, value: 2.5 },
    ],
    value: 2.5,
    reason: 'Pruned',
    message: 'pruned at 2',
    completionTime: NOW,
  });
  assert.equal(isPrunedByPruner(status), true);
});

test('trial endings › a trial stopped because the study finished is Pruned with its own reason code and no step', () => {
  const status = stoppedStatus(running, 'stopped: the study finished (GoalReached)', NOW);
  assert.equal(status.phase, 'Pruned');
  assert.equal(status.reason, TRIAL_REASONS.studyFinished);
  assert.equal(status.reason, 'StudyFinished', 'the string on the wire');
  assert.equal(status.prunedAtStep, undefined);
  assert.deepEqual(status.intermediateValues, running.intermediateValues);
  assert.equal(isPrunedByPruner(status), false);
});

test('trial endings › the journal replays a prune to exactly the status the engine returned with it', () => {
  const fixture = studyFixture();
  const study = { ...fixture, spec: { ...fixture.spec, pruner: { algorithm: 'threshold', upper: 2 } } } as LoraStudy;
  const first = plan(study, [], new Date(NOW));
  const start = first.actions.find((action) => action.type === 'start');
  assert.ok(start?.type === 'start');
  const trial: LoraTrial = { ...start.trial, status: running };
  const state = replayJournal([{ type: 'started', time: NOW, trial: start.trial, attempt: 1 }]);
  for (const point of running.intermediateValues) applyEvent(state, { type: 'metric', name: start.name, ...point });
  const next = plan({ ...study, status: first.status }, [trial], new Date(NOW));
  const prune = next.actions.find((action) => action.type === 'prune');
  assert.ok(prune?.type === 'prune', 'the threshold pruner fires above 2');
  const { name, step, value, message } = prune;
  applyEvent(state, { type: 'pruned', time: NOW, name, step, value, message });
  assert.deepEqual(state.trials.get(start.name)?.status, prune.status);
});
