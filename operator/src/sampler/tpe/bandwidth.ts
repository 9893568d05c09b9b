/**
 * Kernel widths of numeric dimensions, in internal coordinates.
 * Neighbour rule: each observation's bandwidth is the larger gap to its sorted neighbours (the
 * bounds act as sentinels). Scott-style rule: one width 0.2 · n^(−1/(D+4)) · range for all.
 * Both are clipped to [range / min(100, n + 2), range].
 */
import { argsort } from './argsort.ts';

export interface NeighbourOptions {
  considerEndpoints: boolean;
}

/**
 * Neighbour-rule bandwidths for observations `values` (any order) on [low, high], written to
 * out[0..m). Equal values share a kernel width: the gaps are taken to the nearest distinct
 * neighbours.
 */
export function neighbourBandwidths(
  values: Float64Array,
  low: number,
  high: number,
  options: NeighbourOptions,
  out = new Float64Array(values.length),
): Float64Array {
  const m = values.length;
  const order = argsort(values);
  const sorted = new Float64Array(m);
  for (let i = 0; i < m; i++) sorted[i] = values[order[i]];
  const trimEndpoints = !options.considerEndpoints && m >= 2;
  let first = 0;
  while (first < m) {
    const x = sorted[first];
    let after = first + 1;
    while (after < m && sorted[after] === x) after++;
    const leftGap = x - (first === 0 ? low : sorted[first - 1]);
    const rightGap = (after === m ? high : sorted[after]) - x;
    let width = Math.max(leftGap, rightGap);
    if (trimEndpoints && x === sorted[0] && x !== sorted[m - 1]) width = rightGap;
    else if (trimEndpoints && x === sorted[m - 1] && x !== sorted[0]) width = leftGap;
    for (let j = first; j < after; j++) out[order[j]] = width;
    first = after;
  }
  return out;
}

/** Scott-style width shared by every observation kernel of a D-dimensional joint estimator. */
export function scottBandwidth(observationCount: number, dimensions: number, range: number): number {
  return 0.2 * Math.max(observationCount, 1) ** (-1 / (dimensions + 4)) * range;
}

/** Clips widths in place to [range / min(100, n + 2), range]. */
export function clipBandwidths(sigma: Float64Array, range: number): void {
  const minimum = range / Math.min(100, sigma.length + 2);
  for (let i = 0; i < sigma.length; i++) {
    sigma[i] = Math.min(range, Math.max(minimum, sigma[i]));
  }
}
