/**
 * docs/trainer-contract.md is what an outside team writes a trainer from, so its facts are read
 * from the code here: the variables the runners set and the trainer reads, the line types and
 * their fields, the exit codes, the local runner's failure reasons and the defaults it quotes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_RESULT_FILE, ENV, trialEnvironment } from '../../trainer/src/contract/env.ts';
import { ERROR_CODES } from '../../trainer/src/contract/errors.ts';
import { TrainerEventSchema } from '../../trainer/src/contract/events.ts';
import { EXIT_CODES, exitCodeOf } from '../../trainer/src/exit-codes.ts';
import { CHECKPOINT_DIR, CHECKPOINT_FILE } from '../../trainer/src/io/training-checkpoint.ts';
import { DEFAULT_OUTPUT_BASE } from '../../operator/src/api/output-volume.ts';
import { DEFAULT_MAX_TRIAL_ATTEMPTS } from '../../operator/src/api/study.ts';
import { MAX_INTERMEDIATE_VALUES } from '../../operator/src/api/trial.ts';
import { defaultLocalRunnerOptions } from '../../operator/src/runner/local-runner.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const DOC = readFileSync(join(ROOT, 'docs/trainer-contract.md'), 'utf8');
const PARAM_ROW = `${ENV.paramPrefix}<NAME>`;

/** The text from a `## ` or `### ` heading to the next heading of that level or above. */
function section(heading: string): string {
  const start = DOC.indexOf(`\n${heading}\n`);
  assert.notEqual(start, -1, `docs/trainer-contract.md has no "${heading}"`);
  const level = heading.split(' ')[0];
  const rest = DOC.slice(start + heading.length + 2);
  const next = rest.search(new RegExp(`^#{2,${level.length}} `, 'm'));
  return next === -1 ? rest : rest.slice(0, next);
}

/** The first column of a section's table rows, without the backticks. */
function firstColumn(text: string): string[] {
  return [...text.matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1]);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(dir, file));
}

/** Every LORAHPO_ name in the trainer and in the code that builds a trial's environment. */
function variablesInSource(): Set<string> {
  const files = [
    ...sourceFiles('trainer/src'),
    ...sourceFiles('operator/src/runner'),
    ...sourceFiles('operator/src/controller').filter((file) => /\/trial-[a-z-]+\.ts$/.test(file)),
  ];
  const errorCodes = new Set<string>(ERROR_CODES);
  const names = new Set<string>();
  for (const file of files)
    for (const [name] of readFileSync(join(ROOT, file), 'utf8').matchAll(/LORAHPO_[A-Z0-9_]+/g))
      if (!errorCodes.has(name)) names.add(name.startsWith(ENV.paramPrefix) ? PARAM_ROW : name);
  return names;
}

/** What the runners set: the contract environment of a trial with every input given. */
function variablesSet(): Set<string> {
  const env = trialEnvironment({
    trial: 't',
    seed: 1,
    params: { learningRate: 0.1 },
    training: {},
    resultFile: '/r',
    outputDir: '/o',
    attempt: 2,
  });
  return new Set(Object.keys(env).map((name) => (name.startsWith(ENV.paramPrefix) ? PARAM_ROW : name)));
}

test('trainer contract doc › documents exactly the LORAHPO_ variables the code sets and reads', () => {
  const documented = firstColumn(section('## Input: environment variables')).sort();
  const inCode = [...new Set([...variablesSet(), ...variablesInSource(), ...Object.values(ENV)])]
    .map((name) => (name === ENV.paramPrefix ? PARAM_ROW : name))
    .filter((name, i, all) => all.indexOf(name) === i)
    .sort();
  assert.deepEqual(documented, inCode);
});

test('trainer contract doc › has a section for every line type, with a row for every field', () => {
  const output = section('## Output: stdout lines');
  const documented = [...output.matchAll(/^### `(\w+)`/gm)].map((match) => match[1]).sort();
  const types = TrainerEventSchema.options.map((schema) => schema.shape.type.value).sort();
  assert.deepEqual(documented, types);
  for (const schema of TrainerEventSchema.options) {
    const type = schema.shape.type.value;
    const heading = output.split('\n').find((line) => line.startsWith(`### \`${type}\``)) as string;
    assert.deepEqual(firstColumn(section(heading)).sort(), Object.keys(schema.shape).sort(), type);
  }
});

test("trainer contract doc › lists the built-in trainer's exit codes and which error codes give which", () => {
  const rows = section('## Exit codes')
    .split('\n')
    .filter((line) => /^\| `\d+` \|/.test(line));
  const row = new Map(rows.map((line) => [Number(/`(\d+)`/.exec(line)?.[1]), line]));
  assert.deepEqual([...row.keys()].sort(), Object.values(EXIT_CODES).sort());
  for (const code of ERROR_CODES) {
    const exit = exitCodeOf(code);
    for (const [other, line] of row)
      if (other !== exit) assert.ok(!line.includes(code), `${code} exits ${exit}, but the row of ${other} names it`);
    if (exit !== EXIT_CODES.unusableInput) assert.ok(row.get(exit)?.includes(code), `the row of ${exit} names ${code}`);
  }
});

test('trainer contract doc › names every reason the local runner fails a trial with', () => {
  const source = readFileSync(join(ROOT, 'operator/src/runner/trial-process.ts'), 'utf8');
  const reasons = new Set(
    [...source.matchAll(/reason: '(\w+)'|#fail\(\s*'(\w+)'/g)].map((match) => match[1] ?? match[2]),
  );
  assert.ok(reasons.size >= 5, `found only ${[...reasons]}`);
  const missing = [...reasons].filter((reason) => !section('## Exit codes').includes(`\`${reason}\``));
  assert.deepEqual(missing, []);
});

test('trainer contract doc › quotes the defaults and the checkpoint path the code has', () => {
  const expected = [
    `\`${DEFAULT_RESULT_FILE}\``,
    `else \`${DEFAULT_OUTPUT_BASE}\``,
    `maxTrialAttempts\` (default ${DEFAULT_MAX_TRIAL_ATTEMPTS})`,
    `(default ${defaultLocalRunnerOptions().graceMs / 1000})`,
    `keeps the ${MAX_INTERMEDIATE_VALUES} most recent`,
    `\`<${ENV.outputDir}>/${CHECKPOINT_DIR}/${CHECKPOINT_FILE}\``,
  ];
  const flat = DOC.replace(/\s+/g, ' ');
  assert.deepEqual(
    expected.filter((text) => !flat.includes(text)),
    [],
  );
});
