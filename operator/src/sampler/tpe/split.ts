/**
 * The good/bad split of TPE. Finished trials are ranked best first: complete trials by their
 * direction-adjusted value, then pruned trials (those that got further first, ties by their value
 * at that step); NaN is worst; ties by trial number. The best gamma(n) are good. Running trials
 * join the bad set under the constant-liar option; failed trials are ignored.
 * Only the top gamma (≤ 25) need ordering, so the split selects them in one pass instead of
 * sorting all n trials.
 */
import type { TrialRecord } from '../../trial-record.ts';
import type { Direction } from '../../api/study.ts';

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

/** Sort keys of the finished trials, as parallel arrays. */
interface RankKeys {
  trials: TrialRecord[];
  /** 0 complete, 1 pruned. */
  group: Uint8Array;
  /** Pruned: the negated last step, so further comes first (+∞ without any step). */
  progress: Float64Array;
  /** Direction-adjusted value, lower is better; NaN sorts last within its group and progress. */
  score: Float64Array;
}

function rankKeys(trials: readonly TrialRecord[], direction: Direction): RankKeys {
  const finished = trials.filter((trial) => trial.state === 'complete' || trial.state === 'pruned');
  const sign = direction === 'minimize' ? 1 : -1;
  const keys: RankKeys = {
    trials: finished,
    group: new Uint8Array(finished.length),
    progress: new Float64Array(finished.length),
    score: new Float64Array(finished.length),
  };
  finished.forEach((trial, i) => {
    if (trial.state === 'complete') {
      keys.score[i] = sign * (trial.value ?? Number.NaN);
      return;
    }
    const last = trial.intermediate.length > 0 ? trial.intermediate[trial.intermediate.length - 1] : undefined;
    keys.group[i] = 1;
    keys.progress[i] = last === undefined ? Infinity : -last.step;
    keys.score[i] = sign * (last?.value ?? Number.NaN);
  });
  return keys;
}

function compare(keys: RankKeys, a: number, b: number): number {
  if (keys.group[a] !== keys.group[b]) return keys.group[a] - keys.group[b];
  if (keys.progress[a] !== keys.progress[b]) return keys.progress[a] < keys.progress[b] ? -1 : 1;
  const [scoreA, scoreB] = [keys.score[a], keys.score[b]];
  const [nanA, nanB] = [Number.isNaN(scoreA), Number.isNaN(scoreB)];
  if (nanA !== nanB) return nanA ? 1 : -1;
  if (!nanA && scoreA !== scoreB) return scoreA < scoreB ? -1 : 1;
  return keys.trials[a].number - keys.trials[b].number;
}

/** Indices of the best `count` keys, best first: one pass with a small sorted buffer. */
function selectBest(keys: RankKeys, count: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < keys.trials.length; i++) {
    if (best.length === count && compare(keys, i, best[count - 1]) >= 0) continue;
    let at = best.length === count ? count - 1 : best.length;
    while (at > 0 && compare(keys, i, best[at - 1]) < 0) {
      best[at] = best[at - 1];
      at--;
    }
    best[at] = i;
    if (best.length > count) best.length = count;
  }
  return best;
}

/** Finished trials, best first. */
export function rankFinished(trials: readonly TrialRecord[], direction: Direction): TrialRecord[] {
  const keys = rankKeys(trials, direction);
  const order = Array.from(keys.trials, (_, i) => i).sort((a, b) => compare(keys, a, b));
  return order.map((i) => keys.trials[i]);
}

const byNumber = (a: TrialRecord, b: TrialRecord): number => a.number - b.number;

function sortByNumber(trials: TrialRecord[]): TrialRecord[] {
  for (let i = 1; i < trials.length; i++) if (trials[i].number < trials[i - 1].number) return trials.sort(byNumber);
  return trials;
}

export function splitTrials(trials: readonly TrialRecord[], options: SplitOptions): Split {
  const keys = rankKeys(trials, options.direction);
  const goodIndices = selectBest(keys, gamma(keys.trials.length, options.gammaRatio, options.gammaCap));
  const isGood = new Uint8Array(keys.trials.length);
  for (const i of goodIndices) isGood[i] = 1;
  const good = sortByNumber(goodIndices.map((i) => keys.trials[i]));
  const bad = keys.trials.filter((_, i) => isGood[i] === 0);
  if (options.constantLiar) {
    for (const trial of trials) if (trial.state === 'running') bad.push(trial);
  }
  return { good, bad: sortByNumber(bad) };
}
