import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { main } from '../../../operator/src/cli/main.ts';
import type { CliDeps } from '../../../operator/src/cli/deps.ts';

async function validate(text: string | Buffer): Promise<{ code: number; out: string; err: string; ms: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'lorahpo-hostile-'));
  writeFileSync(join(dir, 'study.yaml'), text);
  let out = '';
  let err = '';
  const deps: CliDeps = {
    stdout: { write: (chunk: string) => (out += chunk) },
    stderr: { write: (chunk: string) => (err += chunk) },
    cwd: dir,
    env: {},
    signal: new AbortController().signal,
    now: () => new Date('2026-01-01T00:00:00Z'),
  };
  const started = Date.now();
  const code = await main(['validate', 'study.yaml'], deps);
  return { code, out, err, ms: Date.now() - started };
}

const good = () => ({
  apiVersion: 'lorahpo.io/v1alpha1',
  kind: 'LoraStudy',
  metadata: { name: 'demo' },
  spec: {
    objective: { metric: 'eval_loss', direction: 'minimize' },
    parameters: [{ name: 'x', type: 'float', min: 0, max: 1 }],
    trialTemplate: { command: ['python', 'train.py'] },
  } as Record<string, any>,
});

function withSpec(change: (spec: Record<string, any>) => void): string {
  const doc = good();
  change(doc.spec);
  return yaml.dump(doc);
}

