/**
 * Percentile pruner (median is p = 50): prune when the trial's best value so far is worse than
 * the p-th percentile of the complete trials' values at the same step. Optuna semantics: only
 * after warm-up, once per interval, with at least `startupTrials` complete trials and
 * `minTrials` values at that step; a NaN best prunes.
 */
import type { TrialRecord } from '../trial-record.ts';
import type { Direction } from '../api/study.ts';
import { defaultPercentileOptions } from '../api/pruner-defaults.ts';
import { curveUpTo, isComplete, isFirstInInterval, type PruneContext, type Pruner } from './pruner.ts';

/** Defaults: `defaultPercentileOptions()`. */
export interface PercentilePrunerOptions {
  percentile: number;
  startupTrials?: number;
  warmupSteps?: number;
  intervalSteps?: number;
  minTrials?: number;
}

/** numpy.nanpercentile with linear interpolation; NaN when no value is left. */
export function nanPercentile(values: readonly number[], percentile: number): number {
  return percentileOfSorted(
    values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b),
    percentile,
  );
}

function bestOf(values: readonly number[], direction: Direction): number {
  const finite = values.filter((value) => !Number.isNaN(value));
  if (finite.length === 0) return Number.NaN;
  return direction === 'minimize' ? Math.min(...finite) : Math.max(...finite);
}

/** Linear-interpolated percentile of values sorted ascending (no NaN); NaN when empty. */
export function percentileOfSorted(sorted: readonly number[], percentile: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = ((sorted.length - 1) * percentile) / 100;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

interface StepIndex {
  completeCount: number;
  /** Per step: the complete trials' values there, NaN dropped, sorted ascending. */
  sortedByStep: Map<number, number[]>;
  /** Per step: how many complete trials reported it (NaN included, for minTrials). */
  countByStep: Map<number, number>;
}

/**
 * The complete trials' values at each step. The engine judges one trial at every step against
 * the same history array, so the index is built once per history (a cache, not state: it is a
 * function of the frozen history alone).
 */
const stepIndexes = new WeakMap<readonly TrialRecord[], StepIndex>();

function stepIndex(history: readonly TrialRecord[]): StepIndex {
  const cached = stepIndexes.get(history);
  if (cached) return cached;
  const complete = history.filter(isComplete);
  const sortedByStep = new Map<number, number[]>();
  const countByStep = new Map<number, number>();
  for (const trial of complete) {
    for (const point of trial.intermediate) {
      countByStep.set(point.step, (countByStep.get(point.step) ?? 0) + 1);
      if (Number.isNaN(point.value)) continue;
      const values = sortedByStep.get(point.step);
      if (values) values.push(point.value);
      else sortedByStep.set(point.step, [point.value]);
    }
  }
  for (const values of sortedByStep.values()) values.sort((a, b) => a - b);
  const index = { completeCount: complete.length, sortedByStep, countByStep };
  stepIndexes.set(history, index);
  return index;
}

export class PercentilePruner implements Pruner {
  readonly #percentile: number;
  readonly #startupTrials: number;
  readonly #warmupSteps: number;
  readonly #intervalSteps: number;
  readonly #minTrials: number;

  constructor(options: PercentilePrunerOptions) {
    this.#percentile = options.percentile;
    const defaults = defaultPercentileOptions();
    this.#startupTrials = options.startupTrials ?? defaults.startupTrials;
    this.#warmupSteps = options.warmupSteps ?? defaults.warmupSteps;
    this.#intervalSteps = options.intervalSteps ?? defaults.intervalSteps;
    this.#minTrials = options.minTrials ?? defaults.minTrials;
  }

  shouldPrune({ trial, step, history, direction }: PruneContext): boolean {
    const index = stepIndex(history);
    if (index.completeCount === 0 || index.completeCount < this.#startupTrials) return false;
    if (step < this.#warmupSteps) return false;
    const curve = curveUpTo(trial, step);
    if (
      !isFirstInInterval(
        step,
        curve.map((point) => point.step),
        this.#warmupSteps,
        this.#intervalSteps,
      )
    )
      return false;
    const best = bestOf(
      curve.map((point) => point.value),
      direction,
    );
    if (Number.isNaN(best)) return true;
    if ((index.countByStep.get(step) ?? 0) < this.#minTrials) return false;
    const percentile = direction === 'maximize' ? 100 - this.#percentile : this.#percentile;
    const threshold = percentileOfSorted(index.sortedByStep.get(step) ?? [], percentile);
    if (Number.isNaN(threshold)) return false;
    return direction === 'maximize' ? best < threshold : best > threshold;
  }
}

/** The median pruner: the default percentile, the 50th. */
export class MedianPruner extends PercentilePruner {
  constructor(options: Omit<PercentilePrunerOptions, 'percentile'> = {}) {
    super({ ...options, percentile: defaultPercentileOptions().percentile });
  }
}
