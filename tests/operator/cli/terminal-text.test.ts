import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../../operator/src/cli/main.ts';
import type { CliDeps } from '../../../operator/src/cli/deps.ts';
import { escapeControl } from '../../../operator/src/cli/terminal-text.ts';
import { TtyView } from '../../../operator/src/cli/view/tty-view.ts';
import { terminalSafe } from '../../../operator/src/cli/terminal-text.ts';
import { writeFixtureStudy } from '../../fixtures/study.ts';

const HOSTILE = 'a\u001b]0;pwned\u0007b\u001b[2Jc\u009bd\u202ee\rf';

test('terminal text › control characters, C1 codes and bidi overrides are shown, not obeyed; tab and newline stay', () => {
  assert.equal(escapeControl(HOSTILE), 'a\\u001b]0;pwned\\u0007b\\u001b[2Jc\\u009bd\\u202ee\\u000df');
  assert.equal(escapeControl('x\ty\nz'), 'x\ty\nz');
});

test('terminal text › lorahpo run and status print a categorical value holding escape codes escaped', async () => {
  const { dir } = writeFixtureStudy({
    maxTrials: 1,
    parallelTrials: 1,
    maxSteps: 1,
    spec: {
      parameters: [
        { name: 'x', type: 'float', min: -1, max: 1 },
        { name: 'kind', type: 'categorical', values: [HOSTILE] },
      ],
    },
  });
  for (const args of [['run', 'study.yaml', '--plain'], ['status']]) {
    let out = '';
    const deps: CliDeps = {
      stdout: { write: (text: string) => (out += text) },
      stderr: { write: (text: string) => (out += text) },
      cwd: dir,
      env: process.env,
      signal: new AbortController().signal,
      now: () => new Date(),
    };
    assert.equal(await main(args, deps), 0, out);
    assert.match(out, /kind=a\\u001b\]0;pwned\\u0007b/, args.join(' '));
    assert.doesNotMatch(
      out,
      /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/,
      `${args.join(' ')}: a raw control character got through`,
    );
  }
});

test('terminal text › the live view keeps its own cursor codes but escapes the text it draws', () => {
  let out = '';
  const view = new TtyView(
    terminalSafe({ write: (text: string) => (out += text), isTTY: true, columns: 200 }),
    'eval_loss',
    'demo',
  );
  view.onEvent({ type: 'repaired', message: HOSTILE });
  view.onEvent({ type: 'status', status: { phase: 'Running', conditions: [], progress: '0/1' }, trials: [] });
  view.close();
  assert.match(out, /\u001b\[0J/, 'its own clear-screen code goes out raw');
  assert.match(out, /a\\u001b\]0;pwned/);
  assert.doesNotMatch(out, /\u001b\]0;pwned|\u001b\[2J/);
});
