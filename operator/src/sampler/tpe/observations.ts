/**
 * Trials as columns of internal coordinates, one Float64Array per dimension (NaN where a trial
 * lacks the parameter or holds a value outside the current space), and the row subsets a block
 * of dimensions can use.
 */
import type { TrialRecord } from '../../study/trial.ts';
import { toInternal, type Domain } from '../domain.ts';
import { observationWeights } from './weights.ts';

export interface Observations {
  /** Rows in trial-number order. */
  readonly trials: readonly TrialRecord[];
  readonly columns: readonly Float64Array[];
}

export function toObservations(domains: readonly Domain[], trials: readonly TrialRecord[]): Observations {
  const columns = domains.map((domain) => {
    const column = new Float64Array(trials.length);
    for (let row = 0; row < trials.length; row++) column[row] = toInternal(domain, trials[row].params[domain.name]);
    return column;
  });
  return { trials, columns };
}

/** The observations of a block: only rows holding every dimension of it, with their age weights. */
export interface BlockObservations {
  readonly columns: Float64Array[];
  readonly weights: Float64Array;
}

/** Rows [start, end) that hold every dimension of `block`, as columns, with their age weights. */
export function blockObservations(observations: Observations, block: readonly number[], start: number, end: number): BlockObservations {
  const rows: number[] = [];
  for (let row = start; row < end; row++) {
    if (block.every((d) => !Number.isNaN(observations.columns[d][row]))) rows.push(row);
  }
  const weights = observationWeights(rows.length);
  if (rows.length === end - start) {
    return { columns: block.map((d) => observations.columns[d].subarray(start, end)), weights };
  }
  const columns = block.map((d) => Float64Array.from(rows, (row) => observations.columns[d][row]));
  return { columns, weights };
}
