/**
 * GPU-hours on a cluster: trials whose template asks for `nvidia.com/gpu` spend their GPUs ×
 * running time, an evicted attempt's included and time waiting for the scheduler excluded; the
 * trial's and the study's status.gpuHours say so, and budget.maxGpuHours ends the study with
 * GpuBudgetSpent. The simulated node has 8 GPUs, scheduled as the real scheduler does.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import type { ControlPlane } from '../harness/control-plane.ts';
import type { WorkloadContext } from '../harness/simulated-node/workload.ts';
import {
  createNamespace,
  createStudy,
  eventually,
  readTrials,
  startCluster,
  startOperator,
  studyFinished,
  studyManifest,
  type RunningOperator,
} from './support/cluster.ts';

const MS_PER_HOUR = 3_600_000;
let cp: ControlPlane;
const operators: RunningOperator[] = [];
/** What the trainers ran, as this process saw it: trial, attempt, start and end. */
const runs: { trial: string; attempt: number; startMs: number; endMs: number }[] = [];
/** Trials whose first attempt reports until it is stopped (the rest run STEPS steps). */
const holding = new Set<string>();
const STEPS = 20;
const STEP_MS = 100;

/** Reports eval_loss every 100 ms: until SIGTERM when held, else STEPS steps and a result. */
async function gpuWorkload(context: WorkloadContext): Promise<number> {
  const { env, stdout, signal, terminationMessagePath } = context;
  const trial = env.LORAHPO_TRIAL ?? '';
  const attempt = Number(env.LORAHPO_ATTEMPT);
  const run = { trial, attempt, startMs: Date.now(), endMs: Number.POSITIVE_INFINITY };
  runs.push(run);
  try {
    const isHeld = attempt === 1 && holding.has(trial);
    for (let step = 1; isHeld || step <= STEPS; step++) {
      await new Promise((resolve) => setTimeout(resolve, STEP_MS));
      if (signal.aborted) return 143;
      stdout.write(`${JSON.stringify({ type: 'metric', name: 'eval_loss', value: 1 / step, step })}\n`);
    }
    const result = JSON.stringify({ type: 'result', value: 1 / STEPS });
    stdout.write(`${result}\n`);
    writeFileSync(terminationMessagePath, result);
    return 0;
  } finally {
    run.endMs = Date.now();
  }
}

before(async () => {
  cp = await startCluster(gpuWorkload);
});

after(async () => {
  for (const operator of operators) await operator.stop();
  await cp?.stop();
});

function gpuStudy(name: string, namespace: string, gpus: number, budget: Record<string, number>) {
  const manifest = studyManifest(name, namespace, {
    budget: { maxTrials: 1, parallelTrials: 1, ...budget },
    pruner: { algorithm: 'none' },
  });
  manifest.spec.trialTemplate = { ...manifest.spec.trialTemplate, resources: { limits: { 'nvidia.com/gpu': gpus } } };
  return manifest;
}

/**
 * GPU-hours of the trainer runs this process measured, per trial. The study can finish before
 * a stopped trainer has seen its SIGTERM, so this waits for every run of the trial to end.
 */
async function measuredGpuHours(trial: string, gpus: number): Promise<number> {
  const ended = await eventually(`the trainers of ${trial} to end`, async () => {
    const ofTrial = runs.filter((run) => run.trial === trial);
    return ofTrial.every((run) => Number.isFinite(run.endMs)) ? ofTrial : undefined;
  });
  return ended.reduce((sum, run) => sum + run.endMs - run.startMs, 0) * (gpus / MS_PER_HOUR);
}

