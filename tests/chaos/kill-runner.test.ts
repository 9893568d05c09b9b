/**
 * Chaos test of the local runner: `lorahpo run` killed with SIGKILL at seeded random moments of
 * one study, resumed each time, ends exactly as an undisturbed run, with no trial process left.
 * A few kills in `npm test`; LORAHPO_CHAOS_KILLS (e.g. 50) and LORAHPO_CHAOS_SEED for more.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFixtureStudy } from '../fixtures/study.ts';
import { studyOutcome } from '../operator/runner/helpers.ts';
import { scanJournal } from '../../operator/src/runner/journal-recovery.ts';
import { isProcessAlive } from '../../operator/src/runner/is-process-alive.ts';

const CLI = fileURLToPath(new URL('../../bin/lorahpo.js', import.meta.url));
const KILLS = Number(process.env.LORAHPO_CHAOS_KILLS ?? 4);
const SEED = Number(process.env.LORAHPO_CHAOS_SEED ?? 7);
const STUDY = { maxTrials: 8, parallelTrials: 3, maxSteps: 6, stepMs: 30, runLog: 'runs.log' };

/** mulberry32: a small seeded generator, so a failing sequence of kill moments can be rerun. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function statusOf(dir: string) {
  const result = spawnSync(process.execPath, [CLI, 'status', '--json'], { cwd: dir, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const { status, trials } = JSON.parse(result.stdout);
  return studyOutcome(status, trials);
}

/** Runs the study and SIGKILLs it after `afterMs`; resolves to whether it finished first. */
function runAndKill(dir: string, afterMs: number): Promise<boolean> {
  const child = spawn(process.execPath, [CLI, 'run', 'study.yaml', '--plain'], { cwd: dir, stdio: 'ignore' });
  const timer = setTimeout(() => child.kill('SIGKILL'), afterMs);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    }),
  );
}

/** Alive and not a zombie waiting for init. */
function isRunning(pid: number): boolean {
  if (!isProcessAlive(pid)) return false;
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

test(`chaos › kill -9 at ${KILLS} random moments (seed ${SEED}), resumed each time, ends as an undisturbed run`, {
  timeout: 600_000,
}, async (t) => {
  const reference = writeFixtureStudy(STUDY);
  const undisturbed = spawnSync(process.execPath, [CLI, 'run', 'study.yaml', '--plain'], {
    cwd: reference.dir,
    encoding: 'utf8',
  });
  assert.equal(undisturbed.status, 0, undisturbed.stderr);
  const expected = statusOf(reference.dir);

  const { dir } = writeFixtureStudy(STUDY);
  const random = rng(SEED);
  let kills = 0;
  for (let attempt = 0; attempt < KILLS; attempt += 1) {
    const finished = await runAndKill(dir, 200 + Math.floor(random() * 1800));
    if (finished) break;
    kills += 1;
    const journal = join(dir, '.lorahpo', 'demo', 'journal.jsonl');
    if (existsSync(journal)) scanJournal(journal); // a torn tail is fine; damage would throw
  }
  const last = spawnSync(process.execPath, [CLI, 'run', 'study.yaml', '--plain'], { cwd: dir, encoding: 'utf8' });
  assert.equal(last.status, 0, `after ${kills} kills: ${last.stderr}`);
  assert.deepEqual(statusOf(dir), expected, `after ${kills} kills`);
  t.diagnostic(`${kills} kills before the study could finish`);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const pids = readFileSync(join(dir, 'runs.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => Number(line.split(' ')[1]));
  const leftovers = pids.filter(isRunning);
  for (const pid of leftovers) process.kill(pid, 'SIGKILL');
  assert.deepEqual(leftovers, [], 'trial processes of a killed run are still alive');
});
