import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrialProcess } from '../../../operator/src/runner/trial-process.ts';
import { writeFixtureStudy } from '../../fixtures/study.ts';
import { runStudy } from './helpers.ts';

const DAYS_30_MS = 30 * 86_400_000;

/** The TimeoutOverflowWarnings Node emits while `work` runs (a delay past 24.8 days fires in 1 ms). */
async function overflowWarnings(work: () => Promise<unknown>): Promise<number> {
  let count = 0;
  const onWarning = (warning: Error) => {
    if (warning.name === 'TimeoutOverflowWarning') count += 1;
  };
  process.on('warning', onWarning);
  try {
    await work();
  } finally {
    process.off('warning', onWarning);
  }
  return count;
}

test('timer bounds › a 30-day study timeout runs the study without an overflowing (spinning) timer', async () => {
  const { dir, manifest } = writeFixtureStudy({
    maxTrials: 2,
    parallelTrials: 1,
    maxSteps: 2,
    spec: { budget: { maxTrials: 2, parallelTrials: 1, timeout: '30d' } },
  });
  let outcome: Awaited<ReturnType<typeof runStudy>>['outcome'] | undefined;
  const warnings = await overflowWarnings(async () => (outcome = (await runStudy(dir, manifest)).outcome));
  assert.equal(warnings, 0);
  assert.equal(outcome?.status.completionReason, 'MaxTrials');
});

test('timer bounds › a trial deadline past 24.8 days does not fire at once', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'lorahpo-deadline-'));
  const result = JSON.stringify({ type: 'result', value: 1 });
  const trial = new TrialProcess({
    command: 'bash',
    args: ['-c', `sleep 0.3; echo '${result}'`],
    env: { PATH: process.env.PATH },
    cwd: folder,
    logFile: join(folder, 'trial.log'),
    resultFile: join(folder, 'result.json'),
    objectiveMetric: 'loss',
    graceMs: 500,
    deadlineMs: DAYS_30_MS,
    onMetric: () => {},
  });
  let outcome: Awaited<typeof trial.done> | undefined;
  const warnings = await overflowWarnings(async () => (outcome = await trial.done));
  assert.equal(warnings, 0);
  assert.equal(outcome?.kind, 'result');
});
