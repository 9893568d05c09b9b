/**
 * Trials as columns of internal coordinates, one Float64Array per dimension (NaN where a trial
 * lacks the parameter or holds a value outside the current space), and the row subsets a block
 * of dimensions can use.
 */
import type { TrialRecord } from '../../trial-record.ts';
import { toInternal, type Domain } from '../domain.ts';
import { observationWeights } from './weights.ts';

export interface Observations {
  /** Rows in trial-number order. */
  readonly trials: readonly TrialRecord[];
  readonly columns: readonly Float64Array[];
}

/**
 * Remembers each params object's internal coordinates for one space, so a study asking again
 * with mostly the same (frozen) records converts only the new ones. Indexed by trial number (a
 * plain array lookup, which matters at a thousand trials per ask) and checked by identity of the
 * params object, so a record replaced under the same number is converted afresh. Pure memoisation.
 */
export class InternalCache {
  private spaceKey = '';
  private byNumber: ({ params: TrialRecord['params']; row: Float64Array } | undefined)[] = [];

  rowOf(domains: readonly Domain[], spaceKey: string, trial: TrialRecord): Float64Array {
    if (spaceKey !== this.spaceKey) {
      this.spaceKey = spaceKey;
      this.byNumber = [];
    }
    const { number, params } = trial;
    const indexable = Number.isSafeInteger(number) && number >= 0;
    const cached = indexable ? this.byNumber[number] : undefined;
    if (cached !== undefined && cached.params === params) return cached.row;
    const row = Float64Array.from(domains, (domain) => toInternal(domain, params[domain.name]));
    if (indexable && Object.isFrozen(params)) this.byNumber[number] = { params, row };
    return row;
  }
}

export function toObservations(
  domains: readonly Domain[],
  trials: readonly TrialRecord[],
  cache: InternalCache,
  spaceKey: string,
): Observations {
  const columns = domains.map(() => new Float64Array(trials.length));
  for (let row = 0; row < trials.length; row++) {
    const values = cache.rowOf(domains, spaceKey, trials[row]);
    for (let d = 0; d < domains.length; d++) columns[d][row] = values[d];
  }
  return { trials, columns };
}

/** The observations of a block: only rows holding every dimension of it, with their age weights. */
export interface BlockObservations {
  readonly columns: Float64Array[];
  readonly weights: Float64Array;
  /** The rows' trial numbers. */
  readonly numbers: Float64Array;
}

/** Rows [start, end) that hold every dimension of `block`, as columns, with their age weights. */
export function blockObservations(
  observations: Observations,
  block: readonly number[],
  start: number,
  end: number,
): BlockObservations {
  const rows: number[] = [];
  for (let row = start; row < end; row++) {
    if (block.every((d) => !Number.isNaN(observations.columns[d][row]))) rows.push(row);
  }
  const weights = observationWeights(rows.length);
  const numbers = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) numbers[i] = observations.trials[rows[i]].number;
  if (rows.length === end - start) {
    return { columns: block.map((d) => observations.columns[d].subarray(start, end)), weights, numbers };
  }
  const columns = block.map((d) => Float64Array.from(rows, (row) => observations.columns[d][row]));
  return { columns, weights, numbers };
}
