/** Threshold pruner: prune when the latest value leaves [lower, upper] or is NaN (after warm-up, once per interval). */
import { curveUpTo, isFirstInInterval, valueAt, type PruneContext, type Pruner } from './pruner.ts';

export interface ThresholdPrunerOptions {
  lower?: number;
  upper?: number;
  warmupSteps?: number;
  intervalSteps?: number;
}

export class ThresholdPruner implements Pruner {
  readonly #lower: number;
  readonly #upper: number;
  readonly #warmupSteps: number;
  readonly #intervalSteps: number;

  constructor(options: ThresholdPrunerOptions) {
    this.#lower = options.lower ?? Number.NEGATIVE_INFINITY;
    this.#upper = options.upper ?? Number.POSITIVE_INFINITY;
    this.#warmupSteps = options.warmupSteps ?? 0;
    this.#intervalSteps = options.intervalSteps ?? 1;
  }

  shouldPrune({ trial, step }: PruneContext): boolean {
    if (step < this.#warmupSteps) return false;
    const steps = curveUpTo(trial, step).map((point) => point.step);
    if (!isFirstInInterval(step, steps, this.#warmupSteps, this.#intervalSteps)) return false;
    const latest = valueAt(trial, step);
    if (latest === undefined) return false;
    return Number.isNaN(latest) || latest < this.#lower || latest > this.#upper;
  }
}
