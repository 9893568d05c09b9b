import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { observeTrial } from '../../../operator/src/controller/trial-observer.ts';
import { TrialLog } from '../../../operator/src/controller/trial-log.ts';
import { studyFixture, trialFixture } from './fixtures.ts';

const NOW = Date.parse('2026-01-01T01:00:00Z');
const finishedPod: V1Pod = {
  metadata: { name: 'qa-0-x', namespace: 'team-a', creationTimestamp: new Date(NOW - 3_600_000) },
  status: {
    phase: 'Succeeded',
    containerStatuses: [
      {
        name: 'trainer',
        image: 'x',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode: 0, finishedAt: new Date(NOW - 3_000_000) } },
      },
    ],
  },
};

test('trial observer › waits for the log of a finished pod from when it was first seen, then takes the result from it', () => {
  const study = studyFixture();
  const trial = trialFixture(study, 0);
  const log = new TrialLog();
  log.apply(JSON.stringify({ type: 'metric', name: 'eval_loss', value: 2, step: 1 }));
  const seenAt = (ms: number) => ({
    ...trial,
    status: {
      phase: 'Running' as const,
      intermediateValues: [],
      finishSeen: { pod: 'qa-0-x', time: new Date(ms).toISOString() },
    },
  });
  const base = { trial: seenAt(NOW - 1000), job: undefined, pods: [finishedPod], metric: 'eval_loss', nowMs: NOW };
  const waiting = observeTrial({ ...base, log: { log, isComplete: false } });
  assert.equal(waiting.isWaitingForLog, true, 'a kubelet reporting late does not cut the wait short');
  assert.equal(waiting.status.phase, 'Running');
  assert.deepEqual(waiting.follow, { pod: 'qa-0-x', isFinished: true });
  log.apply(JSON.stringify({ type: 'result', value: 1.5 }));
  const done = observeTrial({ ...base, log: { log, isComplete: true } });
  assert.equal(done.status.phase, 'Succeeded');
  assert.equal(done.status.value, 1.5);
  assert.deepEqual(done.status.intermediateValues, [{ step: 1, value: 2 }]);
  const gaveUp = observeTrial({
    ...base,
    trial: seenAt(NOW - 61_000),
    log: { log: new TrialLog(), isComplete: false },
  });
  assert.equal(gaveUp.status.phase, 'Failed');
  assert.equal(gaveUp.status.reason, 'NoResult');
});

test('trial observer › the first sight of a finished pod is kept in the status, so a restart waits no longer', () => {
  const study = studyFixture();
  const trial = trialFixture(study, 0);
  const base = {
    job: undefined,
    pods: [finishedPod],
    metric: 'eval_loss',
    log: { log: new TrialLog(), isComplete: false },
  };
  const first = observeTrial({ ...base, trial, nowMs: NOW });
  assert.deepEqual(first.status.finishSeen, { pod: 'qa-0-x', time: new Date(NOW).toISOString() });
  const later = observeTrial({ ...base, trial: { ...trial, status: first.status }, nowMs: NOW + 30_000 });
  assert.deepEqual(later.status.finishSeen, first.status.finishSeen, 'the first sight stays');
  const gaveUp = observeTrial({ ...base, trial: { ...trial, status: first.status }, nowMs: NOW + 61_000 });
  assert.equal(gaveUp.status.phase, 'Failed', 'the grace counts from the recorded sight');
});
