import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { main } from '../../../operator/src/cli/main.ts';
import type { CliDeps } from '../../../operator/src/cli/deps.ts';

function captureDeps(cwd: string) {
  let out = '';
  let err = '';
  const deps: CliDeps = {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    cwd,
    env: {},
    signal: new AbortController().signal,
    now: () => new Date('2026-01-01T00:00:00Z'),
  };
  return { deps, output: () => ({ out, err }) };
}

const good = {
  apiVersion: 'lorahpo.io/v1alpha1',
  kind: 'LoraStudy',
  metadata: { name: 'demo' },
  spec: {
    objective: { metric: 'eval_loss', direction: 'minimize' },
    parameters: [
      { name: 'learningRate', type: 'float', min: 1e-5, max: 1e-3, log: true },
      { name: 'loraR', type: 'categorical', values: [8, 16, 32] },
    ],
    training: { model: './model', dataset: './data.jsonl' },
  },
};

/** Applies `change` to a copy of the good manifest. */
function bad(change: (doc: any) => void): unknown {
  const doc = structuredClone(good);
  change(doc);
  return doc;
}

const table: [string, unknown, string][] = [
  [
    'min above max',
    bad((d) => (d.spec.parameters[0].max = 1e-6)),
    'spec.parameters[learningRate].max is 1e-6 but must be > min (1e-5)',
  ],
  [
    'log with min 0',
    bad((d) => (d.spec.parameters[0].min = 0)),
    'spec.parameters[learningRate].min is 0 but must be > 0 when log is true',
  ],
  [
    'repeated category',
    bad((d) => (d.spec.parameters[1].values = [8, 8])),
    'spec.parameters[loraR].values repeat 8 but must be unique',
  ],
  [
    'duplicate name',
    bad((d) => d.spec.parameters.push({ name: 'loraR', type: 'int', min: 1, max: 4 })),
    'spec.parameters[2].name is "loraR" but must be unique (also used by spec.parameters[1])',
  ],
  [
    'unknown parameter type',
    bad((d) => (d.spec.parameters[1].type = 'choice')),
    'spec.parameters[loraR].type is "choice" but must be one of "float", "int", "categorical"',
  ],
  [
    'step not dividing',
    bad((d) => d.spec.parameters.push({ name: 'loraDropout', type: 'float', min: 0, max: 0.1, step: 0.03 })),
    'spec.parameters[loraDropout].step is 0.03 but must divide max - min (0.1)',
  ],
  ['no parameters', bad((d) => (d.spec.parameters = [])), 'spec.parameters has 0 items but must have >= 1'],
  ['missing objective', bad((d) => delete d.spec.objective), 'spec.objective is required'],
  [
    'bad direction',
    bad((d) => (d.spec.objective.direction = 'down')),
    'spec.objective.direction is "down" but must be one of "minimize", "maximize"',
  ],
  [
    'typo in budget',
    bad((d) => (d.spec.budget = { maxTrial: 10 })),
    'spec.budget.maxTrial is not a known field (known here: maxTrials, parallelTrials, maxFailedTrials, maxTrialAttempts, noImprovementTrials, timeout, maxGpuHours)',
  ],
  [
    'typo inside a parameter',
    bad((d) => (d.spec.parameters[0].lg = true)),
    'spec.parameters[learningRate].lg is not a known field (known here: name, type, min, max, log, step)',
  ],
  [
    'parallel above max',
    bad((d) => (d.spec.budget = { maxTrials: 4, parallelTrials: 8 })),
    'spec.budget.parallelTrials is 8 but must be <= maxTrials (4)',
  ],
  [
    'failures never reached',
    bad((d) => (d.spec.budget = { maxTrials: 4, maxFailedTrials: 4 })),
    'spec.budget.maxFailedTrials is 4 but must be < maxTrials (4) to ever take effect',
  ],
  [
    'bad timeout',
    bad((d) => (d.spec.budget = { timeout: '3 hours' })),
    'spec.budget.timeout is "3 hours" but must be a duration such as 90m, 24h or 1h30m',
  ],
  ['zero trials', bad((d) => (d.spec.budget = { maxTrials: 0 })), 'spec.budget.maxTrials is 0 but must be > 0'],
  [
    'percentile without p',
    bad((d) => (d.spec.pruner = { algorithm: 'percentile' })),
    'spec.pruner.percentile is required for the percentile pruner',
  ],
  [
    'option of another pruner',
    bad((d) => (d.spec.pruner = { algorithm: 'median', reductionFactor: 3 })),
    'spec.pruner.reductionFactor is set but applies only to asha/hyperband, not median',
  ],
  [
    'threshold without bounds',
    bad((d) => (d.spec.pruner = { algorithm: 'threshold' })),
    'spec.pruner.lower is required for the threshold pruner (or upper, or both)',
  ],
  [
    'patient in patient',
    bad((d) => (d.spec.pruner = { algorithm: 'patient', patience: 2, wrapped: { algorithm: 'patient', patience: 1 } })),
    'spec.pruner.wrapped.algorithm is "patient" but a patient pruner cannot wrap another patient pruner',
  ],
  [
    'tpe option on random',
    bad((d) => (d.spec.sampler = { algorithm: 'random', startupTrials: 3 })),
    'spec.sampler.startupTrials is set but applies only to algorithms tpe and auto, not random',
  ],
  [
    'grid with a continuous float',
    bad((d) => (d.spec.sampler = { algorithm: 'grid' })),
    'spec.parameters[learningRate].step is missing but grid sampling needs a step for every float parameter',
  ],
  [
    'built-in trainer without model',
    bad((d) => delete d.spec.training.model),
    'spec.training.model is required by the built-in trainer (no trialTemplate.command)',
  ],
  [
    'unknown hyperparameter for the built-in trainer',
    bad((d) => d.spec.parameters.push({ name: 'temperature', type: 'float', min: 0, max: 1 })),
    'spec.parameters[temperature].name is "temperature" but the built-in trainer does not know it',
  ],
  [
    'bad study name',
    bad((d) => (d.metadata.name = 'My_Study')),
    'metadata.name is "My_Study" but must be a DNS label: lower-case letters, digits and -',
  ],
  [
    'Job names over 63 characters',
    bad((d) => ((d.metadata.name = 'a'.repeat(52)), (d.spec.budget = { maxTrials: 1_000_001, maxTrialAttempts: 10 }))),
    `spec.budget.maxTrials is 1000001 but must leave Job names within 63 characters: the last attempt of the last trial would be ${'a'.repeat(52)}-1000000-a10 (64)`,
  ],
  [
    'wrong apiVersion',
    bad((d) => (d.apiVersion = 'lorahpo.io/v1')),
    'apiVersion is "lorahpo.io/v1" but must be "lorahpo.io/v1alpha1"',
  ],
];

