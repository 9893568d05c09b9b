/**
 * A trial as the samplers, pruners and the engine see it: a frozen record. The operator builds
 * these from LoraTrial objects, the local runner from its journal; `Study.fromTrials` rebuilds a
 * study from them.
 */
import type { Params } from './api/parameters.ts';

export type TrialState = 'running' | 'complete' | 'pruned' | 'failed';

export interface IntermediateValue {
  step: number;
  value: number;
}

export interface TrialRecord {
  number: number;
  params: Params;
  state: TrialState;
  /** Final objective value (complete trials; pruned trials may carry their last value). */
  value?: number;
  /** Intermediate values in step order, at most one per step. */
  intermediate: IntermediateValue[];
}
