import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1ContainerState, V1Job, V1Pod } from '@kubernetes/client-node';
import { trimJob, trimPod } from '../../../operator/src/controller/cache-trim.ts';
import { buildTrialJob } from '../../../operator/src/controller/trial-job.ts';
import { observeTrial } from '../../../operator/src/controller/trial-observer.ts';
import { TrialLog } from '../../../operator/src/controller/trial-log.ts';
import { studyFixture, trialFixture } from './fixtures.ts';

const NOW = Date.parse('2026-01-01T01:00:00Z');
const study = studyFixture();
const trial = trialFixture(study, 0);

/** A Job and Pod as the API server sends them: the whole template, managedFields, owner. */
function cluster(
  state: V1ContainerState,
  podPhase: string,
  jobStatus: V1Job['status'] = { active: 1 },
): { job: V1Job; pod: V1Pod } {
  const job = buildTrialJob(study, trial);
  job.metadata = {
    ...job.metadata,
    uid: 'job-uid',
    resourceVersion: '7',
    managedFields: [{ manager: 'lorahpo', operation: 'Update' }],
  };
  job.status = jobStatus;
  const pod: V1Pod = {
    metadata: {
      ...job.spec?.template.metadata,
      name: 'qa-0-abcde',
      namespace: 'team-a',
      uid: 'pod-uid',
      resourceVersion: '9',
      creationTimestamp: new Date(NOW - 60_000),
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'qa-0', uid: 'job-uid' }],
    },
    spec: { ...job.spec?.template.spec, nodeName: 'node-1' } as V1Pod['spec'],
    status: {
      phase: podPhase,
      startTime: new Date(NOW - 50_000),
      hostIP: '10.0.0.1',
      podIP: '10.244.0.9',
      qosClass: 'Burstable',
      conditions: [{ type: 'Ready', status: 'False' }],
      containerStatuses: [
        {
          name: 'trainer',
          image: 'lorahpo-trainer:0.1.0',
          imageID: 'sha256:abc',
          ready: false,
          restartCount: 0,
          state,
        },
      ],
    },
  };
  return { job, pod };
}

const log = new TrialLog();
log.apply(JSON.stringify({ type: 'metric', name: 'eval_loss', value: 2, step: 1 }));

function unschedulable(): ReturnType<typeof cluster> {
  const { job, pod } = cluster({ waiting: { reason: 'ContainerCreating' } }, 'Pending');
  const message = "0/3 nodes are available: 3 node(s) didn't match node selector.";
  if (pod.status) {
    delete pod.status.containerStatuses;
    pod.status.conditions = [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }];
  }
  return { job, pod };
}

function queued(): ReturnType<typeof cluster> {
  const { job, pod } = cluster({ waiting: { reason: 'ContainerCreating' } }, 'Pending');
  if (job.spec) job.spec.suspend = true;
  return { job, pod };
}

const cases: Array<[string, ReturnType<typeof cluster>]> = [
  ['pending', cluster({ waiting: { reason: 'ContainerCreating' } }, 'Pending')],
  ['unschedulable', unschedulable()],
  ['image pull', cluster({ waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } }, 'Pending')],
  ['queued', queued()],
  ['running', cluster({ running: { startedAt: new Date(NOW - 40_000) } }, 'Running')],
  [
    'succeeded',
    cluster(
      {
        terminated: {
          exitCode: 0,
          reason: 'Completed',
          message: JSON.stringify({ type: 'result', value: 1.5 }),
          finishedAt: new Date(NOW - 1000),
        },
      },
      'Succeeded',
      { succeeded: 1, completionTime: new Date(NOW - 500), conditions: [{ type: 'Complete', status: 'True' }] },
    ),
  ],
  [
    'oom-killed',
    cluster({ terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: new Date(NOW - 1000) } }, 'Failed'),
  ],
  [
    'job failed',
    cluster({ waiting: { reason: 'ContainerCreating' } }, 'Pending', {
      failed: 1,
      conditions: [
        {
          type: 'Failed',
          status: 'True',
          reason: 'DeadlineExceeded',
          message: 'Job was active longer than specified deadline',
        },
      ],
    }),
  ],
];

for (const [name, { job, pod }] of cases) {
  test(`cache trim › a trimmed ${name} Job and Pod give the same verdict as whole ones`, () => {
    const trimmedJob = structuredClone(job);
    const trimmedPod = structuredClone(pod);
    trimJob(trimmedJob);
    trimPod(trimmedPod);
    const observe = (j: V1Job, p: V1Pod) =>
      observeTrial({ trial, job: j, pods: [p], log: { log, isComplete: true }, metric: 'eval_loss', nowMs: NOW });
    assert.deepEqual(observe(trimmedJob, trimmedPod), observe(job, pod));
    if (name === 'unschedulable') assert.equal(observe(trimmedJob, trimmedPod).status.reason, 'Unschedulable');
    assert.equal(trimmedPod.metadata?.labels?.['lorahpo.io/trial'], 'qa-0', 'the label the pod index uses stays');
    assert.equal(trimmedPod.metadata?.resourceVersion, '9', 'the informer compares resourceVersions');
    assert.ok(JSON.stringify(trimmedJob).length < JSON.stringify(job).length / 3, 'the template is gone from the Job');
    assert.ok(JSON.stringify(trimmedPod).length < JSON.stringify(pod).length / 3, 'and from the Pod');
  });
}
