/**
 * `lorahpo run study.yaml`: runs a study on this machine, each trial a child process, with a
 * live view, and resumes where it stopped when run again. Exit 0 when the study succeeded, 1
 * when it failed, 2 for a bad manifest or usage, 3 when the state directory cannot be used (a
 * full disk, a read-only or odd path, a lock held by another run), 130 when interrupted (Ctrl-C).
 */
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { LorahpoError } from '../../errors.ts';
import { MAX_TIMER_DELAY_MS } from '../../timer-delay.ts';
import { LocalRunner, defaultLocalRunnerOptions, type RunOutcome } from '../../runner/local-runner.ts';
import type { CliDeps } from '../deps.ts';
import { loadStudy } from '../load-study.ts';
import { bestLine, countsLine, warmStartLines } from '../render.ts';
import { JsonView } from '../view/json-view.ts';
import { PlainView } from '../view/plain-view.ts';
import { TtyView } from '../view/tty-view.ts';
import type { RunView } from '../view/view.ts';
import { nameOf } from '../../api/object-name.ts';

/** The state directory (journal, lock, trial folders) cannot be used: distinct from a failed study. */
export const EXIT_STATE_DIR = 3;

export interface RunOptions {
  stateDir?: string;
  trainer?: string;
  study?: string;
  json?: boolean;
  plain?: boolean;
  grace?: string;
}

export function runCommandSpec(): Command {
  return new Command('run')
    .description('run a LoraStudy on this machine: each trial a child process; run again to resume')
    .argument('<manifest>', 'YAML file with the LoraStudy (the same you would kubectl apply)')
    .option('--state-dir <dir>', 'journal and trial logs (default: .lorahpo/<study>)')
    .option(
      '--trainer <command>',
      'run trials with this program instead of trialTemplate.command or the built-in trainer (.ts/.js files run with this Node)',
    )
    .option('--study <name>', 'which LoraStudy, when the file holds several')
    .option('--json', 'print machine-readable events, one JSON object per line')
    .option('--plain', 'plain lines even on a terminal')
    .option(
      '--grace <seconds>',
      'how long a stopped trial may take before SIGKILL',
      String(defaultLocalRunnerOptions().graceMs / 1000),
    )
    .addHelpText(
      'after',
      `
Relative training.model and training.dataset paths resolve against the manifest's folder.
The state directory holds journal.jsonl (every trial event, fsync'ed) and trials/<name>/trial.log.
Ctrl-C stops the running trials; the same command resumes: finished trials never run again.`,
    );
}

function createView(options: RunOptions, deps: CliDeps, metric: string, title: string): RunView {
  if (options.json) return new JsonView(deps.stdout, deps.now);
  if (deps.stdout.isTTY && !options.plain) return new TtyView(deps.stdout, metric, title);
  return new PlainView(deps.stdout, metric, deps.now);
}

function printSummary(outcome: RunOutcome, metric: string, stateDir: string, deps: CliDeps): void {
  const { status } = outcome;
  const headline = outcome.isInterrupted
    ? 'interrupted'
    : `study ${status.phase.toLowerCase()} (${status.completionReason})`;
  const lines = [`${headline}: ${bestLine(status, metric)}`, countsLine(status), ...warmStartLines(status)];
  deps.stdout.write(`${lines.join('\n')}\nstate and logs: ${stateDir}\n`);
}

export async function runCommand(file: string, options: RunOptions, deps: CliDeps): Promise<number> {
  let loaded: ReturnType<typeof loadStudy>;
  try {
    loaded = loadStudy(file, deps.cwd, options.study, options.trainer !== undefined);
  } catch (error) {
    if (!(error instanceof LorahpoError)) throw error;
    deps.stderr.write(`${error.message}\n`);
    return 2;
  }
  const graceSeconds = Number(options.grace ?? 10);
  if (!(Number.isFinite(graceSeconds) && graceSeconds >= 0 && graceSeconds * 1000 <= MAX_TIMER_DELAY_MS)) {
    deps.stderr.write(
      `lorahpo run: --grace is ${JSON.stringify(options.grace)} but must be a number of seconds >= 0\n`,
    );
    return 2;
  }
  const { study, manifestPath } = loaded;
  const name = nameOf(study);
  const stateDir = resolve(deps.cwd, options.stateDir ?? join('.lorahpo', name));
  const metric = study.spec.objective.metric;
  const view = createView(options, deps, metric, `lorahpo run ${name}`);
  if (!options.json)
    deps.stdout.write(
      `study ${name}: ${study.spec.budget.maxTrials} trials, ${study.spec.budget.parallelTrials} at a time, state in ${stateDir}\n`,
    );
  const runner = new LocalRunner({
    study,
    manifestPath,
    stateDir,
    trainer: options.trainer,
    cwd: deps.cwd,
    env: deps.env,
    now: deps.now,
    signal: deps.signal,
    graceMs: graceSeconds * 1000,
    onEvent: (event) => view.onEvent(event),
  });
  let outcome: RunOutcome;
  try {
    outcome = await runner.run();
  } catch (error) {
    view.close();
    if (!(error instanceof LorahpoError)) throw error;
    deps.stderr.write(`lorahpo run: ${error.message}${error.hint ? `\n  hint: ${error.hint}` : ''}\n`);
    return error.code === 'LORAHPO_IO' ? EXIT_STATE_DIR : 2;
  }
  view.close();
  if (!options.json) printSummary(outcome, metric, stateDir, deps);
  if (outcome.isInterrupted) return 130;
  return outcome.status.phase === 'Succeeded' ? 0 : 1;
}
