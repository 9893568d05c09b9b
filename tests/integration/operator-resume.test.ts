/**
 * End to end with the real trainer: a study's running trial is evicted by the simulated node
 * after its first checkpoint; the operator runs it again as attempt 2 in the same output folder
 * on the PersistentVolumeClaim, the trainer resumes from the checkpoint, and the trial ends with
 * the value of an undisturbed run of the same trial (the trainer run once more as a plain
 * process with the Job's environment, attempt 1, a fresh output folder).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
import type { ControlPlane } from '../harness/control-plane.ts';
import { canMountVolumes } from '../harness/simulated-node/simulated-node.ts';
import {
  createNamespace,
  createStudy,
  eventually,
  readStudy,
  readTrials,
  startCluster,
  startOperator,
  studyFinished,
  studyManifest,
  type RunningOperator,
} from './support/cluster.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const node = join(root, 'node_modules/.bin/node');
let cp: ControlPlane;
let operator: RunningOperator | undefined;
// Not under /tmp: the trial pod mounts an emptyDir there.
const scratch = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'lorahpo-resume-'));

before(async () => {
  cp = await startCluster('process');
});

after(async () => {
  await operator?.stop();
  await cp?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const volumes = canMountVolumes()
  ? {}
  : { skip: 'the simulated node cannot mount volumes here (needs root and unshare)' };

/** The trainer as a plain process with `env`: its result line's value. */
async function undisturbedValue(env: Record<string, string>): Promise<number> {
  const resultFile = join(scratch, 'reference-result.json');
  const run = promisify(execFile)(node, [join(root, 'trainer/src/main.ts')], {
    env: { PATH: process.env.PATH ?? '', HOME: scratch, ...env, LORAHPO_RESULT_FILE: resultFile },
    maxBuffer: 16 * 1024 * 1024,
  });
  await run;
  return (JSON.parse(readFileSync(resultFile, 'utf8')) as { value: number }).value;
}

test(
  'operator › an evicted trial of the real trainer resumes from its checkpoint and ends as an undisturbed run',
  volumes,
  async (t) => {
    const namespace = await createNamespace(cp, 'resume');
    const claim = {
      metadata: { name: 'adapters' },
      spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Gi' } } },
    };
    const created = await cp.kubectl(['apply', '-n', namespace, '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', ...claim }),
    });
    assert.equal(created.code, 0, created.stderr);
    operator = startOperator(cp, namespace);
    await createStudy(
      cp,
      studyManifest('resume', namespace, {
        parameters: [
          { name: 'learningRate', type: 'float', min: 1e-3, max: 1e-2, log: true },
          { name: 'loraR', type: 'categorical', values: [4, 8] },
        ],
        budget: { maxTrials: 1, parallelTrials: 1, maxFailedTrials: 0 },
        training: {
          model: join(root, 'examples/tiny/model'),
          dataset: join(root, 'examples/tiny/cncf-qa.jsonl'),
          epochs: 1,
          maxSteps: 24,
          evalSteps: 2,
          batchSize: 4,
          maxSeqLength: 64,
          backend: 'cpu',
        },
        trialTemplate: {
          image: 'lorahpo-trainer:test',
          command: [node, join(root, 'trainer/src/main.ts')],
          env: [{ name: 'LORAHPO_OUTPUT_DIR', value: join(scratch, 'output') }],
        },
        output: { volume: { persistentVolumeClaim: { claimName: 'adapters' } } },
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
    assert.equal(read.status?.trialCounts?.succeeded, 1);
    assert.equal(read.status?.trialCounts?.failed, 0);
  },
);
