import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { LOCK_FILE, lockStateDir } from '../../../operator/src/runner/state-lock.ts';

test('state lock › a second runner on the same state directory is refused, naming the holder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lorahpo-lock-'));
  const parent = process.ppid;
  writeFileSync(join(dir, LOCK_FILE), String(parent));
  assert.throws(() => lockStateDir(dir), new RegExp(`in use by another lorahpo run \\(pid ${parent}\\)`));
});

test('state lock › the lock of a runner that is gone is taken over, and released', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lorahpo-lock-'));
  const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  writeFileSync(join(dir, LOCK_FILE), gone.stdout.trim());
  const release = lockStateDir(dir);
  assert.ok(existsSync(join(dir, LOCK_FILE)));
  release();
  assert.ok(!existsSync(join(dir, LOCK_FILE)));
});
