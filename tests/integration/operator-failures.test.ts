/**
 * Failing trial pods: exit 1 and OOMKilled give Failed trials with the reason; more failures
 * than maxFailedTrials fail the study with TooManyFailures.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControlPlane } from '../harness/control-plane.ts';
import {
  createNamespace,
  createStudy,
  readEvents,
  readTrials,
  startCluster,
  startOperator,
  studyFinished,
  studyManifest,
  type RunningOperator,
} from './support/cluster.ts';
import { objectiveWorkload } from './support/objective.ts';

let cp: ControlPlane;
let operator: RunningOperator | undefined;

before(async () => {
  cp = await startCluster(
    objectiveWorkload({
      stepMs: 10,
      failWith: (trial) => {
        if (!trial.startsWith('failing-')) return undefined;
        const number = Number(trial.split('-').at(-1));
        return number % 2 === 0 ? { exitCode: 137, reason: 'OOMKilled' } : { exitCode: 1 };
      },
    }),
  );
});

after(async () => {
  await operator?.stop();
  await cp?.stop();
});

test('operator › failing pods give Failed trials with the reason; maxFailedTrials fails the study with TooManyFailures', async () => {
  const namespace = await createNamespace(cp, 'failures');
  operator = startOperator(cp, namespace);
  await createStudy(
    cp,
    studyManifest('failing', namespace, { budget: { maxTrials: 10, parallelTrials: 1, maxFailedTrials: 2 } }),
  );
  const study = await studyFinished(cp, namespace, 'failing');
  assert.equal(study.status?.phase, 'Failed');
  assert.equal(study.status?.completionReason, 'TooManyFailures');
  const trials = await readTrials(cp, namespace);
  const failed = trials.filter((t) => t.status?.phase === 'Failed');
  assert.equal(failed.length, 3, 'one more than maxFailedTrials');
  assert.deepEqual(
    failed.map((t) => t.status?.reason),
    ['OOMKilled', 'Error', 'OOMKilled'],
  );
  assert.match(failed[0]?.status?.message ?? '', /exited with code 137/);
  assert.match(failed[1]?.status?.message ?? '', /exited with code 1\b/);
  assert.equal(trials.length, 3, 'no trial started after the study failed');
  const warnings = (await readEvents(cp, namespace)).filter((e) => e.type === 'Warning' && e.reason === 'TrialFailed');
  assert.equal(warnings.length, 3);
});
