/**
 * Asynchronous successive halving (ASHA). Rung r sits at step
 * `minResource * eta^(minEarlyStoppingRate + r)`; a trial reaching a rung records its value there
 * and continues only if that value is in the top floor(k / eta) of the k values recorded at the
 * rung (the best one while k < eta). Optuna keeps the rung values in trial storage; here they
 * are derived from each trial's curve (the value at its first step at or past the rung), so
 * nothing lives outside the history and a restart decides the same.
 */
import type { TrialRecord } from '../trial-record.ts';
import type { Direction } from '../api/study.ts';
import { defaultSuccessiveHalvingOptions } from '../api/pruner-defaults.ts';
import { curveUpTo, firstComplete, lastStep, type PruneContext, type Pruner } from './pruner.ts';

/** Defaults: `defaultSuccessiveHalvingOptions()`. */
export interface SuccessiveHalvingOptions {
  /** Step of rung 0 (before the rate); undefined: auto, the first complete trial's last step / 100. */
  minResource?: number;
  reductionFactor?: number;
  minEarlyStoppingRate?: number;
  bootstrapCount?: number;
}

export class SuccessiveHalvingPruner implements Pruner {
  readonly #minResource?: number;
  readonly #eta: number;
  readonly #rate: number;
  readonly #bootstrapCount: number;

  constructor(options: SuccessiveHalvingOptions = {}) {
    this.#minResource = options.minResource;
    const defaults = defaultSuccessiveHalvingOptions();
    this.#eta = options.reductionFactor ?? defaults.reductionFactor;
    this.#rate = options.minEarlyStoppingRate ?? defaults.minEarlyStoppingRate;
    this.#bootstrapCount = options.bootstrapCount ?? defaults.bootstrapCount;
  }

  shouldPrune({ trial, step, history, direction }: PruneContext): boolean {
    const minResource = this.#minResource ?? estimateMinResource(history);
    if (minResource === undefined) return false;
    const curve = curveUpTo(trial, step);
    const value = curve.at(-1)?.value;
    if (value === undefined || curve.at(-1)?.step !== step) return false;
    const previousStep = curve.length > 1 ? curve[curve.length - 2].step : -1;
    for (
      let rung = this.#rungsPassed(minResource, previousStep);
      step >= this.#rungStep(minResource, rung);
      rung += 1
    ) {
      if (Number.isNaN(value)) return true;
      const competing = [...history.flatMap((other) => this.#rungValue(other, minResource, rung)), value];
      if (competing.length <= this.#bootstrapCount) return true;
      if (!isPromotable(value, competing, this.#eta, direction)) return true;
    }
    return false;
  }

  #rungStep(minResource: number, rung: number): number {
    return minResource * this.#eta ** (this.#rate + rung);
  }

  /** Rungs whose step is at or below `step`. */
  #rungsPassed(minResource: number, step: number): number {
    let rung = 0;
    while (step >= this.#rungStep(minResource, rung)) rung += 1;
    return rung;
  }

  /** The value `trial` recorded at `rung`: its first reported value at or past the rung's step. */
  #rungValue(trial: TrialRecord, minResource: number, rung: number): number[] {
    const rungStep = this.#rungStep(minResource, rung);
    let reached: { step: number; value: number } | undefined;
    for (const point of trial.intermediate)
      if (point.step >= rungStep && (reached === undefined || point.step < reached.step)) reached = point;
    return reached === undefined ? [] : [reached.value];
  }
}

/** Optuna's estimate: the last step of complete trials / 100, at least 1; here from the first complete trial, so it never moves. */
export function estimateMinResource(history: readonly TrialRecord[]): number | undefined {
  const reference = firstComplete(history);
  const last = reference === undefined ? undefined : lastStep(reference);
  return last === undefined ? undefined : Math.max(Math.floor(last / 100), 1);
}

function isPromotable(value: number, competing: number[], eta: number, direction: Direction): boolean {
  let promotableIndex = Math.floor(competing.length / eta) - 1;
  if (promotableIndex === -1) promotableIndex = 0;
  const sorted = [...competing].sort((a, b) => a - b);
  if (direction === 'maximize') return sorted[sorted.length - 1 - promotableIndex] <= value;
  return value <= sorted[promotableIndex];
}
