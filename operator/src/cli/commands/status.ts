/**
 * `lorahpo status [state-dir]`: the study and its trials from a local state directory, rebuilt
 * from the journal (the same state `lorahpo run` resumes from), or with --kubeconfig / -n a
 * cluster study by name. Without an argument it looks in .lorahpo/ and lists the studies there
 * when there are several. --watch redraws it with a progress bar until the study ends.
 */
import { Command } from 'commander';
import type { StudyStatus } from '../../api/study.ts';
import { LorahpoError } from '../../errors.ts';
import type { CliDeps } from '../deps.ts';
import { progressBar } from '../progress-bar.ts';
import { bestLine, countsLine, trialTable, warmStartLines } from '../render.ts';
import type { StudyReader, StudySnapshot } from '../study-source.ts';
import { studyReader, withStudySource, type StudySourceOptions } from '../study-target.ts';

export interface StatusOptions extends StudySourceOptions {
  json?: boolean;
  watch?: boolean;
  intervalMs?: string;
}

const DEFAULT_INTERVAL_MS = 2000;

export function statusCommandSpec(): Command {
  return withStudySource(
    new Command('status').description('print a study (local: lorahpo run; or on a cluster) and its trials'),
    '[state-dir]',
  )
    .option('--json', 'print {status, trials} as JSON')
    .option('-w, --watch', 'redraw as trials report, with a progress bar, until the study ends (Ctrl-C stops)')
    .option('--interval-ms <ms>', `how often --watch re-reads the study (default ${DEFAULT_INTERVAL_MS})`);
}

export async function statusCommand(dir: string | undefined, options: StatusOptions, deps: CliDeps): Promise<number> {
  let read: StudyReader;
  let snapshot: StudySnapshot;
  try {
    read = await studyReader(dir, options, deps, 'status');
    snapshot = await read();
  } catch (error) {
    if (!(error instanceof LorahpoError)) throw error;
    deps.stderr.write(`lorahpo status: ${error.message}\n`);
    return 2;
  }
  if (options.json) {
    const { study, trials, source } = snapshot;
    deps.stdout.write(
      `${JSON.stringify({ study: study.metadata.name, stateDir: source, status: study.status, trials }, null, 2)}\n`,
    );
    return 0;
  }
  if (!options.watch) {
    deps.stdout.write(`${statusLines(snapshot, deps, false).join('\n')}\n`);
    return 0;
  }
  return watch(read, snapshot, options, deps);
}

/** Redraws until the study has ended or the signal aborts; a failed re-read keeps the last view. */
async function watch(read: StudyReader, first: StudySnapshot, options: StatusOptions, deps: CliDeps): Promise<number> {
  const intervalMs = Number(options.intervalMs ?? DEFAULT_INTERVAL_MS);
  const clear = deps.stdout.isTTY ? '\x1b[H\x1b[2J' : '';
  let snapshot = first;
  for (;;) {
    const lines = statusLines(snapshot, deps, true);
    deps.stdout.write(`${clear}${lines.join('\n')}\n${clear ? '' : '\n'}`);
    if (hasEnded(snapshot.study.status)) return 0;
    if (!(await sleep(intervalMs, deps.signal))) return 0;
    try {
      snapshot = await read();
    } catch (error) {
      deps.stderr.write(`lorahpo status: cannot re-read the study (${(error as Error).message}); trying again\n`);
    }
  }
}

function hasEnded(status: StudyStatus | undefined): boolean {
  return status?.phase === 'Succeeded' || status?.phase === 'Failed';
}

/** Resolves true after `ms`, false at once when the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((done) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop);
      done(true);
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      done(false);
    };
    signal.addEventListener('abort', stop, { once: true });
  });
}

function statusLines({ study, trials, source }: StudySnapshot, deps: CliDeps, isWatching: boolean): string[] {
  const status = study.status ?? { phase: 'Pending' as const, conditions: [] };
  const metric = study.spec.objective.metric;
  const isLocal = !source.startsWith('cluster ');
  const isStillRunning =
    status.completionReason === undefined && trials.some((trial) => trial.status?.phase === 'Running');
  const interrupted =
    isLocal && !isWatching && isStillRunning
      ? ' (trials shown Running were interrupted unless `lorahpo run` is still going)'
      : '';
  const finished = trials.filter(
    (trial) => trial.status?.phase !== undefined && !['Pending', 'Running'].includes(trial.status.phase),
  ).length;
  const header = `study ${study.metadata.name}: ${status.phase}${status.completionReason ? ` (${status.completionReason})` : ''}`;
  return [
    isWatching
      ? `${header}  ${progressBar(finished, study.spec.budget.maxTrials)}  ${deps.now().toISOString()}`
      : `${header}, ${status.progress ?? `${finished}/${study.spec.budget.maxTrials}`} trials finished${interrupted}`,
    bestLine(status, metric),
    countsLine(status),
    ...warmStartLines(status),
    `${isLocal ? 'state' : 'source'}: ${source}`,
    '',
    ...trialTable(trials, metric, status.bestTrial?.name, (deps.stdout.columns || 200) - 1),
  ];
}
