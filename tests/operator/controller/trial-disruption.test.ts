import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { observeTrial } from '../../../operator/src/controller/trial-observer.ts';
import { TrialLog } from '../../../operator/src/controller/trial-log.ts';
import { disruptedStatus } from '../../../operator/src/controller/trial-rerun.ts';
import { trimPod } from '../../../operator/src/controller/cache-trim.ts';
import type { LoraTrial } from '../../../operator/src/api/trial.ts';
import { trialGpuHours, withTrialGpuHours } from '../../../operator/src/engine/gpu-hours.ts';
import { studyFixture, trialFixture } from './fixtures.ts';

const NOW = Date.parse('2026-01-01T01:00:00Z');

function pod(name: string, job: string, status: V1Pod['status'], deleted = false): V1Pod {
  return {
    metadata: {
      name,
      namespace: 'team-a',
      creationTimestamp: new Date(NOW - 60_000),
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: job, uid: job }],
      ...(deleted ? { deletionTimestamp: new Date(NOW - 1000) } : {}),
    },
    status,
  };
}

const running: V1Pod['status'] = {
  phase: 'Running',
  startTime: new Date(NOW - 50_000),
  containerStatuses: [
    { name: 'trainer', image: 'x', imageID: '', ready: true, restartCount: 0, state: { running: {} } },
  ],
};
// What a 1.20 kubelet leaves of an evicted pod's status (tests/ground/workloads.test.ts).
const evicted: V1Pod['status'] = {
  phase: 'Failed',
  reason: 'Evicted',
  message: 'The node was low on resource: memory. ',
  startTime: new Date(NOW - 50_000),
};
// A later kubelet (1.22+) keeps the container statuses: the killed trainer exited 137.
const evictedWithContainers: V1Pod['status'] = {
  ...evicted,
  containerStatuses: [
    {
      name: 'trainer',
      image: 'x',
      imageID: '',
      ready: false,
      restartCount: 0,
      state: { terminated: { exitCode: 137, reason: 'Error' } },
    },
  ],
};

function observe(trial: LoraTrial, pods: V1Pod[]) {
  const log = { log: new TrialLog(), isComplete: false };
  return observeTrial({ trial, job: undefined, pods, log, metric: 'eval_loss', nowMs: NOW });
}

const runningStatus = (extra: Partial<NonNullable<LoraTrial['status']>> = {}) => ({
  phase: 'Running' as const,
  intermediateValues: [{ step: 1, value: 2 }],
  ...extra,
});

test('trial disruption › an evicted pod is a disruption, not a failure (exit 137 or not)', () => {
  const trial = { ...trialFixture(studyFixture(), 0), status: runningStatus({ pod: 'qa-0-x' }) };
  for (const status of [evicted, evictedWithContainers]) {
    const verdict = observe(trial, [pod('qa-0-x', 'qa-0', status)]);
    assert.equal(verdict.status.phase, 'Running');
    assert.deepEqual(verdict.disruption, {
      reason: 'Evicted',
      message: 'The node was low on resource: memory.',
      pod: 'qa-0-x',
    });
  }
});

test('trial disruption › a deleted running pod, or the pod seen running gone, is a disruption', () => {
  const trial = { ...trialFixture(studyFixture(), 0), status: runningStatus({ pod: 'qa-0-x' }) };
  const replacement = pod('qa-0-y', 'qa-0', running);
  assert.equal(observe(trial, [pod('qa-0-x', 'qa-0', running, true), replacement]).disruption?.reason, 'PodDeleted');
  assert.equal(observe(trial, [replacement]).disruption?.reason, 'PodGone');
  assert.equal(observe(trial, [pod('qa-0-x', 'qa-0', running)]).disruption, undefined);
});

test("trial disruption › another attempt's pods and a pod whose end was seen first do not count", () => {
  const study = studyFixture();
  const second = { ...trialFixture(study, 0), status: runningStatus({ attempt: 2 }) };
  const verdict = observe(second, [pod('qa-0-x', 'qa-0', evicted), pod('qa-0-a2-y', 'qa-0-a2', running)]);
  assert.equal(verdict.disruption, undefined);
  assert.equal(verdict.status.jobName, 'qa-0-a2');
  assert.equal(verdict.status.pod, 'qa-0-a2-y');
  const failedSeen = { ...running, phase: 'Failed' };
  const seen = {
    ...trialFixture(study, 0),
    status: runningStatus({ pod: 'qa-0-x', finishSeen: { pod: 'qa-0-x', time: new Date(NOW).toISOString() } }),
  };
  assert.equal(observe(seen, [pod('qa-0-x', 'qa-0', failedSeen, true)]).disruption, undefined);
});

