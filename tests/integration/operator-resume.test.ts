/**
 * End to end with the real trainer: a study's running trial is evicted by the simulated node
 * after its first checkpoint; the operator runs it again as attempt 2 in the same output folder
 * on the PersistentVolumeClaim, the trainer resumes from the checkpoint, and the trial ends with
 * the value of an undisturbed run of the same trial (the trainer run once more as a plain
 * process with the Job's environment, attempt 1, a fresh output folder).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
import {
  createNamespace,
  createStudy,
  eventually,
  readStudy,
  readTrials,
  studyFinished,
  studyManifest,
} from './support/cluster.ts';
import {
  createOutputClaim,
  needsVolumes,
  nodeBinary,
  realTrainerGround,
  tinyTrainerSpec,
  trainerMain,
} from './support/real-trainer.ts';

const ground = realTrainerGround('resume');
const { scratch } = ground;

/** The trainer as a plain process with `env`: its result line's value. */
async function undisturbedValue(env: Record<string, string>): Promise<number> {
  const resultFile = join(scratch, 'reference-result.json');
  const run = promisify(execFile)(nodeBinary, [trainerMain], {
    env: { PATH: process.env.PATH ?? '', HOME: scratch, ...env, LORAHPO_RESULT_FILE: resultFile },
    maxBuffer: 16 * 1024 * 1024,
  });
  await run;
  return (JSON.parse(readFileSync(resultFile, 'utf8')) as { value: number }).value;
}

test(
  'operator › an evicted trial of the real trainer resumes from its checkpoint and ends as an undisturbed run',
  needsVolumes,
  async (t) => {
    const { cp } = ground;
    const namespace = await createNamespace(cp, 'resume');
    await createOutputClaim(cp, namespace);
    ground.startOperator(namespace);
    await createStudy(
      cp,
      studyManifest('resume', namespace, {
        parameters: [
          { name: 'learningRate', type: 'float', min: 1e-3, max: 1e-2, log: true },
          { name: 'loraR', type: 'categorical', values: [4, 8] },
        ],
        budget: { maxTrials: 1, parallelTrials: 1, maxFailedTrials: 0 },
        ...tinyTrainerSpec(join(scratch, 'output'), { maxSteps: 24 }),
      }),
    );
    const trial = 'resume-0';
    const checkpoint = join(cp.node?.claimPath(namespace, 'adapters') ?? '', trial, 'checkpoint');
    await eventually(
      'the first checkpoint',
      async () => existsSync(join(checkpoint, 'trainer-state.safetensors')) || undefined,
      300_000,
      50,
    );
    const core = cp.directKubeConfig.makeApiClient(CoreV1Api);
    const pods = await core.listNamespacedPod({ namespace, labelSelector: `job-name=${trial}` });
    const pod = pods.items.find((p) => p.status?.phase === 'Running');
    assert.ok(pod, 'attempt 1 still runs after its first checkpoint');
    assert.equal(cp.node?.evict(namespace, pod.metadata?.name ?? ''), true);

    const study = await studyFinished(cp, namespace, 'resume', 300_000);
    const [finished] = await readTrials(cp, namespace);
    assert.equal(study.status?.phase, 'Succeeded', finished?.status?.message);
    assert.equal(finished?.status?.attempt, 2);
    assert.equal(finished?.status?.attempts?.[0]?.reason, 'Evicted');
    const logs = await cp.kubectl(['logs', '-n', namespace, `job/${trial}-a2`]);
    assert.match(logs.stdout + logs.stderr, /attempt 2: resuming from step [1-9]\d*/, 'attempt 2 resumed');
    const steps = finished?.status?.intermediateValues.map((v) => v.step) ?? [];
    assert.deepEqual(steps, [...new Set(steps)], 'one value per step');

    const job = await cp.directKubeConfig
      .makeApiClient(BatchV1Api)
      .readNamespacedJob({ name: `${trial}-a2`, namespace });
    const env = Object.fromEntries(
      (job.spec?.template.spec?.containers[0]?.env ?? []).map((entry) => [entry.name, entry.value ?? '']),
    );
    const reference = await undisturbedValue({
      ...env,
      LORAHPO_ATTEMPT: '1',
      LORAHPO_OUTPUT_DIR: join(scratch, 'reference'),
    });
    assert.equal(finished?.status?.value, reference, 'the value of an undisturbed run');
    const resumedAt = /resuming from step (\d+)/.exec(logs.stdout + logs.stderr)?.[1];
    t.diagnostic(`resumed at step ${resumedAt} of 24; value ${finished?.status?.value}, undisturbed ${reference}`);
    const read = await readStudy(cp, namespace, 'resume');
    // the record a reader of the test log gets: what a preempted trial looks like in status
    t.diagnostic(`trial status: ${JSON.stringify({ ...finished?.status, intermediateValues: steps.length })}`);
    t.diagnostic(`study status: ${JSON.stringify({ ...read.status, trials: undefined })}`);
    assert.equal(read.status?.trialCounts?.succeeded, 1);
    assert.equal(read.status?.trialCounts?.failed, 0);
  },
);
