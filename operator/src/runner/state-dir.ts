/**
 * The state directory as the file system sees it: created one level at a time (Node's recursive
 * mkdir loops forever where a parent refuses new entries, as /proc does), and every failure to
 * use it (a full disk, a read-only mount, a file where a folder should be) turned into one
 * LORAHPO_IO error whose line says what could not be done and why.
 */
import { mkdirSync, statSync, statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LorahpoError } from '../errors.ts';

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EFBIG: 'the file is larger than this process may write',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'it is a directory',
  EEXIST: 'a file is in the way',
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  ENOENT: 'the parent directory does not take new entries',
  EIO: 'an I/O error of the device',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the path is too long',
};

/** Whether `error` came from the file system (an errno code), so it names a state problem. */
export function isFileSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && 'syscall' in error;
}

/** `error` as the one line a person reads: what could not be done to `path`, and why. */
export function stateDirError(path: string, what: string, error: unknown): Error {
  if (!isFileSystemError(error)) return error as Error;
  const code = error.code as string;
  const reason = REASONS[code] ?? error.message;
  return new LorahpoError('LORAHPO_IO', `${path}: cannot ${what}: ${reason} (${code})`, {
    hint:
      code === 'ENOSPC' || code === 'EDQUOT'
        ? 'free some space and run the same command again to resume'
        : 'use another --state-dir',
    cause: error,
  });
}

function isDirectory(path: string): boolean | undefined {
  try {
    return statSync(path).isDirectory();
  } catch (error) {
    // ENOTDIR: a file further up, which the walk up finds and names.
    if (['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code as string)) return undefined;
    throw stateDirError(path, 'use the state directory', error);
  }
}

/** Creates `dir` and its missing parents, each once; an error names the level that failed. */
export function makeStateDir(dir: string): void {
  const missing: string[] = [];
  for (let path = resolve(dir); ; path = dirname(path)) {
    const found = isDirectory(path);
    if (found === true) break;
    if (found === false)
      throw stateDirError(
        path,
        'create the state directory',
        Object.assign(new Error(), { code: 'ENOTDIR', syscall: 'mkdir' }),
      );
    missing.unshift(path);
    if (dirname(path) === path) break;
  }
  for (const path of missing) {
    try {
      mkdirSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || isDirectory(path) !== true)
        throw stateDirError(path, 'create the state directory', error);
    }
  }
}

/** Below this much free space a trial that failed may have failed for want of it. */
const FULL_BELOW_BYTES = 1024 * 1024;

/**
 * Whether the state directory's disk is (all but) full. A trial that fails then most likely
 * failed writing its log, result or adapter there: that is the disk's fault, not the trial's.
 */
export function isDiskFull(stateDir: string): boolean {
  try {
    const { bavail, bsize } = statfsSync(stateDir);
    return bavail * bsize < FULL_BELOW_BYTES;
  } catch {
    return false;
  }
}

/** The error a run stops with when its disk is full, worded as the journal's own would be. */
export function diskFullError(stateDir: string): Error {
  return stateDirError(
    stateDir,
    'go on with the trials',
    Object.assign(new Error('no space'), { code: 'ENOSPC', syscall: 'statfs' }),
  );
}
