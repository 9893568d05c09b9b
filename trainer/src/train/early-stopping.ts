/**
 * Patience early stopping with transformers' semantics: an evaluation counts as an improvement
 * only when it beats the best value so far by more than minDelta; after `patience` evaluations in
 * a row without one, training stops. The best value itself follows every better evaluation.
 */
import type { Direction } from '../contract/training.ts';

export interface EarlyStoppingOptions {
  patience: number;
  minDelta: number;
}

export interface Observation {
  /** Better than the best so far (by any amount): keep this evaluation's adapter. */
  isBest: boolean;
  shouldStop: boolean;
}

export interface EarlyStoppingState {
  best?: number;
  evaluationsWithoutImprovement: number;
}

export class EarlyStopping {
  private readonly options: EarlyStoppingOptions | undefined;
  private readonly direction: Direction;
  private bestValue: number | undefined;
  private stale = 0;

  /** Without options it only tracks the best value and never stops. */
  constructor(options: EarlyStoppingOptions | undefined, direction: Direction) {
    this.options = options;
    this.direction = direction;
  }

  get best(): number | undefined {
    return this.bestValue;
  }

  get evaluationsWithoutImprovement(): number {
    return this.stale;
  }

  /** Best value and evaluations without improvement, for a training checkpoint. */
  snapshot(): EarlyStoppingState {
    return { best: this.bestValue, evaluationsWithoutImprovement: this.stale };
  }

  restore(state: EarlyStoppingState): void {
    this.bestValue = state.best;
    this.stale = state.evaluationsWithoutImprovement;
  }

  observe(value: number): Observation {
    const sign = this.direction === 'minimize' ? 1 : -1;
    const gain = this.bestValue === undefined ? Number.POSITIVE_INFINITY : sign * (this.bestValue - value);
    const isBest = gain > 0;
    if (isBest) this.bestValue = value;
    if (gain > (this.options?.minDelta ?? 0)) this.stale = 0;
    else this.stale++;
    return { isBest, shouldStop: this.options !== undefined && this.stale >= this.options.patience };
  }

  reason(): string {
    const o = this.options;
    return o === undefined ? '' : `no improvement > ${o.minDelta} in ${o.patience} evaluation(s)`;
  }
}
