import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { VERSION } from '../../operator/src/version.ts';
import { DEFAULT_TRAINER_IMAGE } from '../../operator/src/controller/trial-job.ts';
import { main } from '../../operator/src/cli/main.ts';

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

test('version › the CLI and the default trainer image follow package.json', async () => {
  assert.equal(VERSION, manifest.version);
  assert.equal(DEFAULT_TRAINER_IMAGE, `lorahpo-trainer:${manifest.version}`);
  let printed = '';
  const stdout = { write: (text: string) => ((printed += text), true), isTTY: false };
  const deps = {
    stdout,
    stderr: stdout,
    cwd: process.cwd(),
    env: {},
    signal: new AbortController().signal,
    now: () => new Date(0),
  };
  const code = await main(['--version'], deps);
  assert.equal(code, 0);
  assert.equal(printed.trim(), manifest.version);
});
