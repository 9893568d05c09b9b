import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as yaml from 'js-yaml';
import { join } from 'node:path';
import { writeFixtureStudy } from '../../fixtures/study.ts';
import { main } from '../../../operator/src/cli/main.ts';
import type { CliDeps } from '../../../operator/src/cli/deps.ts';
import { runStudy, studyOutcome } from './helpers.ts';

function cliDeps(cwd: string): CliDeps {
  const ignore = { write: () => {} };
  const signal = new AbortController().signal;
  return { stdout: ignore, stderr: ignore, cwd, env: process.env, signal, now: () => new Date() };
}

test('local runner › a crashing, a malformed and a silent trial each fail with the reason; the study goes on', async () => {
  const { dir, manifest } = writeFixtureStudy({
    maxTrials: 5,
    parallelTrials: 2,
    misbehave: 'demo-0:crash,demo-1:malformed,demo-2:silent,demo-4:nan',
    spec: { pruner: { algorithm: 'none' } },
  });
  const { outcome } = await runStudy(dir, manifest);
  const byName = new Map(outcome.trials.map((trial) => [trial.metadata.name, trial.status]));
  assert.equal(byName.get('demo-0')?.phase, 'Failed');
  assert.equal(byName.get('demo-0')?.reason, 'Crashed');
  assert.match(byName.get('demo-0')?.message ?? '', /exited with code 3: fixture: simulated out-of-memory/);
  assert.equal(byName.get('demo-1')?.reason, 'ContractViolation');
  assert.match(
    byName.get('demo-1')?.message ?? '',
    /stdout line \d+ breaks the trainer contract \(value is "NaN-ish" but must be a number\)/,
  );
  assert.equal(byName.get('demo-2')?.reason, 'NoResult');
  assert.equal(byName.get('demo-4')?.reason, 'ContractViolation');
  assert.match(
    byName.get('demo-4')?.message ?? '',
    /stdout line \d+ breaks the trainer contract \(value is NaN, which is not a finite number/,
  );
  assert.match(byName.get('demo-2')?.message ?? '', /without reporting the objective \(eval_loss\)/);
  assert.equal(byName.get('demo-3')?.phase, 'Succeeded');
  assert.equal(outcome.status.completionReason, 'MaxTrials');
  assert.equal(outcome.status.bestTrial?.name, 'demo-3');
  const log = readFileSync(join(dir, '.lorahpo', 'demo', 'trials', 'demo-0', 'trial.log'), 'utf8');
  assert.match(log, /simulated out-of-memory/);
  assert.match(log, /--- exited with code 3/);
});

test('local runner › interrupted (Ctrl-C) mid-study, the rerun resumes and ends exactly as an undisturbed run', async () => {
  const reference = writeFixtureStudy({ maxTrials: 9 });
  const undisturbed = await runStudy(reference.dir, reference.manifest);
  assert.equal(undisturbed.outcome.isInterrupted, false);

  const disturbed = writeFixtureStudy({ maxTrials: 9 });
  let finished = 0;
  const first = await runStudy(
    disturbed.dir,
    disturbed.manifest,
    // after 3 trials, at a metric line: a trial is then surely running
    (event) => {
      if (event.type === 'finished') finished += 1;
      return finished >= 3 && event.type === 'metric';
    },
  );
  assert.equal(first.outcome.isInterrupted, true);
  const finishedBefore = first.outcome.trials
    .filter((trial) => !['Pending', 'Running'].includes(trial.status?.phase ?? 'Pending'))
    .map((trial) => trial.metadata.name);
  const second = await runStudy(disturbed.dir, disturbed.manifest);
  const restarted = second.events.flatMap((event) => (event.type === 'started' ? [event.trial.metadata.name] : []));
  for (const name of finishedBefore)
    assert.ok(!restarted.includes(name), `${name} finished before the interruption but ran again`);
  const interrupted = first.outcome.trials.filter((trial) => !finishedBefore.includes(trial.metadata.name ?? ''));
  assert.ok(interrupted.length > 0, 'a trial was running at the interruption');
  for (const trial of interrupted) {
    const name = trial.metadata.name ?? '';
    const rerun = second.events.find((event) => event.type === 'started' && event.trial.metadata.name === name);
    assert.equal(rerun?.type === 'started' ? rerun.attempt : undefined, 2, `${name} ran again as attempt 2`);
    const log = readFileSync(join(disturbed.dir, '.lorahpo', 'demo', 'trials', name, 'trial.log'), 'utf8');
    assert.match(log, /attempt=2\b/, `${name} was told it is attempt 2 (LORAHPO_ATTEMPT)`);
  }
  assert.deepEqual(
    studyOutcome(second.outcome.status, second.outcome.trials),
    studyOutcome(undisturbed.outcome.status, undisturbed.outcome.trials),
  );
});

test('local runner › the study timeout stops the running trials (SIGTERM) and finishes with Timeout', async () => {
  const { dir, manifest } = writeFixtureStudy({
    maxTrials: 4,
    parallelTrials: 2,
    stepMs: 400,
    maxSteps: 50,
    spec: { budget: { maxTrials: 4, parallelTrials: 2, timeout: '1500ms' } },
  });
  const { outcome, events } = await runStudy(dir, manifest);
  assert.equal(outcome.status.completionReason, 'Timeout');
  assert.equal(outcome.status.phase, 'Failed', 'no trial completed within the timeout');
  const stopped = events.filter((event) => event.type === 'stopped').map((event) => (event as { name: string }).name);
  assert.deepEqual(stopped.sort(), ['demo-0', 'demo-1']);
  for (const trial of outcome.trials) assert.equal(trial.status?.reason, 'StudyFinished');
});

test('local runner › trials whose template asks for GPUs spend budget.maxGpuHours: GpuBudgetSpent', async () => {
  // 2 trials × 2 GPUs burn 4 GPU-seconds a second: 0.002 GPU-hours (7.2 GPU-s) last about 1.8 s.
  const budget = { maxTrials: 4, parallelTrials: 2, maxGpuHours: 0.002 };
  const template = { resources: { limits: { 'nvidia.com/gpu': 2 } } };
  const { dir, manifest } = writeFixtureStudy({ maxTrials: 4, parallelTrials: 2, stepMs: 400, maxSteps: 50 });
  const written = yaml.load(readFileSync(manifest, 'utf8')) as { spec: Record<string, Record<string, unknown>> };
  written.spec.budget = budget;
  written.spec.trialTemplate = { ...written.spec.trialTemplate, ...template };
  writeFileSync(manifest, yaml.dump(written));
  const started = Date.now();
  const { outcome } = await runStudy(dir, manifest);
  const seconds = (Date.now() - started) / 1000;
  assert.equal(outcome.status.completionReason, 'GpuBudgetSpent');
  assert.ok(seconds < 15, `the 20 s trials were stopped once the budget was spent (${seconds} s)`);
  assert.deepEqual(
    outcome.trials.map((trial) => [trial.metadata.name, trial.spec.gpus, trial.status?.reason]),
    [
      ['demo-0', 2, 'StudyFinished'],
      ['demo-1', 2, 'StudyFinished'],
    ],
  );
  const spent = outcome.status.gpuHours ?? 0;
  assert.ok(spent >= 0.002 && spent < 0.003, `study gpuHours ${spent}`);
  // Each trial's own number, from its process start to its stop, adds up to the study's.
  const byTrial = outcome.trials.map((trial) => trial.status?.gpuHours ?? 0);
  for (const hours of byTrial) assert.ok(hours > 0.0005, `trial gpuHours ${hours}`);
  assert.ok(Math.abs(byTrial[0] + byTrial[1] - spent) <= 0.001, `${byTrial} sum to ${spent}`);
  // `lorahpo status` on the state directory shows the same total.
  let out = '';
  const deps = { ...cliDeps(dir), stdout: { write: (text: string) => (out += text) } };
  assert.equal(await main(['status'], deps), 0);
  assert.match(out, /^study demo: Failed \(GpuBudgetSpent\)/, 'no trial completed within the budget');
  assert.ok(out.includes(`2 pruned, 0 failed, 0 running; ${spent} GPU-hours`), out);
});
