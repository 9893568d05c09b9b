/**
 * Restart safety: the operator process is SIGKILLed at random points of a 30-trial study and
 * started again, at least 10 times. No trial runs twice, no finished trial is lost, and the
 * study ends exactly as an undisturbed run with the same seed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import type { ControlPlane } from '../harness/control-plane.ts';
import { LoraStudySchema } from '../../operator/src/api/study.ts';
import { freePort } from '../harness/free-port.ts';
import {
  createNamespace,
  createStudy,
  eventually,
  readStudy,
  readTrials,
  spawnOperator,
  startCluster,
  studyFinished,
  studyManifest,
} from './support/cluster.ts';
import { objectiveWorkload } from './support/objective.ts';
import { clusterOutcome, referenceRun } from './support/reference-run.ts';

let cp: ControlPlane;
let child: ChildProcess | undefined;
const runs = new Map<string, number>();

before(async () => {
  cp = await startCluster(
    objectiveWorkload({ stepMs: 300, onRun: (trial) => runs.set(trial, (runs.get(trial) ?? 0) + 1) }),
  );
});

after(async () => {
  child?.kill('SIGKILL');
  await cp?.stop();
});

function exited(process: ChildProcess): Promise<void> {
  return process.exitCode !== null || process.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => process.once('exit', () => resolve()));
}

/** A seeded generator, so a failing run can be repeated. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

test('operator › killed and restarted 10+ times during a 30-trial study: nothing runs twice, nothing is lost', async (t) => {
  const namespace = await createNamespace(cp, 'restarts');
  const manifest = studyManifest('restarts', namespace, {
    budget: { maxTrials: 30, parallelTrials: 3 },
    pruner: { algorithm: 'median', startupTrials: 3, warmupSteps: 1 },
  });
  await createStudy(cp, manifest);
  const next = random(Number(process.env.LORAHPO_TEST_SEED ?? 42));
  let kills = 0;
  let finishedSeen: string[] = [];
  const isFinished = async () =>
    ['Succeeded', 'Failed'].includes((await readStudy(cp, namespace, 'restarts')).status?.phase ?? '');
  while (kills < 10 || !(await isFinished())) {
    const port = await freePort();
    child = spawnOperator(cp, namespace, ['--metrics-port', String(port)]);
    await eventually(
      'the operator to be ready',
      async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined),
      60_000,
      100,
    );
    await new Promise((resolve) => setTimeout(resolve, 50 + next() * 450));
    if (await isFinished()) break;
    child.kill('SIGKILL');
    await exited(child);
    kills++;
    const finishedNow = (await readTrials(cp, namespace))
      .filter((t) => !['Pending', 'Running'].includes(t.status?.phase ?? 'Pending'))
      .map((t) => `${t.metadata.name}:${t.status?.phase}:${t.status?.value}`);
    for (const earlier of finishedSeen)
      assert.ok(finishedNow.includes(earlier), `finished trial ${earlier} is still recorded after kill ${kills}`);
    finishedSeen = finishedNow;
  }
  t.diagnostic(`operator killed ${kills} times`);
  assert.ok(kills >= 10, `killed ${kills} times before the study finished; make the study longer`);
  if (!child || child.exitCode !== null || child.signalCode !== null) child = spawnOperator(cp, namespace);
  const study = await studyFinished(cp, namespace, 'restarts', 240_000);
  child.kill('SIGTERM');
  await exited(child);
  child = undefined;
  const trials = await readTrials(cp, namespace);
  assert.equal(trials.length, 30);
  for (const [trial, count] of runs) assert.equal(count, 1, `trial ${trial} ran ${count} times`);
  const expected = referenceRun(LoraStudySchema.parse(manifest));
  const actual = clusterOutcome(trials, study.status!);
  assert.deepEqual(actual.params, expected.params);
  assert.deepEqual(actual.phases, expected.phases);
  assert.deepEqual(actual.prunedAt, expected.prunedAt);
  assert.deepEqual(study.status?.trialCounts, expected.status.trialCounts);
  assert.deepEqual(study.status?.bestTrial, expected.status.bestTrial);
  assert.equal(study.status?.completionReason, expected.status.completionReason);
});
