/**
 * Percentile pruner (median is p = 50): prune when the trial's best value so far is worse than
 * the p-th percentile of the complete trials' values at the same step. Optuna semantics: only
 * after warm-up, once per interval, with at least `startupTrials` complete trials and
 * `minTrials` values at that step; a NaN best prunes.
 */
import { curveUpTo, isComplete, isFirstInInterval, valueAt, type Direction, type PruneContext, type Pruner } from './pruner.ts';

export interface PercentilePrunerOptions {
  percentile: number;
  startupTrials?: number;
  warmupSteps?: number;
  intervalSteps?: number;
  minTrials?: number;
}

/** numpy.nanpercentile with linear interpolation; NaN when no value is left. */
export function nanPercentile(values: readonly number[], percentile: number): number {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const position = ((sorted.length - 1) * percentile) / 100;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

function bestOf(values: readonly number[], direction: Direction): number {
  const finite = values.filter((value) => !Number.isNaN(value));
  if (finite.length === 0) return Number.NaN;
  return direction === 'minimize' ? Math.min(...finite) : Math.max(...finite);
}

export class PercentilePruner implements Pruner {
  readonly #percentile: number;
  readonly #startupTrials: number;
  readonly #warmupSteps: number;
  readonly #intervalSteps: number;
  readonly #minTrials: number;

  constructor(options: PercentilePrunerOptions) {
    this.#percentile = options.percentile;
    this.#startupTrials = options.startupTrials ?? 5;
    this.#warmupSteps = options.warmupSteps ?? 0;
    this.#intervalSteps = options.intervalSteps ?? 1;
    this.#minTrials = options.minTrials ?? 1;
  }

  shouldPrune({ trial, step, history, direction }: PruneContext): boolean {
    const complete = history.filter(isComplete);
    if (complete.length === 0 || complete.length < this.#startupTrials) return false;
    if (step < this.#warmupSteps) return false;
    const curve = curveUpTo(trial, step);
    if (!isFirstInInterval(step, curve.map((point) => point.step), this.#warmupSteps, this.#intervalSteps)) return false;
    const best = bestOf(curve.map((point) => point.value), direction);
    if (Number.isNaN(best)) return true;
    const atStep = complete.map((other) => valueAt(other, step)).filter((value): value is number => value !== undefined);
    if (atStep.length < this.#minTrials) return false;
    const percentile = direction === 'maximize' ? 100 - this.#percentile : this.#percentile;
    const threshold = nanPercentile(atStep, percentile);
    if (Number.isNaN(threshold)) return false;
    return direction === 'maximize' ? best < threshold : best > threshold;
  }
}

/** The median pruner: the 50th percentile. */
export class MedianPruner extends PercentilePruner {
  constructor(options: Omit<PercentilePrunerOptions, 'percentile'> = {}) {
    super({ ...options, percentile: 50 });
  }
}
