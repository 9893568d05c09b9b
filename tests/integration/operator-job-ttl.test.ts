/**
 * Finished trial Jobs go once their result is read: the operator sets ttlSecondsAfterFinished
 * after writing the trial's end, the TTL controller deletes the Job and its pod, and the trial
 * keeps its result (no Job is made again). Kubernetes 1.20 has the TTL controller behind the
 * TTLAfterFinished feature gate (alpha); this control plane turns it on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultControllers } from '../harness/controller-manager.ts';
import {
  createNamespace,
  createStudy,
  eventually,
  readTrials,
  studyFinished,
  studyManifest,
  studyGround,
} from './support/cluster.ts';
import { objectiveWorkload } from './support/objective.ts';

const ground = studyGround(objectiveWorkload({ stepMs: 10 }), {
  apiServerArgs: ['--feature-gates=TTLAfterFinished=true'],
  controllerManagerArgs: ['--feature-gates=TTLAfterFinished=true'],
  controllers: [...defaultControllers, 'ttl-after-finished'],
});

test('operator › a finished trial’s Job is deleted by its TTL after the result is read; the trial keeps it', async () => {
  const { cp } = ground;
  const namespace = await createNamespace(cp, 'job-ttl');
  ground.startOperator(namespace, { finishedJobTtlSeconds: 1 });
  await createStudy(cp, studyManifest('ttl', namespace, { budget: { maxTrials: 2, parallelTrials: 1 } }));
  const study = await studyFinished(cp, namespace, 'ttl');
  assert.equal(study.status?.phase, 'Succeeded');
  await eventually('the TTL controller to delete both Jobs', async () => {
    const jobs = await cp.kubectl(['get', 'jobs', '-n', namespace, '-o', 'name']);
    return jobs.code === 0 && jobs.stdout.trim() === '' ? true : undefined;
  });
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const jobs = await cp.kubectl(['get', 'jobs', '-n', namespace, '-o', 'name']);
  assert.equal(jobs.stdout.trim(), '', 'no Job is made again for a finished trial');
  const trials = await readTrials(cp, namespace);
  assert.deepEqual(
    trials.map((t) => t.status?.phase),
    ['Succeeded', 'Succeeded'],
  );
  assert.ok(trials.every((t) => typeof t.status?.value === 'number'));
});
