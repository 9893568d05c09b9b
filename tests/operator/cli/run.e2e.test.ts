/**
 * End to end through the real CLI: `lorahpo run` of a 12-trial study, parallelTrials 3, median
 * pruner, on the fixture trainer (optimum x = 0.3, kind = a). Then the same study with the CLI
 * killed (SIGKILL) mid-study and run again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFixtureStudy } from '../../fixtures/study.ts';
import { studyOutcome } from '../runner/helpers.ts';
import type { LoraTrial } from '../../../operator/src/api/trial.ts';
import type { StudyStatus } from '../../../operator/src/api/study.ts';
import { isProcessAlive as isAlive } from '../../../operator/src/runner/is-process-alive.ts';

const CLI = fileURLToPath(new URL('../../../bin/lorahpo.js', import.meta.url));

function cli(dir: string, ...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env } });
}

function statusOf(dir: string): { status: StudyStatus; trials: LoraTrial[] } {
  const result = cli(dir, 'status', '--json');
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = (sorted.length - 1) / 2;
  return (sorted[Math.floor(middle)] + sorted[Math.ceil(middle)]) / 2;
}

/** Independent check of the median rule: would trial `trial` be pruned at `step`? */
function medianSaysPrune(trial: LoraTrial, step: number, trials: LoraTrial[]): boolean {
  const cutoff = trial.spec.historyCutoff ?? 0;
  const complete = trials.filter((other) => other.spec.number < cutoff && other.status?.phase === 'Succeeded');
  if (complete.length < 3) return false;
  const atStep = complete.flatMap(
    (other) =>
      other.status?.intermediateValues.filter((point) => point.step === step).map((point) => point.value) ?? [],
  );
  if (atStep.length === 0) return false;
  const best = Math.min(
    ...(trial.status?.intermediateValues.filter((point) => point.step <= step).map((point) => point.value) ?? []),
  );
  return best > median(atStep);
}

let reference: ReturnType<typeof statusOf>;

test('lorahpo run › 12 trials, 3 at a time, median pruner: finishes, prunes the right trials, best near the optimum', () => {
  const { dir } = writeFixtureStudy();
  const run = cli(dir, 'run', 'study.yaml');
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /study succeeded \(MaxTrials\): best eval_loss/);
  reference = statusOf(dir);
  const { status, trials } = reference;
  assert.equal(trials.length, 12);
  assert.equal(status.completionReason, 'MaxTrials');
  const pruned = trials.filter((trial) => trial.status?.phase === 'Pruned');
  assert.ok(pruned.length >= 2, `only ${pruned.length} trials were pruned`);
  for (const trial of pruned)
    assert.ok(
      medianSaysPrune(trial, trial.status?.prunedAtStep as number, trials),
      `${trial.metadata.name} should not have been pruned`,
    );
  for (const trial of trials.filter((candidate) => candidate.status?.phase === 'Succeeded')) {
    for (const point of trial.status?.intermediateValues ?? [])
      assert.ok(
        !medianSaysPrune(trial, point.step, trials),
        `${trial.metadata.name} should have been pruned at step ${point.step}`,
      );
  }
  const best = status.bestTrial;
  assert.ok(best?.params, 'a best trial with its params');
  assert.equal(best.params.kind, 'a');
  assert.ok(Math.abs((best.params.x as number) - 0.3) < 0.25, `best x ${best.params.x} is far from the optimum 0.3`);
  assert.equal(
    best.value,
    Math.min(...trials.filter((t) => t.status?.phase === 'Succeeded').map((t) => t.status?.value as number)),
  );
});

function journalEvents(journal: string): { type: string; name?: string; trial?: { metadata: { name: string } } }[] {
  if (!existsSync(journal)) return [];
  return readFileSync(journal, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      try {
        return [JSON.parse(line)];
      } catch {
        return [];
      }
    });
}

function finishedInJournal(journal: string): string[] {
  return journalEvents(journal).flatMap((event) =>
    event.type === 'finished' || event.type === 'pruned' ? [event.name as string] : [],
  );
}

function startedInJournal(journal: string): string[] {
  return journalEvents(journal).flatMap((event) =>
    event.type === 'started' ? [event.trial?.metadata.name as string] : [],
  );
}

function killAll(pids: number[]): void {
  for (const pid of pids) process.kill(pid, 'SIGKILL');
}

test('lorahpo run › killed (SIGKILL) mid-study and run again: no finished trial reruns, the final status equals an undisturbed run', async () => {
  const { dir } = writeFixtureStudy({ runLog: 'runs.log', stepMs: 40 });
  const runLog = join(dir, 'runs.log');
  const journal = join(dir, '.lorahpo', 'demo', 'journal.jsonl');
  const child = spawn(process.execPath, [CLI, 'run', 'study.yaml'], { cwd: dir, stdio: 'ignore' });
  let hasExited = false;
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve((hasExited = true) && code)));
  // Mid-study: four trials done and a trial process running (it logged its start; 40 ms steps).
  const isMidStudy = () => {
    const finished = new Set(finishedInJournal(journal));
    const running = existsSync(runLog)
      ? readFileSync(runLog, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => line.split(' ')[0])
      : [];
    return finished.size >= 4 && running.some((name) => !finished.has(name));
  };
  while (!isMidStudy() && !hasExited) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(!hasExited, 'the study ended before it could be killed mid-way');
  child.kill('SIGKILL');
  await exited;
  const finishedBefore = new Set(finishedInJournal(journal));
  const interrupted = [...new Set(startedInJournal(journal))].filter((name) => !finishedBefore.has(name));
  const startsBefore = readFileSync(runLog, 'utf8').split('\n').filter(Boolean).length;

  const rerun = cli(dir, 'run', 'study.yaml');
  assert.equal(rerun.status, 0, rerun.stderr);
  assert.match(rerun.stdout, /resuming: \d+ trials already finished/);
  const startedAfter = readFileSync(runLog, 'utf8')
    .split('\n')
    .filter(Boolean)
    .slice(startsBefore)
    .map((line) => line.split(' ')[0]);
  for (const name of startedAfter) assert.ok(!finishedBefore.has(name), `${name} had finished but ran again`);
  assert.ok(interrupted.length > 0, 'the kill interrupted some trial');
  for (const name of interrupted)
    assert.ok(startedAfter.includes(name), `${name} was interrupted but did not run again`);
  const { status, trials } = statusOf(dir);
  assert.deepEqual(studyOutcome(status, trials), studyOutcome(reference.status, reference.trials));
  const leftovers = readFileSync(runLog, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => Number(line.split(' ')[1]))
    .filter(isAlive);
  killAll(leftovers);
  assert.deepEqual(leftovers, [], 'trial processes of the killed run are still alive');
});
