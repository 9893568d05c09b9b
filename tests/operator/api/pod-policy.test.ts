/** What a LoraStudy may put in trial pods: refused by default with the field path, widened by policy. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkStudySpec } from '../../../operator/src/api/validate-study.ts';
import { defaultPodPolicy } from '../../../operator/src/api/pod-policy.ts';

const base = {
  objective: { metric: 'eval_loss', direction: 'minimize' },
  parameters: [{ name: 'learningRate', type: 'float', min: 1e-5, max: 1e-3, log: true }],
  training: { model: '/models/base', dataset: '/data/qa.jsonl' },
};

const hostile = {
  ...base,
  trialTemplate: {
    serviceAccountName: 'deployer',
    volumes: [
      { name: 'root', hostPath: { path: '/' } },
      { name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
      { name: 'creds', secret: { secretName: 'db-password' } },
    ],
    env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'db-password', key: 'pw' } } }],
    tolerations: [{ operator: 'Exists' }, { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
  },
  output: { volume: { hostPath: { path: '/var/lib' } } },
};

test('pod policy › by default each escalation is refused at its field path', () => {
  const { spec, issues } = checkStudySpec(hostile);
  assert.equal(spec, undefined);
  assert.deepEqual(
    issues.filter((issue) => issue.code === 'forbidden').map((issue) => issue.path),
    [
      'spec.trialTemplate.serviceAccountName',
      'spec.trialTemplate.volumes[0].hostPath',
      'spec.trialTemplate.volumes[1].projected.sources[0].serviceAccountToken',
      'spec.trialTemplate.volumes[2].secret',
      'spec.output.volume.hostPath',
      'spec.trialTemplate.env[0].valueFrom.secretKeyRef',
      'spec.trialTemplate.tolerations[0]',
    ],
  );
  assert.match(issues[1]?.message ?? '', /--allow-host-path/);
});

test('pod policy › the operator’s flags widen it, one thing each', () => {
  const policy = {
    allowHostPath: true,
    allowedServiceAccounts: ['deployer'],
    allowedSecrets: ['db-password'],
    allowWildcardTolerations: true,
  };
  assert.deepEqual(checkStudySpec(hostile, { podPolicy: policy }).issues, []);
  const secretsOnly = { ...defaultPodPolicy(), allowedSecrets: ['*'] };
  const left = checkStudySpec(hostile, { podPolicy: secretsOnly }).issues.map((issue) => issue.path);
  assert.equal(left.includes('spec.trialTemplate.env[0].valueFrom.secretKeyRef'), false);
  assert.equal(left.includes('spec.trialTemplate.volumes[0].hostPath'), true);
});

test('pod policy › an ordinary GPU study passes: PVCs, configMaps, keyed tolerations', () => {
  const study = {
    ...base,
    trialTemplate: {
      volumes: [
        { name: 'models', persistentVolumeClaim: { claimName: 'base-models' } },
        { name: 'data', configMap: { name: 'cncf-qa' } },
      ],
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      env: [{ name: 'HF_HOME', value: '/tmp/hf' }],
    },
    output: { volume: { persistentVolumeClaim: { claimName: 'adapters' } } },
  };
  assert.deepEqual(checkStudySpec(study).issues, []);
});
