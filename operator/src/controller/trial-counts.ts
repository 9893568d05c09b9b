/**
 * The trials-by-phase gauge over every study this operator reconciles. Each study's counts
 * replace its previous ones in the totals, so the gauge is kept up to date, not summed over
 * every study on each reconcile.
 */
import { TRIAL_PHASES, type LoraTrial, type TrialPhase } from '../api/trial.ts';
import type { OperatorMetrics } from './metrics.ts';

export class TrialCounts {
  readonly #metrics: OperatorMetrics | undefined;
  readonly #byStudy = new Map<string, Map<TrialPhase, number>>();
  readonly #totals = new Map<TrialPhase, number>();

  constructor(metrics: OperatorMetrics | undefined) {
    this.#metrics = metrics;
  }

  /** The study `key` now has these trials; none when it is gone. */
  count(key: string, trials: readonly LoraTrial[]): void {
    const counts = new Map<TrialPhase, number>();
    for (const trial of trials) {
      const phase = trial.status?.phase ?? 'Pending';
      counts.set(phase, (counts.get(phase) ?? 0) + 1);
    }
    this.#change(this.#byStudy.get(key), -1);
    this.#change(counts, 1);
    if (counts.size > 0) this.#byStudy.set(key, counts);
    else this.#byStudy.delete(key);
    const gauge = this.#metrics?.trialsByState;
    for (const phase of TRIAL_PHASES) gauge?.set({ phase }, this.#totals.get(phase) ?? 0);
  }

  #change(counts: Map<TrialPhase, number> | undefined, sign: number): void {
    for (const [phase, n] of counts ?? []) this.#totals.set(phase, (this.#totals.get(phase) ?? 0) + sign * n);
  }
}
