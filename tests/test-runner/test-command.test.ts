import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The flags of the README's test command (`npm test`), without `node` and the file glob. */
function testCommandFlags(): string[] {
  const script = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { test: string } })
    .scripts.test;
  const words = script.split(/\s+/);
  assert.equal(words[0], 'node');
  return words.slice(1).filter((word) => !word.startsWith("'")); // the quoted glob
}

test('npm test › every verdict of a file with many tests reaches the runner under --test-force-exit', () => {
  // Long names make the verdicts outgrow the pipe's buffer, where an early exit would cut them.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lorahpo-test-command-'));
  const file = path.join(dir, 'many.test.mjs');
  const name = (i: number) => `t${i} ${'x'.repeat(2000)}`;
  const tests = Array.from({ length: 200 }, (_, i) => `test(${JSON.stringify(name(i + 1))}, () => {});`);
  writeFileSync(file, ["import test from 'node:test';", ...tests, ''].join('\n'));
  const flags = testCommandFlags();
  assert.ok(flags.includes('--test-force-exit'), 'the case this guards against');
  // a runner of its own: without this it would take itself for one of this runner's file processes
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const run = spawnSync(process.execPath, [...flags, file], { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /ℹ tests 200\n/, run.stdout.slice(-400));
  assert.match(run.stdout, /ℹ pass 200\n/);
});
