/**
 * The good/bad split of TPE. Finished trials are ranked best first: complete trials by their
 * direction-adjusted value, then pruned trials (those that got further first, ties by their value
 * at that step); NaN is worst. The best gamma(n) are good. Running trials join the bad set under
 * the constant-liar option; failed trials are ignored.
 */
import type { TrialRecord } from '../../study/trial.ts';
import type { Direction } from '../sampler.ts';

export interface SplitOptions {
  direction: Direction;
  gammaRatio: number;
  gammaCap: number;
  constantLiar: boolean;
}

/** Both sets in trial-number order (the weights depend on age). */
export interface Split {
  good: TrialRecord[];
  bad: TrialRecord[];
}

/** gamma(n) = min(ceil(ratio · n), cap). */
export function gamma(finished: number, ratio: number, cap: number): number {
  return Math.min(Math.ceil(ratio * finished), cap);
}

interface RankKey {
  trial: TrialRecord;
  /** 0 complete, 1 pruned. */
  group: number;
  /** Pruned: the negated last step, so further comes first. */
  progress: number;
  /** Direction-adjusted, lower is better; NaN mapped to +Infinity after ties on ±Infinity. */
  score: number;
  isNaN: boolean;
}

function rankKey(trial: TrialRecord, sign: number): RankKey {
  if (trial.state === 'complete') {
    const value = trial.value ?? Number.NaN;
    return { trial, group: 0, progress: 0, score: sign * value, isNaN: Number.isNaN(value) };
  }
  const last = trial.intermediate.length > 0 ? trial.intermediate[trial.intermediate.length - 1] : undefined;
  const value = last?.value ?? Number.NaN;
  return { trial, group: 1, progress: last === undefined ? Infinity : -last.step, score: sign * value, isNaN: Number.isNaN(value) };
}

function compareKeys(a: RankKey, b: RankKey): number {
  if (a.group !== b.group) return a.group - b.group;
  if (a.progress !== b.progress) return a.progress - b.progress;
  if (a.isNaN !== b.isNaN) return a.isNaN ? 1 : -1;
  if (!a.isNaN && a.score !== b.score) return a.score < b.score ? -1 : 1;
  return a.trial.number - b.trial.number;
}

/** Finished trials, best first. */
export function rankFinished(trials: readonly TrialRecord[], direction: Direction): TrialRecord[] {
  const sign = direction === 'minimize' ? 1 : -1;
  const keys: RankKey[] = [];
  for (const trial of trials) {
    if (trial.state === 'complete' || trial.state === 'pruned') keys.push(rankKey(trial, sign));
  }
  keys.sort(compareKeys);
  return keys.map((key) => key.trial);
}

const byNumber = (a: TrialRecord, b: TrialRecord): number => a.number - b.number;

export function splitTrials(trials: readonly TrialRecord[], options: SplitOptions): Split {
  const ranked = rankFinished(trials, options.direction);
  const goodCount = gamma(ranked.length, options.gammaRatio, options.gammaCap);
  const good = ranked.slice(0, goodCount).sort(byNumber);
  const bad = ranked.slice(goodCount);
  if (options.constantLiar) {
    for (const trial of trials) if (trial.state === 'running') bad.push(trial);
  }
  return { good, bad: bad.sort(byNumber) };
}
