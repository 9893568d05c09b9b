/**
 * The operator on the real control plane with a simulated node: a 12-trial study with the
 * median pruner runs to the end, prunes exactly the trials an undisturbed in-memory run of the
 * engine prunes, and reports the right best trial, counts and Events.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoraStudySchema } from '../../operator/src/api/study.ts';
import {
  createNamespace,
  createStudy,
  readEvents,
  readTrials,
  studyFinished,
  studyManifest,
  studyGround,
} from './support/cluster.ts';
import { objectiveWorkload } from './support/objective.ts';
import { clusterOutcome, referenceRun } from './support/reference-run.ts';

const ground = studyGround(objectiveWorkload({ stepMs: 20 }));

test('operator › a 12-trial study with parallelTrials 3 and the median pruner finishes as the engine says', async () => {
  const { cp } = ground;
  const namespace = await createNamespace(cp, 'median-12');
  const manifest = studyManifest('median', namespace, {
    budget: { maxTrials: 12, parallelTrials: 3 },
    pruner: { algorithm: 'median', startupTrials: 3, warmupSteps: 1 },
  });
  const operator = ground.startOperator(namespace);
  await createStudy(cp, manifest);
  const study = await studyFinished(cp, namespace, 'median');
  const trials = await readTrials(cp, namespace);
  const expected = referenceRun(LoraStudySchema.parse(manifest));
  const actual = clusterOutcome(trials, study.status!);
  assert.deepEqual(actual.params, expected.params, 'the same params for every trial number');
  assert.deepEqual(actual.phases, expected.phases);
  assert.deepEqual(actual.prunedAt, expected.prunedAt);
  assert.ok(Object.keys(actual.prunedAt).length > 0, 'the median pruner pruned some trials');
  assert.equal(study.status?.phase, 'Succeeded');
  assert.equal(study.status?.completionReason, 'MaxTrials');
  assert.deepEqual(study.status?.trialCounts, expected.status.trialCounts);
  assert.equal(study.status?.bestTrial?.name, expected.status.bestTrial?.name);
  assert.equal(study.status?.bestTrial?.value, expected.status.bestTrial?.value);
  assert.deepEqual(study.status?.bestTrial?.params, expected.status.bestTrial?.params);
  assert.equal(trials.length, 12);
  const events = await readEvents(cp, namespace);
  // Trial Events are told on the study and on the trial; count the study's.
  const reasons = events.filter((event) => event.involvedObject.kind === 'LoraStudy').map((event) => event.reason);
  assert.equal(events.filter((e) => e.involvedObject.kind === 'LoraTrial' && e.reason === 'TrialStarted').length, 12);
  assert.equal(reasons.filter((r) => r === 'TrialStarted').length, 12);
  assert.equal(reasons.filter((r) => r === 'TrialPruned').length, Object.keys(expected.prunedAt).length);
  assert.equal(reasons.filter((r) => r === 'StudyFinished').length, 1);
  const conditions = Object.fromEntries((study.status?.conditions ?? []).map((c) => [c.type, c.status]));
  assert.equal(conditions.Valid, 'True');
  await operator.stop();
});

test('operator › an invalid study gets Valid=False with the field path and a Warning Event, and no trials', async () => {
  const { cp } = ground;
  const namespace = await createNamespace(cp, 'invalid');
  const operator = ground.startOperator(namespace);
  const manifest = studyManifest('bad', namespace, {
    parameters: [{ name: 'learningRate', type: 'float', min: 1e-2, max: 1e-4, log: true }],
  });
  await createStudy(cp, manifest);
  const { eventually, readStudy } = await import('./support/cluster.ts');
  const study = await eventually(
    'Valid=False',
    async () => {
      const current = await readStudy(cp, namespace, 'bad');
      return current.status?.conditions?.find((c) => c.type === 'Valid' && c.status === 'False') ? current : undefined;
    },
    30_000,
  );
  assert.match(
    study.status?.conditions?.find((c) => c.type === 'Valid')?.message ?? '',
    /spec\.parameters\[learningRate\]/,
  );
  // The Event is recorded after the status write, so it may land a moment later.
  await eventually(
    'a SpecInvalid Warning Event',
    async () =>
      (await readEvents(cp, namespace)).some((e) => e.type === 'Warning' && e.reason === 'SpecInvalid')
        ? true
        : undefined,
    30_000,
  );
  assert.equal((await readTrials(cp, namespace)).length, 0);
  await operator.stop();
});
