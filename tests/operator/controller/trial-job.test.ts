import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTrialJob } from '../../../operator/src/controller/trial-job.ts';
import { readTrialEnvironment } from '../../../trainer/src/contract/env.ts';
import { studyFixture, trialFixture } from './fixtures.ts';

const envOf = (job: ReturnType<typeof buildTrialJob>) =>
  Object.fromEntries((job.spec?.template.spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value]));

test('trial job › carries the trainer contract in env vars the trainer reads back', () => {
  const study = studyFixture({
    training: { model: '/models/base', dataset: '/data/qa.jsonl', epochs: 2, batchSize: 4 },
    earlyStopping: { patience: 2, minDelta: 0.01 },
  });
  const job = buildTrialJob(study, trialFixture(study, 3));
  const read = readTrialEnvironment(envOf(job));
  assert.equal(read.trial, 'qa-3');
  assert.equal(read.seed, 1003);
  assert.deepEqual(read.params, { learningRate: 1e-4, loraR: 8 });
  assert.equal(read.training.epochs, 2);
  assert.deepEqual(read.training.objective, { metric: 'eval_loss', direction: 'minimize' });
  assert.equal(read.training.earlyStopping?.patience, 2);
  assert.equal(read.resultFile, '/dev/termination-log');
  assert.equal(read.outputDir, '/output/qa-3');
  assert.equal(envOf(job).LORAHPO_PARAM_LORA_R, '8');
  const container = job.spec?.template.spec?.containers[0];
  assert.equal(container?.command, undefined, 'the image entrypoint runs; no shell string');
});

test('trial job › is owned by the trial, never restarts, gets no token and the restricted profile', () => {
  const study = studyFixture();
  const job = buildTrialJob(study, trialFixture(study, 0));
  assert.deepEqual(job.metadata?.ownerReferences, [
    {
      apiVersion: 'lorahpo.io/v1alpha1',
      kind: 'LoraTrial',
      name: 'qa-0',
      uid: 'trial-uid-0',
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  assert.equal(job.metadata?.namespace, 'team-a');
  assert.equal(job.spec?.backoffLimit, 0);
  assert.equal(job.spec?.suspend, undefined);
  const pod = job.spec?.template.spec;
  assert.equal(pod?.restartPolicy, 'Never');
  assert.equal(pod?.automountServiceAccountToken, false);
  assert.equal(pod?.securityContext?.runAsNonRoot, true);
  assert.equal(pod?.securityContext?.seccompProfile?.type, 'RuntimeDefault');
  const container = pod?.containers[0];
  assert.equal(container?.terminationMessagePolicy, 'FallbackToLogsOnError');
  assert.equal(container?.securityContext?.allowPrivilegeEscalation, false);
  assert.deepEqual(container?.securityContext?.capabilities?.drop, ['ALL']);
  assert.equal(job.spec?.template.metadata?.labels?.['lorahpo.io/trial'], 'qa-0');
  assert.equal(job.spec?.template.metadata?.labels?.['lorahpo.io/study'], 'qa');
});

test('trial job › applies the template: GPUs, placement, volumes, env, deadline, Kueue', () => {
  const study = studyFixture({
    trialTemplate: {
      image: 'registry/trainer:1',
      command: ['node', 'main.js'],
      args: ['--quiet'],
      resources: { limits: { 'nvidia.com/gpu': 1 } },
      nodeSelector: { gpu: 'h100' },
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      affinity: { nodeAffinity: {} },
      priorityClassName: 'hpo',
      serviceAccountName: 'trainer',
      volumes: [{ name: 'models', persistentVolumeClaim: { claimName: 'models' } }],
      volumeMounts: [{ name: 'models', mountPath: '/models' }],
      env: [
        { name: 'HF_HOME', value: '/tmp/hf' },
        { name: 'LORAHPO_OUTPUT_DIR', value: '/models/out/' },
        { name: 'LORAHPO_PARAMS', value: 'hijack' },
      ],
      queueName: 'gpu-queue',
      activeDeadlineSeconds: 3600,
      backoffLimit: 1,
    },
  });
  const job = buildTrialJob(study, trialFixture(study, 1));
  const pod = job.spec?.template.spec;
  const container = pod?.containers[0];
  assert.equal(container?.image, 'registry/trainer:1');
  assert.deepEqual(container?.command, ['node', 'main.js']);
  assert.deepEqual(container?.args, ['--quiet']);
  assert.deepEqual(container?.resources, { limits: { 'nvidia.com/gpu': 1 } });
  assert.deepEqual(pod?.nodeSelector, { gpu: 'h100' });
  assert.equal(pod?.tolerations?.[0]?.key, 'nvidia.com/gpu');
  assert.equal(pod?.priorityClassName, 'hpo');
  assert.equal(pod?.serviceAccountName, 'trainer');
  assert.equal(pod?.volumes?.[0]?.name, 'models');
  assert.equal(container?.volumeMounts?.[0]?.mountPath, '/models');
  const env = envOf(job);
  assert.equal(env.HF_HOME, '/tmp/hf');
  assert.equal(env.LORAHPO_OUTPUT_DIR, '/models/out/qa-1');
  assert.notEqual(env.LORAHPO_PARAMS, 'hijack');
  assert.equal(container?.env?.filter((e) => e.name === 'LORAHPO_PARAMS').length, 1);
  assert.equal(job.spec?.suspend, true);
  assert.equal(job.metadata?.labels?.['kueue.x-k8s.io/queue-name'], 'gpu-queue');
  assert.equal(job.spec?.activeDeadlineSeconds, 3600);
  assert.equal(job.spec?.backoffLimit, 1);
});

test('trial job › each attempt has its own Job and LORAHPO_ATTEMPT, and the same output folder', () => {
  const study = studyFixture();
  const trial = trialFixture(study, 3);
  const first = buildTrialJob(study, trial);
  const third = buildTrialJob(study, { ...trial, status: { phase: 'Pending', intermediateValues: [], attempt: 3 } });
  assert.equal(first.metadata?.name, 'qa-3');
  assert.equal(third.metadata?.name, 'qa-3-a3');
  assert.equal(envOf(first).LORAHPO_ATTEMPT, '1');
  assert.equal(envOf(third).LORAHPO_ATTEMPT, '3');
  assert.equal(envOf(third).LORAHPO_OUTPUT_DIR, envOf(first).LORAHPO_OUTPUT_DIR);
  assert.equal(envOf(third).LORAHPO_SEED, envOf(first).LORAHPO_SEED);
  assert.equal(third.metadata?.labels?.['lorahpo.io/trial'], 'qa-3');
  assert.equal(third.metadata?.labels?.['lorahpo.io/attempt'], '3');
});
