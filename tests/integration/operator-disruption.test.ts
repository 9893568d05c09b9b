/**
 * Disrupted trials are not failed trials: a running trial's pod evicted by the kubelet, or
 * deleted by someone else, runs again as the next attempt of the same trial (its own Job, the
 * same params, seed and output folder, LORAHPO_ATTEMPT) and succeeds; the attempts are counted
 * in its status and capped by budget.maxTrialAttempts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { BatchV1Api, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import type { ControlPlane } from '../harness/control-plane.ts';
import type { WorkloadContext } from '../harness/simulated-node/workload.ts';
import {
  createNamespace,
  createStudy,
  eventually,
  readEvents,
  readStudy,
  readTrials,
  startCluster,
  startOperator,
  studyFinished,
  studyManifest,
  type RunningOperator,
} from './support/cluster.ts';
import { curveValue, STEPS } from './support/objective.ts';

let cp: ControlPlane;
const operators: RunningOperator[] = [];
const runs: { trial: string; attempt: string; seed: string; outputDir: string; startMs: number; endMs: number }[] = [];
/** Trial → how many of its first attempts run until they are disrupted. */
const held = new Map<string, number>();

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/**
 * The objective curve; a later attempt goes on after step 2, as a trainer resuming from the
 * checkpoint of its output folder would. A held attempt stops reporting and waits for SIGTERM.
 */
async function resumingWorkload(context: WorkloadContext): Promise<number> {
  const { env } = context;
  const trial = env.LORAHPO_TRIAL ?? '';
  const attempt = Number(env.LORAHPO_ATTEMPT);
  const run = {
    trial,
    attempt: env.LORAHPO_ATTEMPT ?? '',
    seed: env.LORAHPO_SEED ?? '',
    outputDir: env.LORAHPO_OUTPUT_DIR ?? '',
    startMs: Date.now(),
    endMs: Number.POSITIVE_INFINITY,
  };
  runs.push(run);
  try {
    return await steps(context, attempt, trial);
  } finally {
    run.endMs = Date.now();
  }
}

async function steps(context: WorkloadContext, attempt: number, trial: string): Promise<number> {
  const { env, stdout, signal, terminationMessagePath } = context;
  const params = JSON.parse(env.LORAHPO_PARAMS ?? '{}') as Record<string, unknown>;
  const isHeld = attempt <= (held.get(trial) ?? 0);
  const first = attempt === 1 ? 1 : 3;
  for (let step = first; step <= STEPS; step++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (signal.aborted) return 143;
    stdout.write(`${JSON.stringify({ type: 'metric', name: 'eval_loss', value: curveValue(params, step), step })}\n`);
    if (isHeld && step === (attempt === 1 ? 2 : 3)) {
      await untilAborted(signal);
      return 143;
    }
  }
  const result = JSON.stringify({ type: 'result', value: curveValue(params, STEPS) });
  stdout.write(`${result}\n`);
  writeFileSync(terminationMessagePath, result);
  return 0;
}

before(async () => {
  cp = await startCluster(resumingWorkload);
});

after(async () => {
  for (const operator of operators) await operator.stop();
  await cp?.stop();
});

