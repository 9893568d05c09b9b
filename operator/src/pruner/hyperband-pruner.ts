/**
 * Hyperband: several successive-halving brackets with rates 0..n-1. A trial's bracket comes from
 * a hash of (study, number), weighted by each bracket's trial budget, as in Optuna; trials
 * compete only within their bracket, and the sampler sees only the trial's bracket.
 */
import type { TrialRecord } from '../trial-record.ts';
import { defaultHyperbandOptions } from '../api/pruner-defaults.ts';
import { crc32 } from './crc32.ts';
import { firstComplete, lastStep, type PruneContext, type Pruner } from './pruner.ts';
import { SuccessiveHalvingPruner } from './successive-halving-pruner.ts';

/** Defaults: `defaultHyperbandOptions()`. */
export interface HyperbandOptions {
  minResource?: number;
  /** undefined: auto, the first complete trial's last step + 1. */
  maxResource?: number;
  reductionFactor?: number;
  bootstrapCount?: number;
}

interface Brackets {
  budgets: number[];
  total: number;
  pruners: SuccessiveHalvingPruner[];
}

export class HyperbandPruner implements Pruner {
  readonly #minResource: number;
  readonly #maxResource?: number;
  readonly #eta: number;
  readonly #bootstrapCount: number;

  constructor(options: HyperbandOptions = {}) {
    const defaults = defaultHyperbandOptions();
    this.#minResource = options.minResource ?? defaults.minResource;
    this.#maxResource = options.maxResource;
    this.#eta = options.reductionFactor ?? defaults.reductionFactor;
    this.#bootstrapCount = options.bootstrapCount ?? defaults.bootstrapCount;
  }

  shouldPrune(context: PruneContext): boolean {
    const brackets = this.#brackets(context.history);
    if (brackets === undefined) return false;
    const bracket = bracketOf(brackets, context.study, context.trial.number);
    const history = context.history.filter((trial) => bracketOf(brackets, context.study, trial.number) === bracket);
    return brackets.pruners[bracket].shouldPrune({ ...context, history });
  }

  samplerHistory(number: number, history: readonly TrialRecord[], study: string): TrialRecord[] {
    const brackets = this.#brackets(history);
    if (brackets === undefined) return [...history];
    const bracket = bracketOf(brackets, study, number);
    return history.filter((trial) => bracketOf(brackets, study, trial.number) === bracket);
  }

  /** The brackets, once the resource range is known (auto needs one complete trial). */
  #brackets(history: readonly TrialRecord[]): Brackets | undefined {
    const reference = firstComplete(history);
    const referenceLast = reference === undefined ? undefined : lastStep(reference);
    const maxResource = this.#maxResource ?? (referenceLast === undefined ? undefined : referenceLast + 1);
    if (maxResource === undefined) return undefined;
    let count = 1;
    while (this.#minResource * this.#eta ** count <= maxResource) count += 1;
    const budgets = Array.from({ length: count }, (_, id) => {
      const s = count - 1 - id;
      return Math.ceil((count * this.#eta ** s) / (s + 1));
    });
    const pruners = budgets.map(
      (_, id) =>
        new SuccessiveHalvingPruner({
          minResource: this.#minResource,
          reductionFactor: this.#eta,
          minEarlyStoppingRate: id,
          bootstrapCount: this.#bootstrapCount,
        }),
    );
    return { budgets, total: budgets.reduce((sum, budget) => sum + budget, 0), pruners };
  }
}

function bracketOf(brackets: Brackets, study: string, number: number): number {
  let n = crc32(`${study}_${number}`) % brackets.total;
  for (let id = 0; id < brackets.budgets.length; id += 1) {
    n -= brackets.budgets[id];
    if (n < 0) return id;
  }
  return brackets.budgets.length - 1;
}
