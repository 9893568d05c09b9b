/**
 * Faults: 10 % of requests answered 500, 429 or 409 and every watch dropped every few seconds;
 * the study still completes, exactly as an undisturbed run.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { LoraStudySchema } from '../../operator/src/api/study.ts';
import {
  createNamespace,
  createStudy,
  readTrials,
  studyFinished,
  studyManifest,
  studyGround,
} from './support/cluster.ts';
import { objectiveWorkload } from './support/objective.ts';
import { clusterOutcome, referenceRun } from './support/reference-run.ts';
import { eventually } from '../harness/eventually.ts';

let dropper: NodeJS.Timeout | undefined;
const ground = studyGround(objectiveWorkload({ stepMs: 30 }));

after(() => clearInterval(dropper));

test('operator › with 10 % of requests failing (500/429/409) and watches dropped every 3 s the study completes correctly', async () => {
  const { cp } = ground;
  const namespace = await createNamespace(cp, 'faults');
  const manifest = studyManifest('faults', namespace, {
    budget: { maxTrials: 12, parallelTrials: 3 },
    pruner: { algorithm: 'median', startupTrials: 3, warmupSteps: 1 },
  });
  await createStudy(cp, manifest);
  // Only the operator goes through the proxy (the test and the simulated node talk to the API
  // server directly); every request but the watches themselves may fail.
  cp.faults.failRequests({ status: 500, fraction: 0.034 });
  cp.faults.failRequests({ status: 429, fraction: 0.034 });
  cp.faults.failRequests({ status: 409, fraction: 0.034 });
  dropper = setInterval(() => cp.faults.dropWatches(Math.random() < 0.5 ? 'reset' : 'end'), 3000);
  ground.startOperator(namespace);
  // A quick study may end before the first interval: drop the operator's watches once as soon as
  // it has started a trial (its informers are watching then), so every run has a dropped watch.
  await eventually('the first trial', async () => (await readTrials(cp, namespace)).length > 0);
  await eventually('the operator watching', () => cp.faults.dropWatches('reset') > 0 || undefined);
  const study = await studyFinished(cp, namespace, 'faults', 240_000);
  clearInterval(dropper);
  cp.faults.clearFaults();
  assert.ok(cp.faults.stats.injectedFailures > 0, 'faults were injected');
  assert.ok(cp.faults.stats.droppedWatches > 0, 'watches were dropped');
  const trials = await readTrials(cp, namespace);
  const expected = referenceRun(LoraStudySchema.parse(manifest));
  const actual = clusterOutcome(trials, study.status!);
  assert.deepEqual(actual.params, expected.params);
  assert.deepEqual(actual.phases, expected.phases);
  assert.deepEqual(actual.prunedAt, expected.prunedAt);
  assert.deepEqual(study.status?.bestTrial, expected.status.bestTrial);
  assert.deepEqual(study.status?.trialCounts, expected.status.trialCounts);
});
