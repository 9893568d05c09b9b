/**
 * `lorahpo status [state-dir]`: the study and its trials from a local state directory, rebuilt
 * from the journal (the same state `lorahpo run` resumes from). Without an argument it looks in
 * .lorahpo/ and lists the studies there when there are several.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { LoraStudySchema } from '../../api/study.ts';
import { LorahpoError } from '../../errors.ts';
import { plan } from '../../engine/plan.ts';
import { JOURNAL_FILE, readJournal } from '../../runner/journal.ts';
import { replayJournal, trialList } from '../../runner/journal-state.ts';
import type { CliDeps } from '../deps.ts';
import { bestLine, countsLine, trialTable } from '../render.ts';

export interface StatusOptions {
  json?: boolean;
}

export function statusCommandSpec(): Command {
  return new Command('status')
    .description('print a local study (lorahpo run) and its trials')
    .argument('[state-dir]', 'the study\'s state directory (default: the one under .lorahpo/)')
    .option('--json', 'print {status, trials} as JSON');
}

/** The state directory to show: the argument, or the only study under .lorahpo/. */
function findStateDir(dir: string | undefined, deps: CliDeps): string {
  if (dir !== undefined) return resolve(deps.cwd, dir);
  const root = resolve(deps.cwd, '.lorahpo');
  const studies = existsSync(root) ? readdirSync(root).filter((name) => existsSync(join(root, name, JOURNAL_FILE))) : [];
  if (studies.length === 1) return join(root, studies[0]);
  if (studies.length === 0) throw new LorahpoError('LORAHPO_IO', `no study under ${root}; run \`lorahpo run study.yaml\` first or name a state directory`);
  throw new LorahpoError('LORAHPO_IO', `several studies under ${root}: ${studies.join(', ')}; name one: lorahpo status .lorahpo/<study>`);
}

export async function statusCommand(dir: string | undefined, options: StatusOptions, deps: CliDeps): Promise<number> {
  let stateDir: string;
  try {
    stateDir = findStateDir(dir, deps);
  } catch (error) {
    if (!(error instanceof LorahpoError)) throw error;
    deps.stderr.write(`lorahpo status: ${error.message}\n`);
    return 2;
  }
  const state = replayJournal(readJournal(join(stateDir, JOURNAL_FILE)));
  if (state.study === undefined) {
    deps.stderr.write(`lorahpo status: ${stateDir} holds no study journal\n`);
    return 2;
  }
  const study = LoraStudySchema.parse(state.study);
  const trials = trialList(state);
  const previous = state.startTime ? { phase: 'Running' as const, conditions: [], startTime: state.startTime } : undefined;
  const { status } = plan({ metadata: study.metadata, spec: study.spec, status: previous }, trials, deps.now(), { hasTrainerOverride: true });
  if (options.json) {
    deps.stdout.write(`${JSON.stringify({ study: study.metadata.name, stateDir, status, trials }, null, 2)}\n`);
    return 0;
  }
  const metric = study.spec.objective.metric;
  const interrupted = status.completionReason === undefined && trials.some((trial) => trial.status?.phase === 'Running') ? ' (trials shown Running were interrupted unless `lorahpo run` is still going)' : '';
  const lines = [
    `study ${study.metadata.name}: ${status.phase}${status.completionReason ? ` (${status.completionReason})` : ''}, ${status.progress} trials finished${interrupted}`,
    bestLine(status, metric),
    countsLine(status),
    `state: ${stateDir}`,
    '',
    ...trialTable(trials, metric, status.bestTrial?.name, (deps.stdout.columns || 200) - 1),
  ];
  deps.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
