/**
 * Nothing silent: a waiting trial carries the scheduler's or kubelet's words, the study counts
 * and explains its pending trials, and a failed trainer's message leads with its error line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { observeTrial } from '../../../operator/src/controller/trial-observer.ts';
import { failureCause } from '../../../operator/src/controller/failure-cause.ts';
import { plan } from '../../../operator/src/engine/plan.ts';
import { studyFixture, trialFixture } from './fixtures.ts';

const NOW = Date.parse('2026-01-01T01:00:00Z');
const UNSCHEDULABLE = "0/1 nodes are available: 1 node(s) didn't match node selector.";

function pendingPod(name: string, status: V1Pod['status']): V1Pod {
  return { metadata: { name, namespace: 'team-a', creationTimestamp: new Date(NOW - 1000) }, status };
}

const observe = (pods: V1Pod[], job?: V1Job) => {
  const study = studyFixture();
  return observeTrial({ trial: trialFixture(study, 0), job, pods, log: undefined, metric: 'eval_loss', nowMs: NOW });
};

test('trial waiting › an unschedulable pod puts the scheduler’s message in the trial', () => {
  const pod = pendingPod('qa-0-abc', {
    phase: 'Pending',
    conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: UNSCHEDULABLE }],
  });
  const { status } = observe([pod]);
  assert.equal(status.phase, 'Pending');
  assert.equal(status.reason, 'Unschedulable');
  assert.equal(status.message, `pod qa-0-abc cannot be scheduled: ${UNSCHEDULABLE}`);
});

test('trial waiting › a container stuck before start says why; a starting one says nothing', () => {
  const waiting = (reason: string, message?: string): V1Pod =>
    pendingPod('qa-0-abc', {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'True' }],
      containerStatuses: [
        {
          name: 'trainer',
          image: 'x',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { waiting: { reason, message } },
        },
      ],
    });
  const stuck = observe([waiting('ImagePullBackOff', 'Back-off pulling image "lorahpo-trainer:9"')]).status;
  assert.equal(stuck.reason, 'ImagePullBackOff');
  assert.match(stuck.message ?? '', /container trainer is waiting: Back-off pulling image/);
  const starting = observe([waiting('ContainerCreating')]).status;
  assert.equal(starting.reason, undefined);
  assert.equal(starting.message, undefined);
});

test('trial waiting › a suspended Job with no pod is Queued', () => {
  const job: V1Job = { metadata: { name: 'qa-0' }, spec: { suspend: true, template: {} } };
  const { status } = observe([], job);
  assert.equal(status.phase, 'Pending');
  assert.equal(status.reason, 'Queued');
});

test('trial waiting › the study counts pending trials apart and says why they wait', () => {
  const study = studyFixture({ budget: { maxTrials: 2, parallelTrials: 2 } });
  const trials = [0, 1].map((n) => ({
    ...trialFixture(study, n),
    status: {
      phase: 'Pending' as const,
      intermediateValues: [],
      reason: 'Unschedulable',
      message: `pod qa-${n}-x cannot be scheduled: ${UNSCHEDULABLE}`,
    },
  }));
  const { status } = plan(study, trials, new Date(NOW));
  assert.equal(status.trialCounts?.pending, 2);
  assert.equal(status.trialCounts?.running, 0);
  const pending = status.conditions.find((c) => c.type === 'TrialsPending');
  assert.equal(pending?.status, 'True');
  assert.equal(pending?.reason, 'Unschedulable');
  assert.equal(pending?.message, `2 trials pending; 2 Unschedulable: pod qa-0-x cannot be scheduled: ${UNSCHEDULABLE}`);
  assert.equal(status.conditions.find((c) => c.type === 'Running')?.message, '0 trials running, 2 pending');
});

test('failure cause › the error line of a stack trace, not its last frames', () => {
  const log = [
    'step 4 loss 2.1',
    "lorahpo-trainer: error: Error: ENOTDIR: not a directory, mkdir '/output/qa-0/adapter'",
    '    at mkdirSync (node:fs:1372:3)',
    '    at train (file:///app/trainer/src/main.ts:88:12)',
    '    at async main (file:///app/trainer/src/main.ts:230:5)',
  ].join('\n');
  assert.equal(
    failureCause(log),
    "lorahpo-trainer: error: Error: ENOTDIR: not a directory, mkdir '/output/qa-0/adapter'",
  );
  const own = 'lorahpo-trainer: error [LORAHPO_CONFIG]: training.model is missing\n  hint: set spec.training.model\n';
  assert.equal(
    failureCause(own),
    'lorahpo-trainer: error [LORAHPO_CONFIG]: training.model is missing (hint: set spec.training.model)',
  );
  assert.equal(failureCause('killed\n'), 'killed', 'no error line: the last line');
  assert.equal(failureCause(''), '');
});

test('early stopping summary › a trial that stopped itself is listed with its value and last step', () => {
  const study = studyFixture({ budget: { maxTrials: 4, parallelTrials: 1 } });
  const stopped = {
    ...trialFixture(study, 0),
    status: {
      phase: 'EarlyStopped' as const,
      value: 0.75,
      stoppedAtEpoch: 3,
      bestEpoch: 1,
      message: 'no improvement for 2 evaluations',
      intermediateValues: [
        { step: 10, value: 0.75 },
        { step: 20, value: 0.8 },
      ],
    },
  };
  const { status } = plan(study, [stopped], new Date(NOW));
  assert.deepEqual(status.earlyStopping?.stopped, [
    {
      name: 'qa-0',
      number: 0,
      epoch: 3,
      bestEpoch: 1,
      step: 20,
      value: 0.75,
      reason: 'no improvement for 2 evaluations',
    },
  ]);
});
