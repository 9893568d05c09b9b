/**
 * Where adapters go: every trial pod gets the output base as a writable volume (the study's, or
 * an emptyDir), and the study's status names the volume and the folder the best adapter is in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTrialJob } from '../../../operator/src/controller/trial-job.ts';
import { plan } from '../../../operator/src/engine/plan.ts';
import type { LoraTrial } from '../../../operator/src/api/trial.ts';
import { studyFixture, trialFixture } from './fixtures.ts';

function succeeded(trial: LoraTrial, value: number, adapterPath: string): LoraTrial {
  return {
    ...trial,
    status: { phase: 'Succeeded', value, intermediateValues: [{ step: 4, value }], adapterPath },
  };
}

const NOW = new Date('2026-01-01T00:00:00Z');

test('output volume › spec.output.volume is mounted at the output base of every trial', () => {
  const study = studyFixture({ output: { volume: { persistentVolumeClaim: { claimName: 'adapters' } } } });
  const pod = buildTrialJob(study, trialFixture(study, 2)).spec?.template.spec;
  assert.deepEqual(pod?.volumes, [
    { name: 'lorahpo-output', persistentVolumeClaim: { claimName: 'adapters' } },
    { name: 'lorahpo-tmp', emptyDir: {} },
  ]);
  assert.deepEqual(pod?.containers[0]?.volumeMounts, [
    { name: 'lorahpo-output', mountPath: '/output' },
    { name: 'lorahpo-tmp', mountPath: '/tmp' },
  ]);
  assert.equal(pod?.securityContext?.fsGroup, 1000, 'the volume is group-writable by the trial user');
  const env = Object.fromEntries((pod?.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
  assert.equal(env.LORAHPO_OUTPUT_DIR, '/output/qa-2');
});

test('output volume › without one the trial still gets a writable emptyDir at the base', () => {
  const study = studyFixture({});
  const pod = buildTrialJob(study, trialFixture(study, 0)).spec?.template.spec;
  assert.deepEqual(pod?.volumes, [
    { name: 'lorahpo-output', emptyDir: {} },
    { name: 'lorahpo-tmp', emptyDir: {} },
  ]);
  assert.deepEqual(pod?.containers[0]?.volumeMounts?.[0], { name: 'lorahpo-output', mountPath: '/output' });
});

test('output volume › a template volume mounted over the base is used as it is', () => {
  const study = studyFixture({
    trialTemplate: {
      env: [{ name: 'LORAHPO_OUTPUT_DIR', value: '/work/runs' }],
      volumes: [{ name: 'work', persistentVolumeClaim: { claimName: 'scratch' } }],
      volumeMounts: [{ name: 'work', mountPath: '/work', subPath: 'team' }],
    },
  });
  const pod = buildTrialJob(study, trialFixture(study, 1)).spec?.template.spec;
  assert.deepEqual(
    pod?.volumes?.map((v) => v.name),
    ['work', 'lorahpo-tmp'],
  );
  const status = plan(study, [succeeded(trialFixture(study, 1), 0.5, '/work/runs/qa-1')], NOW).status;
  assert.equal(status.bestTrial?.adapterVolume, 'persistentVolumeClaim/scratch');
  assert.equal(status.bestTrial?.adapterVolumePath, 'team/runs/qa-1');
  assert.equal(status.conditions.find((c) => c.type === 'AdaptersKept')?.status, 'True');
});

test('output volume › the best adapter is named as a folder on the kept volume', () => {
  const study = studyFixture({ output: { volume: { persistentVolumeClaim: { claimName: 'adapters' } } } });
  const trials = [
    succeeded(trialFixture(study, 0), 0.9, '/output/qa-0'),
    succeeded(trialFixture(study, 1), 0.4, '/output/qa-1'),
  ];
  const { status } = plan(study, trials, NOW);
  assert.equal(status.bestTrial?.name, 'qa-1');
  assert.equal(status.bestTrial?.adapterPath, '/output/qa-1');
  assert.equal(status.bestTrial?.adapterVolume, 'persistentVolumeClaim/adapters');
  assert.equal(status.bestTrial?.adapterVolumePath, 'qa-1');
  const kept = status.conditions.find((c) => c.type === 'AdaptersKept');
  assert.equal(kept?.status, 'True');
  assert.equal(kept?.message, 'trials write adapters to persistentVolumeClaim/adapters at /output');
});

test('output volume › a study whose adapters are lost with the pod says so in AdaptersKept', () => {
  const study = studyFixture({});
  const { status } = plan(study, [succeeded(trialFixture(study, 0), 0.9, '/output/qa-0')], NOW);
  const kept = status.conditions.find((c) => c.type === 'AdaptersKept');
  assert.equal(kept?.status, 'False');
  assert.equal(kept?.reason, 'OutputNotKept');
  assert.match(kept?.message ?? '', /emptyDir at \/output, lost with each pod: set spec\.output\.volume/);
  assert.equal(status.bestTrial?.adapterVolume, undefined, 'no volume to name');
});

test('trial pod › read-only root filesystem, writable output and /tmp; a template /tmp is kept', () => {
  const study = studyFixture({});
  const container = buildTrialJob(study, trialFixture(study, 0)).spec?.template.spec?.containers[0];
  assert.equal(container?.securityContext?.readOnlyRootFilesystem, true);
  assert.deepEqual(
    container?.volumeMounts?.map((m) => m.mountPath),
    ['/output', '/tmp'],
  );
  const own = studyFixture({
    trialTemplate: {
      volumes: [{ name: 'scratch', emptyDir: { medium: 'Memory' } }],
      volumeMounts: [{ name: 'scratch', mountPath: '/tmp' }],
    },
  });
  const pod = buildTrialJob(own, trialFixture(own, 0)).spec?.template.spec;
  assert.deepEqual(
    pod?.volumes?.map((v) => v.name),
    ['scratch', 'lorahpo-output'],
  );
});
