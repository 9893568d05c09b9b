/**
 * One runner per state directory: two `lorahpo run`s of one study would both start trial n.
 * The lock is a file holding the runner's pid, created exclusively; a lock whose process is gone
 * (the runner was killed) is taken over, and so is one whose content is no pid at all (empty: the
 * disk was full when it was made; `0`, `1`, negative or garbage: not written by a runner).
 */
import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { LorahpoError } from '../errors.ts';
import { isProcessAlive as isAlive } from './is-process-alive.ts';
import { stateDirError } from './state-dir.ts';

export const LOCK_FILE = 'run.lock';

function tryCreate(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw stateDirError(path, 'create the lock', error);
  }
  try {
    writeSync(fd, String(process.pid));
  } catch (error) {
    // An empty lock left behind would read as a broken one forever after: take it away.
    rmSync(path, { force: true });
    throw stateDirError(path, 'write the lock', error);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The pid in a lock file, or why it holds none. Pid 0, 1 and negatives are never a runner's. */
function readHolder(path: string): { pid: number } | { broken: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { broken: 'gone' };
    throw stateDirError(path, 'read the lock', error);
  }
  const pid = /^\d{1,10}$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isSafeInteger(pid) && pid > 1) return { pid };
  return { broken: text === '' ? 'empty' : `holds ${JSON.stringify(text.slice(0, 20))}, not a pid` };
}

/**
 * Takes the state directory's lock; returns the function that releases it. `onNotice` hears, once,
 * that a broken lock was taken over.
 */
export function lockStateDir(stateDir: string, onNotice: (message: string) => void = () => {}): () => void {
  const path = join(stateDir, LOCK_FILE);
  if (!tryCreate(path)) {
    const holder = readHolder(path);
    if ('pid' in holder && holder.pid !== process.pid && isAlive(holder.pid)) {
      throw new LorahpoError('LORAHPO_IO', `${stateDir} is in use by another lorahpo run (pid ${holder.pid})`, {
        hint: 'wait for it, stop it, or use another --state-dir',
      });
    }
    if ('broken' in holder && holder.broken !== 'gone')
      onNotice(`${path} ${holder.broken}: taken over as a stale lock`);
    rmSync(path, { force: true });
    if (!tryCreate(path))
      throw new LorahpoError('LORAHPO_IO', `${stateDir}: another lorahpo run took the lock just now`);
  }
  return () => rmSync(path, { force: true });
}
