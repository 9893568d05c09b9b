import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { main } from '../../../operator/src/cli/main.ts';
import type { CliDeps } from '../../../operator/src/cli/deps.ts';
import { writeFixtureStudy } from '../../fixtures/study.ts';

test('lorahpo run --json › one JSON event per line: starts, metrics, finishes, status; exit 0', async () => {
  const { dir } = writeFixtureStudy({ maxTrials: 3, parallelTrials: 2, maxSteps: 3 });
  let out = '';
  const deps: CliDeps = {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: () => {} },
    cwd: dir,
    env: process.env,
    signal: new AbortController().signal,
    now: () => new Date(),
  };
  assert.equal(await main(['run', 'study.yaml', '--json'], deps), 0);
  const events = out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  const types = new Set(events.map((event) => event.type));
  for (const type of ['started', 'metric', 'finished', 'status']) assert.ok(types.has(type), `no ${type} event`);
  assert.equal(events.filter((event) => event.type === 'started').length, 3);
  assert.equal(events.filter((event) => event.type === 'metric' && event.name === 'demo-0').length, 3);
  const last = events.filter((event) => event.type === 'status').at(-1);
  assert.equal(last.status.completionReason, 'MaxTrials');
  assert.ok(events.every((event) => typeof event.time === 'string'));
});

test('lorahpo run › a bad manifest exits 2 naming the field', async () => {
  const { dir } = writeFixtureStudy({ spec: { budget: { maxTrials: 0 } } });
  let err = '';
  const deps: CliDeps = {
    stdout: { write: () => {} },
    stderr: { write: (text: string) => (err += text) },
    cwd: dir,
    env: process.env,
    signal: new AbortController().signal,
    now: () => new Date(),
  };
  assert.equal(await main(['run', 'study.yaml'], deps), 2);
  assert.match(
    err,
    /study\.yaml, document 1 \(line \d+\), LoraStudy demo: spec\.budget\.maxTrials is 0 but must be > 0/,
  );
});

test('lorahpo run › resuming a state dir with a changed search space is refused; a changed budget is not', async () => {
  const { dir, manifest } = writeFixtureStudy({ maxTrials: 1, parallelTrials: 1, maxSteps: 1 });
  let err = '';
  const deps: CliDeps = {
    stdout: { write: () => {} },
    stderr: { write: (text: string) => (err += text) },
    cwd: dir,
    env: process.env,
    signal: new AbortController().signal,
    now: () => new Date(),
  };
  assert.equal(await main(['run', 'study.yaml'], deps), 0);
  const text = readFileSync(manifest, 'utf8');
  writeFileSync(manifest, text.replace('maxTrials: 1', 'maxTrials: 2'));
  assert.equal(await main(['run', 'study.yaml'], deps), 0, err);
  writeFileSync(manifest, text.replace('max: 1', 'max: 2'));
  assert.equal(await main(['run', 'study.yaml'], deps), 2);
  assert.match(
    err,
    /holds study demo with a different spec\.parameters; these cannot change once trials have run\n {2}hint: use another --state-dir/,
  );
});
