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

test('spec.parameters › a study can sample the Adam betas, epsilon, minLrRatio and warmupSteps', () => {
  const parameters = [
    { name: 'adamBeta2', type: 'float', min: 0.95, max: 0.999 },
    { name: 'minLrRatio', type: 'float', min: 0, max: 0.2 },
    { name: 'adamBeta1', type: 'categorical', values: [0.8, 0.9] },
    { name: 'adamEpsilon', type: 'float', min: 1e-9, max: 1e-6, log: true },
    { name: 'warmupSteps', type: 'int', min: 0, max: 50 },
  ];
  const training = { model: 'm', dataset: 'd.jsonl' };
  assert.deepEqual(checkStudySpec({ ...base, parameters, training }).issues, []);
  // the bounds pass through the trainer's own schema: β₂ = 1 and a fractional warmupSteps are refused
  const { issues } = checkStudySpec({
    ...base,
    training,
    parameters: [
      { name: 'adamBeta2', type: 'float', min: 0.9, max: 1 },
      { name: 'warmupSteps', type: 'float', min: 0, max: 10 },
    ],
  });
  assert.deepEqual(
    issues.map((i) => [i.path, i.code]),
    [
      ['spec.parameters[adamBeta2]', 'built_in_value'],
      ['spec.parameters[warmupSteps]', 'built_in_value'],
    ],
  );
});

test('spec.parameters › a sampled warmupRatio that warmupSteps would override is refused', () => {
  const ratio = { name: 'warmupRatio', type: 'float', min: 0, max: 0.1 };
  const fixed = checkStudySpec({
    ...base,
    parameters: [ratio],
    training: { model: 'm', dataset: 'd.jsonl', warmupSteps: 10 },
  }).issues;
  assert.deepEqual(
    fixed.map((i) => [i.path, i.code, i.message]),
    [
      [
        'spec.parameters[warmupRatio]',
        'built_in_shadowed',
        "is sampled but spec.training sets warmupSteps, and the built-in trainer's warmupSteps wins over warmupRatio: sample one of them",
      ],
    ],
  );
  const both = checkStudySpec({
    ...base,
    parameters: [ratio, { name: 'warmupSteps', type: 'int', min: 0, max: 20 }],
    training: { model: 'm', dataset: 'd.jsonl' },
  }).issues;
  assert.deepEqual(
    both.map((i) => i.code),
    ['built_in_shadowed'],
  );
  // a fixed warmupRatio beside a sampled warmupSteps is fine: the sampled value is used
  const fine = checkStudySpec({
    ...base,
    parameters: [{ name: 'warmupSteps', type: 'int', min: 0, max: 20 }],
    training: { model: 'm', dataset: 'd.jsonl', warmupRatio: 0.05 },
  }).issues;
  assert.deepEqual(fine, []);
});
