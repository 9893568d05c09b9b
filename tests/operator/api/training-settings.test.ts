import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkStudySpec } from '../../../operator/src/api/validate-study.ts';
import { trainingSettings } from '../../../operator/src/runner/trial-command.ts';

const base = {
  objective: { metric: 'eval_loss', direction: 'minimize' },
  parameters: [{ name: 'learningRate', type: 'float', min: 1e-5, max: 1e-3, log: true }],
};

test('spec.training › the built-in trainer checks it against its own settings, naming each field', () => {
  const { issues } = checkStudySpec({
    ...base,
    training: { model: 'm', dataset: 'd.jsonl', epochs: 0, gradientCheckpointing: true },
  });
  assert.deepEqual(
    issues.map((i) => [i.path, i.code]),
    [
      ['spec.training.epochs', 'too_small'],
      ['spec.training.gradientCheckpointing', 'unknown_field'],
    ],
  );
});

test('spec.training › a custom trainer gets it free-form and as written in LORAHPO_TRAINING', () => {
  const training = { gradientCheckpointing: true, bf16: 'auto', epochs: 2, model: 'models/llama' };
  const { spec, issues } = checkStudySpec({
    ...base,
    training,
    trialTemplate: { command: ['python', 'train.py'] },
  });
  assert.deepEqual(issues, []);
  const sent = trainingSettings(spec!, '/manifests');
  assert.deepEqual(sent, {
    gradientCheckpointing: true,
    bf16: 'auto',
    epochs: 2,
    model: '/manifests/models/llama', // relative paths still resolve against the manifest
    objective: { metric: 'eval_loss', direction: 'minimize' },
  }); // no batchSize, promptTemplate or other built-in default
});
