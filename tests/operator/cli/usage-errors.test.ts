import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../../operator/src/cli/main.ts';
import type { CliDeps } from '../../../operator/src/cli/deps.ts';
import { writeFixtureStudy } from '../../fixtures/study.ts';

test('lorahpo › usage errors exit 2: a bad --grace, an unknown flag, an unknown command, a missing argument', async () => {
  const { dir } = writeFixtureStudy({ maxTrials: 1, parallelTrials: 1, maxSteps: 1 });
  const cases: [string[], RegExp][] = [
    [['run', 'study.yaml', '--grace', 'abc'], /--grace is "abc" but must be a number of seconds >= 0/],
    [['run', 'study.yaml', '--grace', '-5'], /--grace is "-5" but must be/],
    [['run', 'study.yaml', '--no-such-flag'], /unknown option/],
    [['no-such-command'], /unknown command/],
    [['run'], /missing required argument/],
  ];
  for (const [args, message] of cases) {
    let err = '';
    const deps: CliDeps = {
      stdout: { write: () => {} },
      stderr: { write: (text: string) => (err += text) },
      cwd: dir,
      env: process.env,
      signal: new AbortController().signal,
      now: () => new Date(),
    };
    assert.equal(await main(args, deps), 2, `${args.join(' ')}: ${err}`);
    assert.match(err, message);
  }
});
