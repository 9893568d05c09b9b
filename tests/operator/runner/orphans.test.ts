import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { stopOrphan } from '../../../operator/src/runner/orphans.ts';
import { isProcessAlive as isAlive } from '../../../operator/src/runner/is-process-alive.ts';

test('orphans › a leftover trial process is stopped only when its environment proves it is this trial', {
  skip: process.platform !== 'linux',
}, async () => {
  const env = { ...process.env, LORAHPO_TRIAL: 'demo-3', LORAHPO_OUTPUT_DIR: '/state/trials/demo-3/output' };
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
    env,
    detached: true,
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal)));
  const pid = child.pid as number;
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(stopOrphan(pid, 'demo-4', '/state/trials/demo-3/output'), false, 'another trial');
  assert.equal(stopOrphan(pid, 'demo-3', '/other/trials/demo-3/output'), false, 'another state directory');
  assert.ok(isAlive(pid));
  assert.equal(stopOrphan(pid, 'demo-3', '/state/trials/demo-3/output'), true);
  assert.equal(await exited, 'SIGKILL');
  assert.equal(stopOrphan(pid, 'demo-3', '/state/trials/demo-3/output'), false, 'gone');
});
