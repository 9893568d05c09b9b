/** Threshold pruner: prune when the latest value leaves [lower, upper] or is NaN (after warm-up, once per interval). */
import { defaultThresholdOptions } from '../api/pruner-defaults.ts';
import { curveUpTo, isFirstInInterval, valueAt, type PruneContext, type Pruner } from './pruner.ts';

/** Defaults: `defaultThresholdOptions()`. */
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
    const defaults = defaultThresholdOptions();
    this.#lower = options.lower ?? defaults.lower;
    this.#upper = options.upper ?? defaults.upper;
    this.#warmupSteps = options.warmupSteps ?? defaults.warmupSteps;
    this.#intervalSteps = options.intervalSteps ?? defaults.intervalSteps;
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