/** The running pod of the trial's attempt once the operator has its values up to `step`. */
async function runningPod(namespace: string, trial: string, job: string, step: number): Promise<V1Pod> {
  const core = cp.directKubeConfig.makeApiClient(CoreV1Api);
  await eventually(`${trial} to report step ${step}`, async () => {
    const found = (await readTrials(cp, namespace)).find((t) => t.metadata.name === trial);
    return found?.status?.intermediateValues.some((v) => v.step === step) ? found : undefined;
  });
  return eventually(`the running pod of Job ${job}`, async () => {
    const pods = await core.listNamespacedPod({ namespace, labelSelector: `job-name=${job}` });
    return pods.items.find((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
  });
}

async function isJobGone(namespace: string, name: string): Promise<true | undefined> {
  const batch = cp.directKubeConfig.makeApiClient(BatchV1Api);
  return batch.readNamespacedJob({ name, namespace }).then(
    () => undefined,
    (e: { code?: number }) => (e.code === 404 ? true : undefined),
  );
}

async function runDisrupted(namespace: string, name: string, disrupt: (pod: V1Pod) => Promise<void>) {
  operators.push(startOperator(cp, namespace));
  const trial = `${name}-0`;
  held.set(trial, 1);
  // maxFailedTrials 0: a disruption counted as a failure would fail the study.
  await createStudy(
    cp,
    studyManifest(name, namespace, { budget: { maxTrials: 1, parallelTrials: 1, maxFailedTrials: 0 } }),
  );
  await disrupt(await runningPod(namespace, trial, trial, 2));
  const study = await studyFinished(cp, namespace, name);
  const [finished] = await readTrials(cp, namespace);
  return { study, trial: finished, name: trial };
}

function assertRerun(result: Awaited<ReturnType<typeof runDisrupted>>, reason: RegExp) {
  const { study, trial, name } = result;
  assert.equal(study.status?.phase, 'Succeeded', study.status?.message);
  assert.deepEqual(study.status?.trialCounts, {
    pending: 0,
    running: 0,
    succeeded: 1,
    pruned: 0,
    earlyStopped: 0,
    failed: 0,
  });
  const disrupted = study.status?.conditions.find((c) => c.type === 'TrialsDisrupted');
  assert.equal(disrupted?.status, 'True');
  assert.equal(disrupted?.reason, 'TrialsRerun');
  assert.match(disrupted?.message ?? '', new RegExp(`^1 trial disrupted 1 time and run again: ${name} attempt 2 \\(`));
  assert.equal(trial?.status?.phase, 'Succeeded');
  assert.equal(trial?.status?.attempt, 2);
  assert.equal(trial?.status?.jobName, `${name}-a2`);
  const [past] = trial?.status?.attempts ?? [];
  assert.equal(trial?.status?.attempts?.length, 1);
  assert.equal(past?.attempt, 1);
  assert.equal(past?.jobName, name);
  assert.match(past?.reason ?? '', reason);
  const params = trial?.spec.params ?? {};
  assert.equal(trial?.status?.value, curveValue(params, STEPS));
  assert.deepEqual(
    trial?.status?.intermediateValues,
    [1, 2, 3, 4, 5].map((step) => ({ step, value: curveValue(params, step) })),
    'the values of both attempts, one per step',
  );
  // The 1.20 job controller may start a replacement pod of attempt 1 before its Job is deleted.
  const first = runs.filter((run) => run.trial === name && run.attempt === '1');
  const second = runs.filter((run) => run.trial === name && run.attempt === '2');
  assert.ok(first.length >= 1, 'attempt 1 ran');
  assert.equal(second.length, 1, 'attempt 2 ran once');
  const [rerun] = second;
  for (const run of first) {
    assert.equal(run.outputDir, rerun?.outputDir, 'the same output folder');
    assert.equal(run.seed, rerun?.seed, 'the same seed');
    assert.ok(run.endMs <= (rerun?.startMs ?? 0), 'attempt 2 starts once every run of attempt 1 has ended');
  }
}

async function assertDisruptedEvents(namespace: string, trial: string) {
  const events = (await readEvents(cp, namespace)).filter((e) => e.reason === 'TrialDisrupted');
  assert.deepEqual(events.map((e) => e.involvedObject.kind).sort(), ['LoraStudy', 'LoraTrial']);
  assert.match(events[0]?.message ?? '', new RegExp(`^Trial ${trial} attempt 1 of 3 \\(Job ${trial}\\) `));
  assert.ok(events.every((e) => e.type === 'Warning'));
}

test('operator › an evicted trial pod runs again as attempt 2 and the trial succeeds', async () => {
  const namespace = await createNamespace(cp, 'evicted');
  const result = await runDisrupted(namespace, 'evict', async (pod) => {
    assert.equal(cp.node?.evict(namespace, pod.metadata?.name ?? ''), true);
  });
  assertRerun(result, /^Evicted$/);
  assert.equal(result.trial?.status?.attempts?.[0]?.message, 'The node was low on resource: memory.');
  await assertDisruptedEvents(namespace, result.name);
  await eventually("the disrupted attempt's Job to be deleted", () => isJobGone(namespace, result.name));
  assert.equal(await isJobGone(namespace, `${result.name}-a2`), undefined, "the last attempt's Job stays");
});

test('operator › a trial pod deleted by someone else runs again as attempt 2', async () => {
  const namespace = await createNamespace(cp, 'deleted');
  const core = cp.directKubeConfig.makeApiClient(CoreV1Api);
  const result = await runDisrupted(namespace, 'deleted', async (pod) => {
    await core.deleteNamespacedPod({ name: pod.metadata?.name ?? '', namespace });
  });
  // Seen while it terminates (PodDeleted), or only once it is gone (PodGone): both are the deletion.
  assertRerun(result, /^Pod(Deleted|Gone)$/);
  await assertDisruptedEvents(namespace, result.name);
});

test('operator › a trial pod evicted through the Eviction API (kubectl drain) runs again as attempt 2', async () => {
  const namespace = await createNamespace(cp, 'drained');
  const core = cp.directKubeConfig.makeApiClient(CoreV1Api);
  const result = await runDisrupted(namespace, 'drained', async (pod) => {
    const name = pod.metadata?.name ?? '';
    // What kubectl drain sends per pod; a 1.20 server serves the policy/v1beta1 Eviction.
    const body = { apiVersion: 'policy/v1beta1', kind: 'Eviction', metadata: { name, namespace } };
    await core.createNamespacedPodEviction({ name, namespace, body });
  });
  assertRerun(result, /^Pod(Deleted|Gone)$/);
  await assertDisruptedEvents(namespace, result.name);
});

test('operator › a trial disrupted more often than maxTrialAttempts fails with AttemptsExhausted', async () => {
  const namespace = await createNamespace(cp, 'capped');
  operators.push(startOperator(cp, namespace));
  const trial = 'capped-0';
  held.set(trial, 2);
  const budget = { maxTrials: 1, parallelTrials: 1, maxTrialAttempts: 2 };
  await createStudy(cp, studyManifest('capped', namespace, { budget }));
  assert.equal(cp.node?.evict(namespace, (await runningPod(namespace, trial, trial, 2)).metadata?.name ?? ''), true);
  assert.equal(
    cp.node?.evict(namespace, (await runningPod(namespace, trial, `${trial}-a2`, 3)).metadata?.name ?? ''),
    true,
  );
  const study = await studyFinished(cp, namespace, 'capped');
  const [failed] = await readTrials(cp, namespace);
  assert.equal(failed?.status?.phase, 'Failed');
  assert.equal(failed?.status?.reason, 'AttemptsExhausted');
  assert.match(failed?.status?.message ?? '', /^attempt 2 of 2 \(Job capped-0-a2\) Evicted: The node was low/);
  assert.deepEqual(
    failed?.status?.attempts?.map((a) => [a.attempt, a.jobName, a.reason]),
    [
      [1, 'capped-0', 'Evicted'],
      [2, 'capped-0-a2', 'Evicted'],
    ],
  );
  assert.equal(study.status?.trialCounts?.failed, 1);
  assert.equal(
    study.status?.conditions.find((c) => c.type === 'TrialsDisrupted')?.message,
    '1 trial disrupted 2 times and run again: capped-0 attempts exhausted (Evicted)',
  );
  assert.equal(runs.filter((run) => run.trial === trial).length, 2, 'no third attempt');
  const read = await readStudy(cp, namespace, 'capped');
  assert.equal(read.status?.trialCounts?.running, 0);
  const failedEvents = (await readEvents(cp, namespace)).filter((e) => e.reason === 'TrialFailed');
  assert.match(failedEvents[0]?.message ?? '', /^Trial capped-0 failed \(AttemptsExhausted\): attempt 2 of 2/);
});

test('operator › a pod deleted while the operator is down is one disruption after its restart', async () => {
  const namespace = await createNamespace(cp, 'down');
  const core = cp.directKubeConfig.makeApiClient(CoreV1Api);
  const trial = 'down-0';
  held.set(trial, 1);
  const first = startOperator(cp, namespace);
  await createStudy(cp, studyManifest('down', namespace, { budget: { maxTrials: 1, parallelTrials: 1 } }));
  const pod = await runningPod(namespace, trial, trial, 2);
  await eventually('the trial to record its pod', async () => {
    const [read] = await readTrials(cp, namespace);
    return read?.status?.pod === pod.metadata?.name ? read : undefined;
  });
  await first.stop();
  await core.deleteNamespacedPod({ name: pod.metadata?.name ?? '', namespace, gracePeriodSeconds: 0 });
  // The job controller replaces it while no operator looks: the replacement is still attempt 1.
  await eventually('the replacement pod to run', async () => {
    const pods = await core.listNamespacedPod({ namespace, labelSelector: `job-name=${trial}` });
    return pods.items.find((p) => p.metadata?.name !== pod.metadata?.name && p.status?.phase === 'Running');
  });
  operators.push(startOperator(cp, namespace));
  const study = await studyFinished(cp, namespace, 'down');
  assert.equal(study.status?.phase, 'Succeeded', study.status?.message);
  const [finished] = await readTrials(cp, namespace);
  assert.equal(finished?.status?.attempt, 2);
  assert.deepEqual(
    finished?.status?.attempts?.map((a) => [a.attempt, a.jobName, a.pod, a.reason]),
    [[1, trial, pod.metadata?.name, 'PodGone']],
  );
  const attempt2 = runs.filter((run) => run.trial === trial && run.attempt === '2');
  assert.equal(attempt2.length, 1);
  for (const run of runs.filter((r) => r.trial === trial && r.attempt === '1'))
    assert.ok(run.endMs <= (attempt2[0]?.startMs ?? 0), 'the replacement ended before attempt 2 began');
});
