/**
 * The sampler role: given the search space, the direction and a frozen history, suggest the
 * parameters of trial `number`. Samplers keep no state between calls beyond their configuration,
 * so a restarted operator (or the engine passing a filtered history) gets the same decisions.
 * The implementations and the factory (`create-sampler.ts`) import this file, never the reverse.
 */
import type { Parameter, Params } from '../api/parameters.ts';
import type { Direction } from '../api/study.ts';
import type { TrialRecord } from '../trial-record.ts';

export interface SampleContext {
  /** The parsed, checked search space (see `parseSearchSpace`). */
  space: readonly Parameter[];
  direction: Direction;
  /** The history the suggestion may depend on, in any order. */
  trials: readonly TrialRecord[];
  /** The number of the trial being sampled: selects its random stream. */
  number: number;
}

export interface Sampler {
  sample(context: SampleContext): Params;
  /** Samplers with a finite space (grid) say whether any suggestion is left for this history. */
  isExhausted?(space: readonly Parameter[], trials: readonly TrialRecord[]): boolean;
}