test('trial disruption › the next attempt keeps the curve and records the last; the cap fails the trial', () => {
  const study = studyFixture();
  const trial = { ...trialFixture(study, 0), status: runningStatus({ pod: 'qa-0-x' }) };
  const disruption = { reason: 'Evicted', message: 'low memory', pod: 'qa-0-x' };
  const time = new Date(NOW).toISOString();
  const next = disruptedStatus(trial, trial.status, disruption, 2, time);
  assert.equal(next.phase, 'Pending');
  assert.equal(next.attempt, 2);
  assert.equal(next.reason, 'Disrupted');
  assert.equal(next.pod, undefined);
  assert.deepEqual(next.intermediateValues, [{ step: 1, value: 2 }]);
  assert.deepEqual(next.attempts, [
    { attempt: 1, jobName: 'qa-0', pod: 'qa-0-x', reason: 'Evicted', message: 'low memory', time },
  ]);
  assert.match(next.message ?? '', /attempt 1 of 2 \(Job qa-0\) Evicted: low memory; attempt 2 runs as Job qa-0-a2/);
  const waiting = observe({ ...trial, status: next }, []);
  assert.equal(waiting.status.reason, 'Disrupted', 'the rerun says why it waits until its pod says more');
  assert.equal(waiting.status.jobName, 'qa-0-a2');
  const started = observe({ ...trial, status: next }, [pod('qa-0-a2-z', 'qa-0-a2', running)]);
  assert.equal(started.status.phase, 'Running');
  assert.equal(started.status.reason, undefined);
  const last = disruptedStatus({ ...trial, status: next }, next, disruption, 2, time);
  assert.equal(last.phase, 'Failed');
  assert.equal(last.reason, 'AttemptsExhausted');
  assert.equal(last.attempts?.length, 2);
  assert.equal(last.attempts?.[1]?.jobName, 'qa-0-a2');
});

test('trial disruption › DisruptionTarget (1.26+) is a disruption, and the cache trimming keeps it', () => {
  const trial = { ...trialFixture(studyFixture(), 0), status: runningStatus({ pod: 'qa-0-x' }) };
  const preempted = pod('qa-0-x', 'qa-0', {
    ...running,
    conditions: [
      { type: 'PodScheduled', status: 'True' },
      { type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', message: 'preempted by qa/high' },
    ],
  });
  preempted.metadata = { ...preempted.metadata, labels: { 'job-name': 'qa-0' } };
  trimPod(preempted);
  assert.deepEqual(observe(trial, [preempted]).disruption, {
    reason: 'PreemptionByScheduler',
    message: 'preempted by qa/high',
    pod: 'qa-0-x',
  });
});

test('trial disruption › an evicted attempt’s running time counts as GPU time, the queue between does not', () => {
  const study = studyFixture();
  const base = trialFixture(study, 0);
  const trial: LoraTrial = { ...base, spec: { ...base.spec, gpus: 2 } };
  const minute = (m: number) => new Date(NOW + m * 60_000);
  // Attempt 1 runs from minute 0 and is evicted at minute 30: 2 GPUs × 0.5 h.
  const first = observe({ ...trial, status: runningStatus() }, [
    pod('qa-0-x', 'qa-0', { ...running, startTime: minute(0) }),
  ]).status;
  assert.equal(first.startTime, minute(0).toISOString());
  const disruption = { reason: 'Evicted', message: 'low memory', pod: 'qa-0-x' };
  const next = disruptedStatus(trial, first, disruption, 3, minute(30).toISOString());
  assert.equal(next.attempts?.[0]?.startTime, minute(0).toISOString());
  assert.equal(next.startTime, undefined, 'the next attempt has not started');
  assert.equal(withTrialGpuHours(trial, next).gpuHours, 1);
  // Queued until minute 50: still 1 GPU-hour, however long it waits.
  const queued = { ...trial, status: next };
  assert.equal(trialGpuHours(queued, minute(50).getTime()), 1);
  // Attempt 2 runs from minute 50; at minute 65 it has used 0.5 more.
  const second = observe(queued, [pod('qa-0-a2-z', 'qa-0-a2', { ...running, startTime: minute(50) })]).status;
  assert.equal(second.startTime, minute(50).toISOString());
  assert.equal(trialGpuHours({ ...trial, status: second }, minute(65).getTime()), 1.5);
  assert.equal(withTrialGpuHours(trial, second).gpuHours, 1, 'the running attempt is not written to the trial');
  // It ends at minute 80: the trial's status says 1 + 2 × 0.5.
  const ended = { ...second, phase: 'Succeeded' as const, completionTime: minute(80).toISOString() };
  assert.equal(withTrialGpuHours(trial, ended).gpuHours, 2);
  assert.equal(trialGpuHours({ ...trial, status: ended }, minute(600).getTime()), 2);
});
