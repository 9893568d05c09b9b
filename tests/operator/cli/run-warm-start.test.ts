import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { main } from '../../../operator/src/cli/main.ts';
import { TtyView } from '../../../operator/src/cli/view/tty-view.ts';
import type { CliDeps } from '../../../operator/src/cli/deps.ts';
import { fixtureStudy, writeFixtureStudy } from '../../fixtures/study.ts';

function cli(dir: string) {
  const out = { stdout: '', stderr: '' };
  const deps: CliDeps = {
    stdout: { write: (text: string) => (out.stdout += text) },
    stderr: { write: (text: string) => (out.stderr += text) },
    cwd: dir,
    env: process.env,
    signal: new AbortController().signal,
    now: () => new Date(),
  };
  return { deps, out };
}

function jsonEvents(text: string) {
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

const quick = { maxSteps: 2, stepMs: 1, parallelTrials: 1, spec: { pruner: { algorithm: 'none' } } };

test('lorahpo run › warmStart: enqueued sets first, an earlier local study as history, counted once on resume', async () => {
  const { dir } = writeFixtureStudy({ ...quick, name: 'old', maxTrials: 6 });
  const old = cli(dir);
  assert.equal(await main(['run', 'study.yaml', '--json'], old.deps), 0, old.out.stderr);
  const finished = jsonEvents(old.out.stdout).filter((event) => event.type === 'finished');
  const complete = finished.filter((event) => event.trial.status.phase === 'Succeeded');
  assert.ok(complete.length > 0);

  const warmStart = { parameters: [{ x: 0.3, kind: 'a' }, { x: -0.5 }], fromStudies: ['old'] };
  const spec = { ...(fixtureStudy({ ...quick, maxTrials: 3 }).spec as object), warmStart };
  writeFileSync(join(dir, 'warm.yaml'), yaml.dump({ ...fixtureStudy({ ...quick }), spec }));
  const warm = cli(dir);
  assert.equal(await main(['run', 'warm.yaml', '--json'], warm.deps), 0, warm.out.stderr);
  const events = jsonEvents(warm.out.stdout);
  const started = events.filter((event) => event.type === 'started').map((event) => event.trial.spec.params);
  assert.equal(started.length, 3);
  assert.deepEqual(started[0], { x: 0.3, kind: 'a' });
  assert.equal(started[1].x, -0.5);
  assert.ok(['a', 'b'].includes(started[1].kind));
  const last = events.filter((event) => event.type === 'status').at(-1).status;
  const expected = { enqueued: 2, enqueuedTried: 2, history: complete.length, skipped: 0 };
  assert.deepEqual(last.warmStart, expected);

  // Run again: the finished study resumes, starts nothing and counts the history once.
  const again = cli(dir);
  assert.equal(await main(['run', 'warm.yaml', '--json'], again.deps), 0, again.out.stderr);
  const rerun = jsonEvents(again.out.stdout);
  assert.equal(rerun.filter((event) => event.type === 'started').length, 0);
  assert.deepEqual(rerun.filter((event) => event.type === 'status').at(-1).status.warmStart, expected);

  // The plain and the live views show it as lorahpo status does.
  const line = `warm start: 2/2 enqueued sets tried, ${complete.length} earlier trials as history`;
  const plain = cli(dir);
  assert.equal(await main(['run', 'warm.yaml', '--plain'], plain.deps), 0, plain.out.stderr);
  assert.equal(plain.out.stdout.split('\n').filter((text) => text.endsWith(`] ${line}`)).length, 1, plain.out.stdout);
  let live = '';
  const view = new TtyView({ write: (text: string) => (live += text), isTTY: true, columns: 200 }, 'eval_loss', 'warm');
  view.onEvent({ type: 'status', status: last, trials: [] });
  view.close();
  assert.ok(live.includes(`${line}\n`), live);

  // lorahpo status reads the earlier study beside it too.
  const status = cli(dir);
  assert.equal(await main(['status', join('.lorahpo', 'demo')], status.deps), 0, status.out.stderr);
  assert.ok(status.out.stdout.includes(`${line}\n`), status.out.stdout);
});

test('lorahpo run › warmStart.fromStudies naming no study beside this one exits 2 with the field path', async () => {
  const { dir } = writeFixtureStudy({ ...quick, maxTrials: 1, spec: { warmStart: { fromStudies: ['nope'] } } });
  const run = cli(dir);
  assert.equal(await main(['run', 'study.yaml'], run.deps), 2);
  assert.match(
    run.out.stderr,
    /spec\.warmStart\.fromStudies\[0\] is "nope" but must name a study run with lorahpo run beside this one: .*\.lorahpo\/nope holds no journal/,
  );
});
