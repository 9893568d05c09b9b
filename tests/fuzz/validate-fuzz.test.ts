/**
 * Seeded property tests of validation: manifests that are valid, near-valid (one field mutated,
 * deleted or added, under known and prototype names) and hostile (alias bombs, deep nesting,
 * random text). `validate`'s path never throws anything but a LorahpoError, every issue of a
 * mapping names a path, and each case stays under a time and memory bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as yaml from 'js-yaml';
import { parseManifests } from '../../operator/src/api/manifest-file.ts';
import { checkStudyManifest } from '../../operator/src/api/validate-study.ts';
import { LorahpoError, type Issue } from '../../operator/src/errors.ts';
import { fuzzOptions } from './fuzz-options.ts';

const MAX_MS = 1000;
const MAX_HEAP_BYTES = 1024 * 1024 * 1024;

const base = () => ({
  apiVersion: 'lorahpo.io/v1alpha1',
  kind: 'LoraStudy',
  metadata: { name: 'demo' },
  spec: {
    objective: { metric: 'eval_loss', direction: 'minimize' },
    parameters: [
      { name: 'learningRate', type: 'float', min: 1e-5, max: 1e-3, log: true },
      { name: 'loraR', type: 'categorical', values: [8, 16] },
      { name: 'loraAlpha', type: 'int', min: 1, max: 9 },
    ],
    sampler: { algorithm: 'tpe', seed: 1 },
    pruner: { algorithm: 'median' },
    budget: { maxTrials: 8, parallelTrials: 2, timeout: '1h' },
    training: { model: './model', dataset: './data.jsonl' },
  } as Record<string, unknown>,
});

const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'prototype',
  'specs',
  'maxTrial',
  '',
];
const KNOWN_KEYS = [
  'min',
  'max',
  'step',
  'log',
  'type',
  'name',
  'values',
  'algorithm',
  'seed',
  'maxTrials',
  'parallelTrials',
  'timeout',
  'metric',
  'direction',
  'command',
  'model',
  'dataset',
  'percentile',
  'wrapped',
  'grid',
];
const PATHS = [
  '',
  'metadata',
  'spec',
  'spec.objective',
  'spec.parameters',
  'spec.parameters.0',
  'spec.parameters.1',
  'spec.parameters.2',
  'spec.sampler',
  'spec.pruner',
  'spec.budget',
  'spec.training',
];

const hostileNumber = fc.oneof(
  fc.double(),
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, 1e-320, 0, -0, 1e9, 1e-12),
  fc.integer(),
);
const value = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: hostileNumber },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'grid',
      'tpe',
      'random',
      'asha',
      'hyperband',
      'percentile',
      'patient',
      'threshold',
      '30d',
      `${'9'.repeat(400)}d`,
      'categorical',
      'int',
      'float',
    ),
  },
);

/** A near-valid manifest: one to three edits of the valid one. */
const mutated = fc
  .array(
    fc.tuple(
      fc.constantFrom(...PATHS),
      fc.constantFrom(...KNOWN_KEYS, ...HOSTILE_KEYS),
      fc.option(value, { nil: undefined }),
    ),
    { minLength: 1, maxLength: 3 },
  )
  .map((edits) => {
    const doc = base() as Record<string, unknown>;
    for (const [path, key, newValue] of edits) {
      let target: unknown = doc;
      for (const part of path.split('.').filter(Boolean))
        target = (target as Record<string, unknown> | undefined)?.[part];
      if (target === null || typeof target !== 'object') continue;
      if (newValue === undefined) delete (target as Record<string, unknown>)[key];
      else
        Object.defineProperty(target, key, { value: newValue, enumerable: true, writable: true, configurable: true });
    }
    return yaml.dump(doc, { skipInvalid: true });
  });

/** An alias bomb: `depth` levels of `width` aliases of the level below, under a random field. */
const aliasBomb = fc
  .record({
    width: fc.integer({ min: 2, max: 12 }),
    depth: fc.integer({ min: 2, max: 12 }),
    at: fc.constantFrom('metadata', 'spec'),
  })
  .map(({ width, depth, at }) => {
    const lines = ['    l0: &l0 x'];
    for (let level = 1; level < depth; level += 1)
      lines.push(
        `    l${level}: &l${level} [${Array(width)
          .fill(`*l${level - 1}`)
          .join(', ')}]`,
      );
    const text = yaml.dump(base());
    return text.replace(`${at}:\n`, `${at}:\n  bomb:\n${lines.join('\n')}\n`);
  });

const deepNesting = fc
  .integer({ min: 100, max: 5000 })
  .map((depth) => `spec: ${'['.repeat(depth)}${']'.repeat(depth)}\n`);
const randomText = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.constantFrom('', '---', '--- \n---\n', '~', '[]', '"x"', '&a [*a]', '!!binary x'),
);

const manifestText = fc.oneof(
  { weight: 5, arbitrary: mutated },
  { weight: 2, arbitrary: aliasBomb },
  { weight: 1, arbitrary: deepNesting },
  { weight: 2, arbitrary: randomText },
);

/** What `lorahpo validate` does with a file's text, less the reading: each document's issues. */
function validateText(text: string): { isMapping: boolean; issues: Issue[] }[] {
  try {
    return parseManifests(text, 'fuzz.yaml').map((entry) => ({
      isMapping: typeof entry.doc === 'object' && entry.doc !== null && !Array.isArray(entry.doc),
      issues: checkStudyManifest(entry.doc).issues,
    }));
  } catch (error) {
    if (error instanceof LorahpoError) return [];
    throw new Error(`validate threw ${(error as Error)?.name}: ${(error as Error)?.message}`, { cause: error });
  }
}

function checkText(text: string): void {
  const started = performance.now();
  for (const { isMapping, issues } of validateText(text)) {
    for (const issue of issues) {
      assert.ok(typeof issue.message === 'string' && issue.message.length > 0, 'an issue without a message');
      if (isMapping) assert.ok(issue.path.length > 0, `an issue without a path: ${issue.message}`);
    }
  }
  const ms = performance.now() - started;
  assert.ok(ms < MAX_MS, `took ${Math.round(ms)} ms`);
  assert.ok(process.memoryUsage().heapUsed < MAX_HEAP_BYTES, 'heap past 1 GiB');
}

test('fuzz › validate never throws but a LorahpoError, names a path, and stays in bounds', () => {
  fc.assert(fc.property(manifestText, checkText), fuzzOptions(400));
});

test('fuzz › the valid manifest itself is valid (the generators start from a real study)', () => {
  const [entry] = parseManifests(yaml.dump(base()), 'fuzz.yaml');
  assert.deepEqual(checkStudyManifest(entry.doc).issues, []);
});
