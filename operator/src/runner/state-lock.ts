/**
 * One runner per state directory: two `lorahpo run`s of one study would both start trial n.
 * The lock is a file holding the runner's pid, created exclusively; a lock whose process is gone
 * (the runner was killed) is taken over.
 */
import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { LorahpoError } from '../errors.ts';
import { isProcessAlive as isAlive } from './is-process-alive.ts';

export const LOCK_FILE = 'run.lock';

function tryCreate(path: string): boolean {
  try {
    const fd = openSync(path, 'wx');
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Takes the state directory's lock; returns the function that releases it. */
export function lockStateDir(stateDir: string): () => void {
  const path = join(stateDir, LOCK_FILE);
  if (!tryCreate(path)) {
    const holder = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
      throw new LorahpoError('LORAHPO_IO', `${stateDir} is in use by another lorahpo run (pid ${holder})`, { hint: 'wait for it, stop it, or use another --state-dir' });
    }
    rmSync(path, { force: true });
    if (!tryCreate(path)) throw new LorahpoError('LORAHPO_IO', `${stateDir}: another lorahpo run took the lock just now`);
  }
  return () => rmSync(path, { force: true });
}