/** An alias bomb: ten levels of ten aliases each, 10^10 values once expanded. */
function aliasBomb(at: 'metadata' | 'resources'): string {
  const levels = ['    l0: &l0 ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let level = 1; level < 10; level += 1)
    levels.push(
      `    l${level}: &l${level} [${Array(10)
        .fill(`*l${level - 1}`)
        .join(',')}]`,
    );
  const text = yaml.dump(good());
  if (at === 'metadata') return text.replace('metadata:\n', `metadata:\n  annotations:\n${levels.join('\n')}\n`);
  return text.replace(
    'trialTemplate:\n',
    `trialTemplate:\n    resources:\n${levels.map((line) => `  ${line}`).join('\n')}\n`,
  );
}

const table: [string, string | Buffer, RegExp][] = [
  [
    'grid int 0..1e9 (counted, not built)',
    withSpec(
      (s) => ((s.sampler = { algorithm: 'grid' }), (s.parameters = [{ name: 'n', type: 'int', min: 0, max: 1e9 }])),
    ),
    /spec\.parameters: grid has 1000000001 points but grid sampling allows at most 1000000/,
  ],
  [
    'grid float step 1e-12',
    withSpec(
      (s) => (
        (s.sampler = { algorithm: 'grid' }),
        (s.parameters = [{ name: 'x', type: 'float', min: 0, max: 1, step: 1e-12 }])
      ),
    ),
    /grid has \d+ points but grid sampling allows at most/,
  ],
  [
    'float range ±1e308',
    withSpec((s) => (s.parameters = [{ name: 'x', type: 'float', min: -1e308, max: 1e308 }])),
    /spec\.parameters\[x\]\.max.*beyond the largest float/,
  ],
  [
    'int range past 2^53',
    withSpec((s) => (s.parameters = [{ name: 'n', type: 'int', min: 0, max: 2 ** 60 }])),
    /spec\.parameters\[n\]\.max is \d+ but must be <= 9007199254740991/,
  ],
  [
    'unknown field toString',
    withSpec((s) => (s.budget = { toString: 1 })),
    /spec\.budget\.toString is not a known field/,
  ],
  [
    'unknown field constructor',
    withSpec((s) => (s.objective.constructor = 'x')),
    /spec\.objective\.constructor is not a known field/,
  ],
  [
    'unknown field hasOwnProperty',
    withSpec((s) => Object.defineProperty(s, 'hasOwnProperty', { value: true, enumerable: true })),
    /spec\.hasOwnProperty is not a known field/,
  ],
  [
    'unknown field __proto__',
    yaml.dump(good()).replace('  objective:\n', '  __proto__:\n    type: x\n  objective:\n'),
    /spec\.__proto__ is not a known field/,
  ],
  [
    'alias bomb in metadata',
    aliasBomb('metadata'),
    /document 1 \(line 1\): expands to more than 100000 values through YAML aliases/,
  ],
  [
    'alias bomb in trialTemplate.resources',
    aliasBomb('resources'),
    /expands to more than 100000 values through YAML aliases/,
  ],
  ['self-referring alias', 'a: &a [*a]\n', /refers to itself through a YAML alias/],
  [
    'an endless timeout',
    withSpec((s) => (s.budget = { timeout: `${'9'.repeat(400)}d` })),
    /spec\.budget\.timeout is "9+" but must be a finite duration/,
  ],
  [
    'kind LoraStdy',
    yaml.dump({ ...good(), kind: 'LoraStdy' }),
    /LoraStdy demo: kind is "LoraStdy" but must be "LoraStudy"/,
  ],
  ['no kind', yaml.dump({ ...good(), kind: undefined }), /kind is missing \(expected kind: LoraStudy\)/],
  ['an empty file', '', /study\.yaml: holds no documents/],
  ['only comments', '# nothing here\n', /study\.yaml: holds no documents/],
  ['a scalar', 'hello\n', /is the string "hello", not a Kubernetes object/],
  ['a list', '- 1\n- 2\n', /is a list, not a Kubernetes object/],
  [
    'only another resource',
    yaml.dump({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }),
    /study\.yaml: holds no LoraStudy/,
  ],
  [
    'top-level typo specs:',
    yaml.dump({ ...good(), specs: { budget: {} } }),
    /LoraStudy demo: specs is not a known field \(known here: apiVersion, kind, metadata, spec, status\)/,
  ],
  [
    'Latin-1 bytes (an é in a comment)',
    Buffer.from(`# r\u00e9glages\n${yaml.dump(good())}`, 'latin1'),
    /study\.yaml: is not UTF-8 text \(YAML must be\); convert it/,
  ],
];

for (const [name, text, expected] of table) {
  test(`lorahpo validate, hostile › ${name}: exit 1, a line naming it, in bounded time`, async () => {
    const { code, err, ms } = await validate(text);
    assert.equal(code, 1, err);
    assert.match(err, expected);
    assert.doesNotMatch(err, /\n\s+at |Cannot read properties|Invalid (array|string) length/);
    assert.ok(ms < 2000, `took ${ms} ms`);
  });
}

test('lorahpo validate, hostile › a UTF-8 byte-order mark before the first key is valid', async () => {
  const { code, err } = await validate(`\ufeff${yaml.dump(good())}`);
  assert.equal(code, 0, err);
});

test('lorahpo validate, hostile › a 30-day timeout is valid (timers re-arm past 24.8 days)', async () => {
  const { code, err } = await validate(withSpec((s) => (s.budget = { timeout: '30d' })));
  assert.equal(code, 0, err);
});

/** A study for the built-in trainer (no trialTemplate.command) with these parameters. */
function builtIn(parameters: unknown[]): string {
  const doc = good();
  doc.spec.parameters = parameters;
  doc.spec.trialTemplate = undefined;
  doc.spec.training = { model: './model', dataset: './data.jsonl' };
  return yaml.dump(doc);
}

const builtInTable: [string, unknown[], RegExp][] = [
  [
    'batchSize (a training setting, not a param)',
    [{ name: 'batchSize', type: 'int', min: 1, max: 8 }],
    /spec\.parameters\[batchSize\]\.name is "batchSize" but the built-in trainer does not know it/,
  ],
  [
    'model as a param',
    [{ name: 'model', type: 'categorical', values: ['a'] }],
    /spec\.parameters\[model\]\.name is "model" but the built-in trainer does not know it/,
  ],
  [
    'float loraR',
    [{ name: 'loraR', type: 'float', min: 4, max: 16 }],
    /spec\.parameters\[loraR\]: takes fractional values such as [\d.]+ but the built-in trainer's loraR must be/,
  ],
  [
    'loraDropout up to 1.5',
    [{ name: 'loraDropout', type: 'float', min: 0, max: 1.5 }],
    /spec\.parameters\[loraDropout\]: may be 1\.5 but the built-in trainer's loraDropout must be/,
  ],
  [
    'scheduler foo',
    [{ name: 'scheduler', type: 'categorical', values: ['cosine', 'foo'] }],
    /spec\.parameters\[scheduler\]: may be "foo" but the built-in trainer's scheduler must be/,
  ],
  [
    'a negative learning rate',
    [{ name: 'learningRate', type: 'float', min: -1, max: 1 }],
    /spec\.parameters\[learningRate\]: may be -1 but the built-in trainer's learningRate must be/,
  ],
  [
    'learningRate and learning_rate',
    [
      { name: 'learningRate', type: 'float', min: 1e-5, max: 1e-3 },
      { name: 'learning_rate', type: 'float', min: 1e-5, max: 1e-3 },
    ],
    /spec\.parameters\[learning_rate\]\.name is "learning_rate" but reaches the trainer as LORAHPO_PARAM_LEARNING_RATE, like "learningRate"/,
  ],
];

for (const [name, parameters, expected] of builtInTable) {
  test(`lorahpo validate, built-in trainer › ${name} is refused`, async () => {
    const { code, err } = await validate(builtIn(parameters));
    assert.equal(code, 1, err);
    assert.match(err, expected);
  });
}

test('lorahpo validate › params that map to one environment variable are refused for any trainer', async () => {
  const { code, err } = await validate(
    withSpec(
      (s) =>
        (s.parameters = [
          { name: 'lr', type: 'float', min: 0, max: 1 },
          { name: 'LR', type: 'float', min: 0, max: 1 },
        ]),
    ),
  );
  assert.equal(code, 1, err);
  assert.match(err, /spec\.parameters\[LR\]\.name is "LR" but reaches the trainer as LORAHPO_PARAM_LR, like "lr"/);
});
