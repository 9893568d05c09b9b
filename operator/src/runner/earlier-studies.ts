/**
 * spec.warmStart.fromStudies for `lorahpo run`: each name is the state directory of that name
 * beside this study's (`.lorahpo/<name>` next to `.lorahpo/<study>` by default), read, never
 * locked or written, from its journal. A name with no journal there is an error, not an empty
 * history: a typo would otherwise start the study cold without a word.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { StudySpec } from '../api/study.ts';
import type { LoraTrial } from '../api/trial.ts';
import { SpecInvalidError, type Issue } from '../errors.ts';
import { JOURNAL_FILE, readJournal } from './journal.ts';
import { replayJournal, trialList } from './journal-state.ts';

/** The state directory `name` resolves to for a study whose state is in `stateDir`. */
export function earlierStateDir(stateDir: string, name: string): string {
  return join(dirname(resolve(stateDir)), name);
}

/**
 * The trials of every earlier study the spec names, as their journals hold them now. `skip`
 * (for the read-only views): a study no longer there adds nothing instead of failing the view.
 */
export function readEarlierTrials(spec: StudySpec, stateDir: string, missing: 'error' | 'skip' = 'error'): LoraTrial[] {
  const trials: LoraTrial[] = [];
  const issues: Issue[] = [];
  (spec.warmStart?.fromStudies ?? []).forEach((name, i) => {
    const dir = earlierStateDir(stateDir, name);
    const journal = join(dir, JOURNAL_FILE);
    if (!existsSync(journal)) {
      issues.push({
        code: 'warm_start_study',
        path: `spec.warmStart.fromStudies[${i}]`,
        message: `is "${name}" but must name a study run with lorahpo run beside this one: ${dir} holds no journal`,
      });
      return;
    }
    const state = replayJournal(readJournal(journal));
    const found = state.study?.metadata?.name;
    if (found !== name) {
      issues.push({
        code: 'warm_start_study',
        path: `spec.warmStart.fromStudies[${i}]`,
        message: `is "${name}" but ${dir} holds study "${found}"`,
      });
      return;
    }
    trials.push(...trialList(state));
  });
  if (issues.length > 0 && missing === 'error') throw new SpecInvalidError('warm start is invalid:', issues);
  return trials;
}