test('operator › maxGpuHours ends the study GpuBudgetSpent; a trial waiting for GPUs spends none', async () => {
  const namespace = await createNamespace(cp, 'gpu-budget');
  operators.push(startOperator(cp, namespace));
  holding.add('budget-0');
  holding.add('budget-1');
  // 6 of the node's 8 GPUs each: one trial is unschedulable while the other runs. 0.01
  // GPU-hours are 36 GPU-seconds, 6 s of the one running.
  const started = Date.now();
  await createStudy(cp, gpuStudy('budget', namespace, 6, { maxTrials: 3, parallelTrials: 2, maxGpuHours: 0.01 }));
  const waiting = await eventually('a trial to wait for the scheduler', async () => {
    const trials = await readTrials(cp, namespace);
    return trials.find((t) => t.status?.reason === 'Unschedulable');
  });
  assert.match(waiting.status?.message ?? '', /Insufficient nvidia\.com\/gpu/);
  const study = await studyFinished(cp, namespace, 'budget');
  const seconds = (Date.now() - started) / 1000;
  assert.equal(study.status?.completionReason, 'GpuBudgetSpent', study.status?.message);
  assert.equal(study.status?.phase, 'Failed', 'no trial completed within the budget');
  const spent = study.status?.gpuHours ?? 0;
  assert.ok(spent >= 0.01 && spent < 0.012, `study gpuHours ${spent} (${seconds} s)`);
  const trials = await readTrials(cp, namespace);
  assert.deepEqual(
    trials.map((t) => [t.metadata.name, t.spec.gpus, t.status?.phase, t.status?.reason]),
    [
      ['budget-0', 6, 'Pruned', 'StudyFinished'],
      ['budget-1', 6, 'Pruned', 'StudyFinished'],
    ],
  );
  const queued = trials.find((t) => t.metadata.name === waiting.metadata.name);
  const ran = trials.find((t) => t.metadata.name !== waiting.metadata.name);
  assert.equal(queued?.status?.startTime, undefined, `${waiting.metadata.name} never ran`);
  assert.equal(queued?.status?.gpuHours, undefined, 'its time waiting for GPUs costs nothing');
  assert.ok(Math.abs((ran?.status?.gpuHours ?? 0) - spent) <= 0.001, `the one that ran: ${ran?.status?.gpuHours}`);
  // Counted from the container's start (whole seconds) to the stop decision: about what the
  // trainer ran (it ends a little after, on SIGTERM).
  const measured = await measuredGpuHours(ran?.metadata.name ?? '', 6);
  assert.ok(spent <= measured + 0.002, `counted ${spent}, the trainer ran ${measured}`);
  assert.ok(spent >= measured - 0.002, `counted ${spent}, the trainer ran ${measured}`);
  assert.deepEqual(
    runs.filter((run) => run.trial === waiting.metadata.name),
    [],
    `${waiting.metadata.name} was stopped before it was scheduled`,
  );
});

async function runningPod(namespace: string, job: string): Promise<V1Pod> {
  const core = cp.directKubeConfig.makeApiClient(CoreV1Api);
  return eventually(`the running pod of Job ${job}`, async () => {
    const pods = await core.listNamespacedPod({ namespace, labelSelector: `job-name=${job}` });
    return pods.items.find((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
  });
}

test("operator › an evicted attempt's running time counts in the trial's and the study's gpuHours", async () => {
  const namespace = await createNamespace(cp, 'gpu-evicted');
  operators.push(startOperator(cp, namespace));
  const trial = 'evicted-0';
  holding.add(trial);
  await createStudy(cp, gpuStudy('evicted', namespace, 4, {}));
  const pod = await runningPod(namespace, trial);
  await eventually(`${trial} to have run 2 s`, async () => {
    const [read] = await readTrials(cp, namespace);
    return (read?.status?.intermediateValues.length ?? 0) >= 20 ? read : undefined;
  });
  assert.equal(cp.node?.evict(namespace, pod.metadata?.name ?? ''), true);
  const study = await studyFinished(cp, namespace, 'evicted');
  assert.equal(study.status?.phase, 'Succeeded', study.status?.message);
  const [finished] = await readTrials(cp, namespace);
  assert.equal(finished?.status?.attempt, 2);
  const [evicted] = finished?.status?.attempts ?? [];
  assert.equal(evicted?.reason, 'Evicted');
  assert.ok(evicted?.startTime, "the evicted attempt's start is kept in its record");
  // Container startedAt has whole seconds (RFC 3339 as the kubelet writes it).
  const restartMs = Date.parse(finished?.status?.startTime ?? '');
  assert.ok(
    restartMs > Date.parse(evicted?.time ?? '') - 1000,
    `the trial's startTime ${finished?.status?.startTime} is the second attempt's, after the eviction ${evicted?.time}`,
  );
  // Two attempts of about 2 s at 4 GPUs: about 16 GPU-seconds (0.0044 GPU-hours).
  const measured = await measuredGpuHours(trial, 4);
  const hours = finished?.status?.gpuHours ?? 0;
  assert.ok(Math.abs(hours - measured) <= 0.0015, `the trial counted ${hours}, its trainers ran ${measured}`);
  assert.ok(hours > measured / 2 + 0.0005, 'both attempts count, not the last alone');
  assert.equal(study.status?.gpuHours, hours, "the study's total is its one trial's");
});
