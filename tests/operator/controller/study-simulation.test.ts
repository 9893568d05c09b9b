/**
 * A whole study through the StudyReconciler and the real engine, in memory: a simulated kubelet
 * runs each Job's pod step by step, the cache is refreshed only sometimes (stale reads), and
 * reconciles come in a random order. The end must equal the undisturbed reference run, and no
 * trial number may get a second Job.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StudyReconciler, type TrialLogSource } from '../../../operator/src/controller/study-reconciler.ts';
import { plan } from '../../../operator/src/engine/plan.ts';
import { TrialLog } from '../../../operator/src/controller/trial-log.ts';
import { silentLogger } from '../../../operator/src/controller/logger.ts';
import { LoraStudySchema, type LoraStudy } from '../../../operator/src/api/study.ts';
import { STEPS, curveValue } from '../../integration/support/objective.ts';
import { clusterOutcome, referenceRun } from '../../integration/support/reference-run.ts';
import { FakeApi } from './fake-api.ts';

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** The log side of a pod: what a trainer printed so far, as the follower would have parsed it. */
class Logs implements TrialLogSource {
  readonly logs = new Map<string, TrialLog>();
  follow(): void {}
  report(namespace: string, trial: string) {
    const log = this.logs.get(`${namespace}/${trial}`);
    return log && { log, isComplete: true };
  }
  forget(): void {}
}

/** Advances every Job's pod one step: create it, print a metric, or terminate with the result. */
function kubeletTick(api: FakeApi, logs: Logs, progress: Map<string, number>, random: () => number): void {
  for (const [key, job] of api.jobs) {
    if (random() < 0.3) continue;
    const name = job.metadata?.name as string;
    const step = progress.get(key) ?? 0;
    if (step > STEPS) continue;
    const params = JSON.parse(
      job.spec?.template.spec?.containers[0]?.env?.find((e) => e.name === 'LORAHPO_PARAMS')?.value ?? '{}',
    );
    const log = logs.logs.get(key) ?? new TrialLog();
    logs.logs.set(key, log);
    if (step < STEPS)
      log.apply(
        JSON.stringify({ type: 'metric', name: 'eval_loss', value: curveValue(params, step + 1), step: step + 1 }),
      );
    const result = JSON.stringify({ type: 'result', value: curveValue(params, STEPS) });
    const state =
      step === STEPS
        ? { terminated: { exitCode: 0, reason: 'Completed', message: result, finishedAt: new Date() } }
        : { running: { startedAt: new Date() } };
    api.putPod({
      metadata: {
        name: `${name}-pod`,
        namespace: job.metadata?.namespace,
        labels: { 'lorahpo.io/trial': name },
        creationTimestamp: new Date(),
      },
      status: {
        phase: step === STEPS ? 'Succeeded' : 'Running',
        startTime: new Date(),
        containerStatuses: [{ name: 'trainer', image: 'x', imageID: '', ready: true, restartCount: 0, state }],
      },
    });
    progress.set(key, step + 1);
  }
}

for (const seed of [1, 2, 3]) {
  test(`study simulation › stale caches and random order end as the reference run (seed ${seed})`, async () => {
    const study: LoraStudy = LoraStudySchema.parse({
      apiVersion: 'lorahpo.io/v1alpha1',
      kind: 'LoraStudy',
      metadata: { name: 'sim', namespace: 'ns', generation: 1 },
      spec: {
        objective: { metric: 'eval_loss', direction: 'minimize' },
        parameters: [
          { name: 'learningRate', type: 'float', min: 1e-5, max: 1e-2, log: true },
          { name: 'loraR', type: 'categorical', values: [8, 16] },
        ],
        sampler: { algorithm: 'tpe', seed: 1, startupTrials: 4 },
        pruner: { algorithm: 'median', startupTrials: 3, warmupSteps: 1 },
        budget: { maxTrials: 12, parallelTrials: 3 },
        trialTemplate: { command: ['fake-trainer'] },
      },
    });
    const api = new FakeApi();
    api.putStudy(study);
    api.sync();
    const logs = new Logs();
    const reconciler = new StudyReconciler({ view: api.view, api, planner: plan, logger: silentLogger(), logs });
    const random = seeded(seed);
    const progress = new Map<string, number>();
    const signal = new AbortController().signal;
    for (
      let round = 0;
      round < 5000 && !['Succeeded', 'Failed'].includes(api.studies.get('ns/sim')?.status?.phase ?? '');
      round++
    ) {
      const dice = random();
      if (dice < 0.4) kubeletTick(api, logs, progress, random);
      else if (dice < 0.7) api.sync();
      else await reconciler.reconcile('ns/sim', signal).catch((error: unknown) => assert.fail(error as Error));
    }
    const final = api.studies.get('ns/sim');
    assert.equal(final?.status?.phase, 'Succeeded');
    const expected = referenceRun(study);
    const actual = clusterOutcome(
      [...api.trials.values()].sort((a, b) => a.spec.number - b.spec.number),
      final!.status!,
    );
    assert.deepEqual(actual.params, expected.params);
    assert.deepEqual(actual.phases, expected.phases);
    assert.deepEqual(actual.prunedAt, expected.prunedAt);
    assert.ok(Object.keys(expected.prunedAt).length > 0, 'the median pruner prunes in this study');
    assert.deepEqual(final?.status?.bestTrial, expected.status.bestTrial);
    assert.equal(api.requests.filter((r) => r.startsWith('create jobs')).length >= 12, true);
    const started = api.events.filter((e) => e.reason === 'TrialStarted');
    assert.equal(started.filter((e) => e.involvedObject.kind === 'LoraStudy').length, 12, 'each trial started once');
    assert.equal(started.filter((e) => e.involvedObject.kind === 'LoraTrial').length, 12, 'told on the trial too');
    api.sync();
    await reconciler.reconcile('ns/sim', signal);
    api.sync();
    const before = api.requests.length;
    await reconciler.reconcile('ns/sim', signal);
    assert.deepEqual(api.requests.slice(before), [], 'a finished, unchanged study makes no requests');
  });
}
