/**
 * spec.warmStart on the real control plane: a study learns from an earlier LoraStudy's trials in
 * its namespace, tries its enqueued sets first, reports both in status.warmStart (which the CRD
 * must admit), and an operator restart neither tries an enqueued set again nor adds up history.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plan } from '../../operator/src/engine/plan.ts';
import { LoraStudySchema } from '../../operator/src/api/study.ts';
import {
  createNamespace,
  createStudy,
  readStudy,
  readTrials,
  studyFinished,
  studyManifest,
  studyGround,
} from './support/cluster.ts';
import { objectiveWorkload } from './support/objective.ts';

const ground = studyGround(objectiveWorkload({ stepMs: 20 }));

test('operator › warmStart: enqueued sets first, an earlier study as history, unchanged by a restart', async () => {
  const { cp } = ground;
  const namespace = await createNamespace(cp, 'warm-start');
  let operator = ground.startOperator(namespace);
  await createStudy(cp, studyManifest('old', namespace, { budget: { maxTrials: 4, parallelTrials: 2 } }));
  await studyFinished(cp, namespace, 'old');
  const oldTrials = (await readTrials(cp, namespace)).filter((trial) => trial.spec.study === 'old');
  const complete = oldTrials.filter((trial) => trial.status?.phase === 'Succeeded').length;
  assert.equal(complete, 4);

  const warmStart = { parameters: [{ learningRate: 3e-4, loraR: 16 }, { loraR: 8 }], fromStudies: ['old'] };
  const manifest = studyManifest('warm', namespace, { budget: { maxTrials: 3, parallelTrials: 1 }, warmStart });
  await createStudy(cp, manifest);
  const finished = await studyFinished(cp, namespace, 'warm');
  const trials = (await readTrials(cp, namespace)).filter((trial) => trial.spec.study === 'warm');
  assert.deepEqual(
    trials.map((trial) => trial.spec.number),
    [0, 1, 2],
  );
  assert.deepEqual(trials[0].spec.params, { learningRate: 3e-4, loraR: 16 });
  assert.equal(trials[1].spec.params.loraR, 8);
  const expected = { enqueued: 2, enqueuedTried: 2, history: 4, skipped: 0 };
  assert.deepEqual(finished.status?.warmStart, expected);

  // Trial 2 was sampled with the old study as history: the engine, given the same trials, agrees.
  const study = LoraStudySchema.parse(manifest);
  const replay = plan({ metadata: study.metadata, spec: study.spec }, trials.slice(0, 2), new Date(), {
    earlierTrials: oldTrials,
  });
  const third = replay.actions.find((action) => action.type === 'start');
  assert.deepEqual(third?.params, trials[2].spec.params);
  const cold = plan({ metadata: study.metadata, spec: study.spec }, trials.slice(0, 2), new Date());
  assert.notDeepEqual(cold.actions.find((action) => action.type === 'start')?.params, trials[2].spec.params);

  // A restarted operator reconciles the finished study: no trial more, the same counts.
  await operator.stop();
  operator = ground.startOperator(namespace);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  assert.equal((await readTrials(cp, namespace)).filter((trial) => trial.spec.study === 'warm').length, 3);
  assert.deepEqual((await readStudy(cp, namespace, 'warm')).status?.warmStart, expected);
  await operator.stop();
});
