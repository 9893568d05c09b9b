/**
 * Two-sided Mann–Whitney U test with the normal approximation, continuity correction and the
 * tie correction of the variance: is one sample stochastically smaller or larger than the other?
 */
import { ndtr } from '../../operator/src/sampler/tpe/truncnorm.ts';

/** Standard normal upper tail, P(Z > z): the sampler's own Φ, taken on the mirrored side so the tail keeps its precision. */
function upperTail(z: number): number {
  return ndtr(-z);
}

/** Average ranks (1-based) of the pooled values, ties sharing their mean rank; and Σ(t³ − t) over tie groups. */
function rank(values: number[]): { ranks: number[]; tieTerm: number } {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const ranks = new Array<number>(values.length);
  let tieTerm = 0;
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && order[end].value === order[start].value) end++;
    const mean = (start + 1 + end) / 2;
    for (let i = start; i < end; i++) ranks[order[i].index] = mean;
    const size = end - start;
    tieTerm += size ** 3 - size;
    start = end;
  }
  return { ranks, tieTerm };
}

export interface MannWhitneyResult {
  u: number;
  p: number;
}

export function mannWhitneyU(a: number[], b: number[]): MannWhitneyResult {
  const n1 = a.length;
  const n2 = b.length;
  const { ranks, tieTerm } = rank([...a, ...b]);
  const rankSumA = ranks.slice(0, n1).reduce((sum, r) => sum + r, 0);
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const n = n1 + n2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return { u, p: 1 };
  const z = (Math.abs(u - mean) - 0.5) / Math.sqrt(variance);
  return { u, p: Math.min(1, 2 * upperTail(Math.max(0, z))) };
}
