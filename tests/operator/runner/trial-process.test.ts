import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrialProcess, type TrialOutcome } from '../../../operator/src/runner/trial-process.ts';
import { isProcessAlive } from '../../../operator/src/runner/is-process-alive.ts';

/** Alive and not a zombie that init has yet to reap. */
function isRunning(pid: number): boolean {
  if (!isProcessAlive(pid)) return false;
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Runs `script` with bash as a trial; resolves to its outcome, how long it took and its log. */
async function runScript(script: string, options: { deadlineMs?: number; terminateAfterMs?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'lorahpo-trial-'));
  const started = Date.now();
  const trial = new TrialProcess({
    command: 'bash',
    args: ['-c', script],
    env: { PATH: process.env.PATH },
    cwd: dir,
    logFile: join(dir, 'trial.log'),
    resultFile: join(dir, 'result.json'),
    objectiveMetric: 'loss',
    graceMs: 500,
    deadlineMs: options.deadlineMs,
    onMetric: () => {},
  });
  if (options.terminateAfterMs !== undefined) setTimeout(() => trial.terminate(), options.terminateAfterMs);
  const outcome: TrialOutcome = await trial.done;
  const log = readFileSync(join(dir, 'trial.log'), 'utf8');
  await new Promise((resolve) => setTimeout(resolve, 200)); // time for init to reap what was killed
  const leftovers = [...log.matchAll(/^bg (\d+)$/gm)].map((match) => Number(match[1])).filter(isRunning);
  return { outcome, ms: Date.now() - started, log, leftovers };
}

// A wrapper script whose background child (the real trainer, a data-loader worker) keeps stdout open.
const WRAPPER = 'sleep 30 & echo "bg $!" >&2; sleep 30';
const STUBBORN = '(trap "" TERM; exec sleep 30) & echo "bg $!" >&2; trap "" TERM; sleep 30 & wait';

test('trial process › a deadline stops a wrapper script and its grandchild, which kept stdout open', async () => {
  const { outcome, ms, leftovers } = await runScript(WRAPPER, { deadlineMs: 300 });
  assert.equal(outcome.kind, 'failed');
  assert.equal((outcome as { reason: string }).reason, 'DeadlineExceeded');
  assert.ok(ms < 5000, `took ${ms} ms`);
  assert.deepEqual(leftovers, []);
});

test('trial process › terminate signals the group, and kills it after the grace when it ignores SIGTERM', async () => {
  const { outcome, ms, leftovers } = await runScript(STUBBORN, { terminateAfterMs: 300 });
  assert.equal(outcome.kind, 'terminated');
  assert.ok(ms >= 700 && ms < 5000, `took ${ms} ms (the grace is 500 ms)`);
  assert.deepEqual(leftovers, []);
});

test('trial process › a trial that exits leaving a background job ends after the grace, its result kept', async () => {
  const result = JSON.stringify({ type: 'result', value: 0.5 });
  const { outcome, ms, leftovers } = await runScript(`sleep 30 & echo "bg $!" >&2; echo '${result}'; exit 0`);
  assert.equal(outcome.kind, 'result');
  assert.ok(ms < 5000, `took ${ms} ms`);
  assert.deepEqual(leftovers, []);
});
