/**
 * Kernel widths of numeric dimensions, in internal coordinates.
 * Neighbour rule: each observation's bandwidth is the larger gap to its sorted neighbours (the
 * bounds act as sentinels). Scott-style rule: one width 0.2 · n^(−1/(D+4)) · range for all; the
 * bad trials' estimator of a joint block takes the larger of the two (see ParzenOptions).
 * Both are clipped to [range / min(100, n + 2), range].
 */
import { argsort } from './argsort.ts';

export interface NeighbourOptions {
  considerEndpoints: boolean;
}

/**
 * Neighbour-rule bandwidths for observations `values` (any order) on [low, high], written to
 * out[0..m). Equal values (discrete parameters repeat them) count as neighbours at distance 0,
 * so a value seen several times gets narrow kernels among its copies: TPE then concentrates on
 * the allowed values that keep coming out good. Which copy gets which width follows from the
 * copies' indices (the trial order), never from the order in which records arrived. `order`, the
 * values' ascending order (ties by index), may be passed in when the caller keeps it (SortedColumns).
 */
export function neighbourBandwidths(
  values: Float64Array,
  low: number,
  high: number,
  options: NeighbourOptions,
  out = new Float64Array(values.length),
  order: Uint32Array = argsort(values),
): Float64Array {
  const m = values.length;
  const sorted = new Float64Array(m);
  for (let i = 0; i < m; i++) sorted[i] = values[order[i]];
  for (let i = 0; i < m; i++) {
    const leftGap = sorted[i] - (i === 0 ? low : sorted[i - 1]);
    const rightGap = (i === m - 1 ? high : sorted[i + 1]) - sorted[i];
    out[order[i]] = Math.max(leftGap, rightGap);
  }
  if (!options.considerEndpoints && m >= 2) {
    out[order[0]] = sorted[1] - sorted[0];
    out[order[m - 1]] = sorted[m - 1] - sorted[m - 2];
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
