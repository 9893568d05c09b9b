import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isProcessAlive } from '../../../operator/src/runner/is-process-alive.ts';

const MODULE = fileURLToPath(new URL('../../../operator/src/runner/is-process-alive.ts', import.meta.url));

test('isProcessAlive › a running process is alive; one that exited but is not reaped yet (a zombie) is not', {
  skip: process.platform !== 'linux',
}, () => {
  assert.equal(isProcessAlive(process.pid), true);
  // The shell starts a short sleep, then becomes a Node that never waits for it: once the sleep
  // exits it stays a zombie, as killed orphans do until init reaps them.
  const check = `
    const { readFileSync } = await import('node:fs');
    const { isProcessAlive } = await import(${JSON.stringify(MODULE)});
    const pid = Number(process.argv[1]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const state = readFileSync('/proc/' + pid + '/stat', 'utf8').split(') ')[1][0];
    console.log(state, isProcessAlive(pid));
  `;
  const run = spawnSync(
    'bash',
    ['-c', `sleep 0.05 & exec "$0" --input-type=module -e "$1" "$!"`, process.execPath, check],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), 'Z false', 'the unreaped child is a zombie, and not alive');
});
