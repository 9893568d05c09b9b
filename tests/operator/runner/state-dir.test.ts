import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../operator/src/cli/main.ts';
import type { CliDeps } from '../../../operator/src/cli/deps.ts';
import { LOCK_FILE, lockStateDir } from '../../../operator/src/runner/state-lock.ts';
import { readJournal } from '../../../operator/src/runner/journal.ts';
import { scanJournal } from '../../../operator/src/runner/journal-recovery.ts';
import { isProcessAlive } from '../../../operator/src/runner/is-process-alive.ts';
import { writeFixtureStudy } from '../../fixtures/study.ts';

async function run(dir: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const deps: CliDeps = {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    cwd: dir,
    env: process.env,
    signal: new AbortController().signal,
    now: () => new Date(),
  };
  const code = await main(['run', 'study.yaml', '--plain', '--grace', '1', ...args], deps);
  return { code, out, err };
}

test('state lock › a lock holding no pid (empty, 0, 1, -1, garbage, huge) is stale: taken over, said once', () => {
  for (const content of ['', '0', '1', '-1', 'garbage', '99999999999', '12abc', ' \n']) {
    const dir = mkdtempSync(join(tmpdir(), 'lorahpo-lock-'));
    writeFileSync(join(dir, LOCK_FILE), content);
    const notices: string[] = [];
    const release = lockStateDir(dir, (message) => notices.push(message));
    assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8'), String(process.pid), JSON.stringify(content));
    assert.equal(notices.length, 1, JSON.stringify(content));
    assert.match(notices[0], /run\.lock (empty|holds ".*", not a pid): taken over as a stale lock/);
    release();
  }
});

test('lorahpo run › a state dir that cannot be made (/proc, under a file, a file itself) is one line and exit 3, at once', {
  timeout: 30_000,
}, async () => {
  const { dir } = writeFixtureStudy({ maxTrials: 1, parallelTrials: 1, maxSteps: 1 });
  writeFileSync(join(dir, 'a-file'), '');
  const cases = [
    ['/proc/lorahpo-test', /\/proc\/lorahpo-test: cannot create the state directory: .* \(E[A-Z]+\)/],
    [
      join(dir, 'a-file', 'state'),
      /a-file: cannot create the state directory: a part of the path is a file, not a directory \(ENOTDIR\)/,
    ],
    [join(dir, 'a-file'), /a-file: cannot create the state directory: a part of the path is a file/],
  ] as const;
  for (const [stateDir, message] of cases) {
    const started = Date.now();
    const result = await run(dir, '--state-dir', stateDir);
    assert.equal(result.code, 3, `${stateDir}: ${result.err}`);
    assert.match(result.err, message);
    assert.doesNotMatch(result.err, /\n\s+at /, 'no stack trace');
    assert.ok(Date.now() - started < 5000, `${stateDir}: took ${Date.now() - started} ms`);
  }
});

/** Mounts a tmpfs of `size` at a new folder; undefined where this process may not mount (not root). */
function tmpfs(size: string, readOnly = false): string | undefined {
  const at = mkdtempSync(join(tmpdir(), 'lorahpo-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}${readOnly ? ',ro' : ''}`, 'tmpfs', at], {
      stdio: 'ignore',
    });
    return at;
  } catch {
    return undefined;
  }
}

const canMount = (() => {
  const at = tmpfs('64k');
  if (at) execFileSync('umount', [at]);
  return at !== undefined;
})();

test('lorahpo run › a read-only state dir is one line and exit 3', {
  skip: !canMount && 'needs root to mount a tmpfs',
}, async () => {
  const { dir } = writeFixtureStudy({ maxTrials: 1, parallelTrials: 1, maxSteps: 1 });
  const at = tmpfs('64k', true) as string;
  try {
    const result = await run(dir, '--state-dir', join(at, 'state'));
    assert.equal(result.code, 3, result.err);
    assert.match(result.err, /state: cannot create the state directory: the file system is read-only \(EROFS\)/);
  } finally {
    execFileSync('umount', [at]);
  }
});

test('lorahpo run › the disk full mid-run: one line, exit 3, no trial left running, no torn line; with space again it resumes to the undisturbed result', {
  skip: !canMount && 'needs root to mount a tmpfs',
  timeout: 120_000,
}, async () => {
  const options = { maxTrials: 12, parallelTrials: 3, maxSteps: 20, stepMs: 2 };
  const reference = writeFixtureStudy(options);
  const undisturbed = await run(reference.dir);
  assert.equal(undisturbed.code, 0, undisturbed.err);
  const { dir } = writeFixtureStudy(options);
  const at = tmpfs('48k') as string;
  try {
    const stateDir = join(at, 'state');
    const full = await run(dir, '--state-dir', stateDir);
    assert.equal(full.code, 3, full.err);
    assert.match(
      full.err,
      /: cannot (write the journal|go on with the trials): no space left on the device \(ENOSPC\)\n {2}hint: free some space/,
    );
    assert.equal(full.err.trim().split('\n').length, 2, full.err);
    assert.doesNotMatch(full.err, /\n\s+at /, 'no stack trace');
    const journal = join(stateDir, 'journal.jsonl');
    assert.equal(scanJournal(journal).tail, undefined, 'the journal ends with a whole record');
    const pids = readJournal(journal).flatMap((event) => (event.type === 'spawned' ? [event.pid] : []));
    assert.ok(pids.length > 0);
    assert.deepEqual(pids.filter(isProcessAlive), [], 'trial processes left running');
    assert.ok(!existsSync(join(stateDir, LOCK_FILE)), 'the lock is released');
    execFileSync('mount', ['-o', 'remount,size=16m', at]);
    const resumed = await run(dir, '--state-dir', stateDir);
    assert.equal(resumed.code, 0, resumed.err);
    assert.equal(lastLines(resumed.out), lastLines(undisturbed.out));
  } finally {
    execFileSync('umount', [at]);
  }
});

/** The summary's best and counts lines: equal when the studies ended alike. */
function lastLines(out: string): string {
  return out.trim().split('\n').slice(-3, -1).join('\n');
}

test('lorahpo run › a state dir holding a file named like its trials folder is one line and exit 3', async () => {
  const { dir } = writeFixtureStudy({ maxTrials: 1, parallelTrials: 1, maxSteps: 1 });
  mkdirSync(join(dir, 'state'));
  writeFileSync(join(dir, 'state', 'trials'), '');
  const result = await run(dir, '--state-dir', 'state');
  assert.equal(result.code, 3, result.err);
  assert.match(result.err, /trials: cannot create the state directory: a part of the path is a file/);
});

test('lorahpo run › the disk full at start: one line, exit 3, and no empty lock left to block the next run', {
  skip: !canMount && 'needs root to mount a tmpfs',
}, async () => {
  const { dir } = writeFixtureStudy({ maxTrials: 1, parallelTrials: 1, maxSteps: 1 });
  const at = tmpfs('16k') as string;
  try {
    const stateDir = join(at, 'state');
    mkdirSync(join(stateDir, 'trials'), { recursive: true });
    try {
      writeFileSync(join(at, 'filler'), Buffer.alloc(1024 * 1024));
    } catch {
      // ENOSPC: the disk is now full, as wanted
    }
    const result = await run(dir, '--state-dir', stateDir);
    assert.equal(result.code, 3, result.err);
    assert.match(
      result.err,
      /cannot (write the lock|write the journal|open the journal): no space left on the device \(ENOSPC\)/,
    );
    assert.ok(!existsSync(join(stateDir, LOCK_FILE)), 'an empty lock is left behind');
  } finally {
    execFileSync('umount', [at]);
  }
});
