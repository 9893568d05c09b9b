/**
 * Patient pruner: acts only when the last `patience + 1` values have not improved on the best
 * before them by more than `minDelta`; then it asks the wrapped pruner (or prunes, with none).
 */
import type { TrialRecord } from '../trial-record.ts';
import { defaultPatientOptions } from '../api/pruner-defaults.ts';
import { curveUpTo, type PruneContext, type Pruner } from './pruner.ts';

/** Defaults: `defaultPatientOptions()` (a spec's patience too, by createPruner). */
export interface PatientPrunerOptions {
  patience: number;
  minDelta?: number;
  wrapped?: Pruner;
}

function nanMin(values: number[]): number {
  const finite = values.filter((value) => !Number.isNaN(value));
  return finite.length === 0 ? Number.NaN : Math.min(...finite);
}

function nanMax(values: number[]): number {
  const finite = values.filter((value) => !Number.isNaN(value));
  return finite.length === 0 ? Number.NaN : Math.max(...finite);
}

export class PatientPruner implements Pruner {
  readonly #patience: number;
  readonly #minDelta: number;
  readonly #wrapped?: Pruner;

  constructor(options: PatientPrunerOptions) {
    this.#patience = options.patience;
    this.#minDelta = options.minDelta ?? defaultPatientOptions().minDelta;
    this.#wrapped = options.wrapped;
  }

  shouldPrune(context: PruneContext): boolean {
    const values = curveUpTo(context.trial, context.step).map((point) => point.value);
    if (values.length <= this.#patience + 1) return false;
    const before = values.slice(0, values.length - this.#patience - 1);
    const after = values.slice(values.length - this.#patience - 1);
    const hasStalled =
      context.direction === 'minimize'
        ? nanMin(before) - this.#minDelta < nanMin(after)
        : nanMax(before) + this.#minDelta > nanMax(after);
    if (!hasStalled) return false;
    return this.#wrapped === undefined ? true : this.#wrapped.shouldPrune(context);
  }

  samplerHistory(number: number, history: readonly TrialRecord[], study: string) {
    return this.#wrapped?.samplerHistory?.(number, history, study) ?? [...history];
  }
}
