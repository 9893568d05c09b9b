import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../operator/src/cli/main.ts';
import type { CliDeps } from '../../../operator/src/cli/deps.ts';
import { progressBar } from '../../../operator/src/cli/progress-bar.ts';
import { writeFixtureStudy } from '../../fixtures/study.ts';

function deps(cwd: string): CliDeps & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    cwd,
    env: process.env,
    signal: new AbortController().signal,
    now: () => new Date(),
    out: () => out,
    err: () => err,
  };
}

test('progress bar › fills by share, clamps, and shows the count', () => {
  assert.equal(progressBar(3, 10, 10), '[███░░░░░░░] 3/10 (30 %)');
  assert.equal(progressBar(12, 10, 4), '[████] 12/10 (100 %)');
  assert.equal(progressBar(0, 0, 2), '[░░] 0/0 (0 %)');
});

test('lorahpo status --watch › follows a running study frame by frame and returns once it has ended', async () => {
  const { dir } = writeFixtureStudy({ maxTrials: 6, parallelTrials: 2, maxSteps: 4, stepMs: 60 });
  const runner = deps(dir);
  const run = main(['run', 'study.yaml', '--json'], runner);
  const journal = join(dir, '.lorahpo', 'demo', 'journal.jsonl');
  while (!existsSync(journal) || !readFileSync(journal, 'utf8').includes('"started"'))
    await new Promise((done) => setTimeout(done, 20));
  const watcher = deps(dir);
  assert.equal(await main(['status', '--watch', '--interval-ms', '100'], watcher), 0, watcher.err());
  assert.equal(await run, 0, runner.err());
  const frames = watcher
    .out()
    .split('\n\n')
    .filter((frame) => frame.startsWith('study demo'));
  assert.ok(frames.length >= 3, `only ${frames.length} frames`);
  assert.match(frames[0], /^study demo: Running {2}\[█*░+\] [0-5]\/6/);
  assert.match(frames.at(-1) ?? '', /^study demo: Succeeded \(MaxTrials\) {2}\[█{30}\] 6\/6 \(100 %\)/);
  assert.match(frames.at(-1) ?? '', /best eval_loss .* at demo-\d+/);
});

test('lorahpo report › a state directory without a journal, or -n without a study name, is a usage error', async () => {
  const empty = deps(mkdtempSync(join(tmpdir(), 'lorahpo-report-')));
  assert.equal(await main(['report', 'nowhere'], empty), 2);
  assert.match(empty.err(), /lorahpo report: .*nowhere holds no study journal/);
  assert.equal(await main(['report', '-n', 'hpo'], empty), 2);
  assert.match(empty.err(), /name the study: lorahpo report <study> -n <namespace>/);
});