test('lorahpo validate › a valid manifest passes with exit 0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lorahpo-validate-'));
  writeFileSync(join(dir, 'ok.yaml'), yaml.dump(good));
  const { deps, output } = captureDeps(dir);
  assert.equal(await main(['validate', 'ok.yaml'], deps), 0);
  assert.equal(output().out, 'ok.yaml, document 1 (line 1), LoraStudy demo: valid\n');
});

test('lorahpo validate › Job names of exactly 63 characters pass', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lorahpo-validate-'));
  const longest = bad(
    (d) => ((d.metadata.name = 'a'.repeat(52)), (d.spec.budget = { maxTrials: 1_000_000, maxTrialAttempts: 10 })),
  );
  writeFileSync(join(dir, 'ok.yaml'), yaml.dump(longest));
  const { deps, output } = captureDeps(dir);
  assert.equal(await main(['validate', 'ok.yaml'], deps), 0, output().err);
});

for (const [name, doc, expected] of table) {
  test(`lorahpo validate › ${name}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorahpo-validate-'));
    writeFileSync(join(dir, 'study.yaml'), `# a comment\n---\n${yaml.dump(doc)}`);
    const { deps, output } = captureDeps(dir);
    assert.equal(await main(['validate', 'study.yaml'], deps), 1);
    const lines = output()
      .err.split('\n')
      .filter((line) => line.startsWith('study.yaml'));
    const prefix = `study.yaml, document 1 (line 3), LoraStudy ${(doc as typeof good).metadata.name}: `;
    assert.ok(
      lines.some((line) => line.startsWith(prefix + expected)),
      `expected "${expected}" in:\n${output().err}`,
    );
  });
}

test('lorahpo validate › every document of a multi-document file is checked and named; other kinds are skipped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lorahpo-validate-'));
  const second = bad((d) => ((d.metadata.name = 'two'), (d.spec.budget = { maxTrials: -1 })));
  writeFileSync(
    join(dir, 'many.yaml'),
    [
      yaml.dump(good),
      yaml.dump({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }),
      yaml.dump(second),
    ].join('---\n'),
  );
  const { deps, output } = captureDeps(dir);
  assert.equal(await main(['validate', 'many.yaml'], deps), 1);
  const { out, err } = output();
  assert.match(out, /many\.yaml, document 1 \(line 1\), LoraStudy demo: valid/);
  assert.match(out, /many\.yaml, document 2 \(line \d+\), ConfigMap x: skipped \(not a lorahpo resource\)/);
  assert.match(
    err,
    /many\.yaml, document 3 \(line \d+\), LoraStudy two: spec\.budget\.maxTrials is -1 but must be > 0/,
  );
  assert.match(err, /1 problem found/);
});

test('lorahpo validate › YAML syntax errors name the file and line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lorahpo-validate-'));
  writeFileSync(join(dir, 'broken.yaml'), 'kind: LoraStudy\nspec: [unclosed\n');
  const { deps, output } = captureDeps(dir);
  assert.equal(await main(['validate', 'broken.yaml'], deps), 1);
  assert.match(output().err, /^broken\.yaml:\d+:\d+: not valid YAML/);
});

test('lorahpo validate › every manifest in examples/ is valid', async () => {
  const examples = new URL('../../../examples/', import.meta.url).pathname;
  const files = readdirSync(examples).filter((file) => file.endsWith('.yaml'));
  assert.ok(files.length >= 3);
  const { deps, output } = captureDeps(examples);
  assert.equal(await main(['validate', ...files], deps), 0, output().err);
});
