/**
 * A weighted mixture of product kernels: component k has weight w_k and, in every dimension, a
 * kernel (a truncated normal, a discretised truncated normal, or a categorical distribution).
 * Sampling picks one component and draws every dimension from it, so multivariate draws keep
 * their joint structure. Log densities are worked out one point at a time over a reused row of
 * K component terms, which stays in cache however large the history grows.
 */
import type { CategoricalDomain, NumericDomain } from '../domain.ts';
import { snapInternal, valueInterval } from '../domain.ts';
import type { Rng } from '../rng.ts';
import { expNonPositive } from './fast-exp.ts';
import { LOG_SQRT_2PI, logNdtrDiff, logNdtrDiffAroundZero, sampleTruncNorm } from './truncnorm.ts';

export interface NumericKernels {
  readonly kind: 'numeric';
  readonly domain: NumericDomain;
  readonly mu: Float64Array;
  readonly sigma: Float64Array;
  readonly inverseSigma: Float64Array;
  /** log of each kernel's normal mass on the (internal) bounds. */
  readonly logMass: Float64Array;
  /** Continuous density constant: −log σ − log √(2π) − log mass. */
  readonly logNormalizer: Float64Array;
}

/**
 * Kernel k puts probability `own` on its observed choice and `other` on each other choice;
 * a component with observed choice −1 (the prior) is uniform.
 */
export interface CategoricalKernels {
  readonly kind: 'categorical';
  readonly domain: CategoricalDomain;
  readonly observed: Int32Array;
  readonly own: number;
  readonly other: number;
}

export type Kernels = NumericKernels | CategoricalKernels;

/** Beyond this many standard deviations on both sides the lost mass is < 1e-16: log mass is 0. */
const FULL_MASS_Z = 8.3;

/** Builds numeric kernels; computes each kernel's mass on the bounds and its constants once. */
export function numericKernels(domain: NumericDomain, mu: Float64Array, sigma: Float64Array): NumericKernels {
  const K = mu.length;
  const logMass = new Float64Array(K);
  const inverseSigma = new Float64Array(K);
  const logNormalizer = new Float64Array(K);
  // Neighbour widths repeat (the clip floor, the bad trials' Scott floor): log σ once per run of equal widths.
  let lastSigma = Number.NaN;
  let logSigma = Number.NaN;
  for (let k = 0; k < K; k++) {
    const lower = (domain.low - mu[k]) / sigma[k];
    const upper = (domain.high - mu[k]) / sigma[k];
    if (lower < -FULL_MASS_Z && upper > FULL_MASS_Z) logMass[k] = 0;
    else if (lower <= 0 && upper >= 0) logMass[k] = logNdtrDiffAroundZero(lower, upper);
    else logMass[k] = logNdtrDiff(lower, upper);
    inverseSigma[k] = 1 / sigma[k];
    if (sigma[k] !== lastSigma) {
      lastSigma = sigma[k];
      logSigma = Math.log(lastSigma);
    }
    logNormalizer[k] = -logSigma - LOG_SQRT_2PI - logMass[k];
  }
  return { kind: 'numeric', domain, mu, sigma, inverseSigma, logMass, logNormalizer };
}

/** Probability of `choice` under categorical kernel k. */
export function categoricalProbability(kernels: CategoricalKernels, k: number, choice: number): number {
  const observed = kernels.observed[k];
  if (observed < 0) return 1 / kernels.domain.values.length;
  return observed === choice ? kernels.own : kernels.other;
}

export class Mixture {
  readonly kernels: readonly Kernels[];
  readonly componentCount: number;
  private readonly logWeights: Float64Array;
  private readonly cumulativeWeights: Float64Array;
  private plan: ScoringPlan | undefined;

  /** `weights` need not be normalised. */
  constructor(weights: Float64Array, kernels: readonly Kernels[]) {
    this.kernels = kernels;
    this.componentCount = weights.length;
    let total = 0;
    for (const weight of weights) total += weight;
    this.logWeights = new Float64Array(weights.length);
    this.cumulativeWeights = new Float64Array(weights.length);
    let running = 0;
    for (let k = 0; k < weights.length; k++) {
      this.logWeights[k] = Math.log(weights[k] / total);
      running += weights[k] / total;
      this.cumulativeWeights[k] = running;
    }
  }

  /** Draws `count` points into `out` (one column per dimension, internal coordinates). */
  sample(rng: Rng, count: number, out: Float64Array[]): void {
    for (let i = 0; i < count; i++) {
      const k = this.pickComponent(rng.next());
      for (let d = 0; d < this.kernels.length; d++) out[d][i] = drawFrom(this.kernels[d], k, rng);
    }
  }

  /** log density of each of `count` points (columns `points`) into `out`. */
  logDensity(points: readonly Float64Array[], count: number, out: Float64Array): void {
    const only = this.kernels[0];
    if (this.kernels.length === 1 && only.kind === 'categorical') {
      this.logCategoricalMarginal(only, points[0], count, out);
      return;
    }
    this.plan ??= planScoring(this.logWeights, this.kernels);
    const { base, continuous, packed, categorical, discrete } = this.plan;
    const K = this.componentCount;
    const C = continuous.length;
    const row = scratch(K);
    const x = new Float64Array(C);
    const interval = new Float64Array(2);
    for (let i = 0; i < count; i++) {
      for (let c = 0; c < C; c++) x[c] = points[continuous[c]][i];
      let max = addContinuous(base, packed, x, row);
      for (const { d, byChoice, delta } of categorical) {
        const members = byChoice[points[d][i]];
        for (let j = 0; j < members.length; j++) {
          const term = row[members[j]] + delta;
          row[members[j]] = term;
          if (term > max) max = term;
        }
      }
      if (discrete.length > 0) {
        for (const { d, kernels } of discrete) addDiscrete(kernels, points[d][i], row, interval);
        max = rowMax(row);
      }
      out[i] = logSumExp(row, max);
    }
  }

  /** A lone categorical dimension: the mixture is one categorical distribution, mixed once. */
  private logCategoricalMarginal(
    kernels: CategoricalKernels,
    column: Float64Array,
    count: number,
    out: Float64Array,
  ): void {
    const choices = kernels.domain.values.length;
    const marginal = new Float64Array(choices);
    for (let k = 0; k < this.componentCount; k++) {
      const weight = Math.exp(this.logWeights[k]);
      for (let c = 0; c < choices; c++) marginal[c] += weight * categoricalProbability(kernels, k, c);
    }
    for (let i = 0; i < count; i++) out[i] = Math.log(marginal[column[i]]);
  }

  private pickComponent(u: number): number {
    const cumulative = this.cumulativeWeights;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/**
 * One growable row for the component log terms, reused across calls: scoring allocates nothing
 * per candidate or per ask. Its content never outlives a logDensity call.
 */
let scratchBuffer = new Float64Array(0);

function scratch(length: number): Float64Array {
  if (scratchBuffer.length < length) scratchBuffer = new Float64Array(Math.max(length, 2 * scratchBuffer.length));
  return scratchBuffer.subarray(0, length);
}

function drawFrom(kernels: Kernels, k: number, rng: Rng): number {
  if (kernels.kind === 'categorical') {
    const choices = kernels.domain.values.length;
    let u = rng.next();
    for (let c = 0; c < choices - 1; c++) {
      u -= categoricalProbability(kernels, k, c);
      if (u < 0) return c;
    }
    return choices - 1;
  }
  const { domain } = kernels;
  const x = sampleTruncNorm(rng, kernels.mu[k], kernels.sigma[k], domain.low, domain.high);
  return snapInternal(domain, x);
}

/**
 * What scoring a point needs, worked out once per mixture: every term that does not depend on the
 * point is folded into `base` (log weight, continuous normalisers, each categorical's "other"
 * probability), continuous kernels are packed row by row so one pass over the components covers
 * them all, and each categorical choice lists the components that observed it, which alone
 * differ from base.
 */
interface ScoringPlan {
  readonly base: Float64Array;
  /** Dimensions with continuous kernels, in order. */
  readonly continuous: readonly number[];
  /** Component k, continuous dimension c: mu at 2(kC + c), inverse σ·√2 at 2(kC + c) + 1. */
  readonly packed: Float64Array;
  readonly categorical: readonly { d: number; byChoice: readonly Int32Array[]; delta: number }[];
  readonly discrete: readonly { d: number; kernels: NumericKernels }[];
}

function planScoring(logWeights: Float64Array, kernels: readonly Kernels[]): ScoringPlan {
  const K = logWeights.length;
  const base = Float64Array.from(logWeights);
  const continuous: number[] = [];
  const categorical: { d: number; byChoice: Int32Array[]; delta: number }[] = [];
  const discrete: { d: number; kernels: NumericKernels }[] = [];
  kernels.forEach((kernel, d) => {
    if (kernel.kind === 'categorical') categorical.push(planCategorical(kernel, d, base));
    else if (kernel.domain.step !== 0) discrete.push({ d, kernels: kernel });
    else continuous.push(d);
  });
  const C = continuous.length;
  const packed = new Float64Array(2 * K * C);
  continuous.forEach((d, c) => {
    const { mu, inverseSigma, logNormalizer } = kernels[d] as NumericKernels;
    for (let k = 0; k < K; k++) {
      base[k] += logNormalizer[k];
      packed[2 * (k * C + c)] = mu[k];
      packed[2 * (k * C + c) + 1] = inverseSigma[k] * Math.SQRT1_2;
    }
  });
  return { base, continuous, packed, categorical, discrete };
}

function planCategorical(
  kernels: CategoricalKernels,
  d: number,
  base: Float64Array,
): { d: number; byChoice: Int32Array[]; delta: number } {
  const { observed } = kernels;
  const choices = kernels.domain.values.length;
  const logOther = Math.log(kernels.other);
  const logUniform = -Math.log(choices);
  const counts = new Int32Array(choices);
  for (let k = 0; k < observed.length; k++) {
    if (observed[k] < 0) base[k] += logUniform;
    else {
      base[k] += logOther;
      counts[observed[k]]++;
    }
  }
  const byChoice = Array.from(counts, (n) => new Int32Array(n));
  counts.fill(0);
  for (let k = 0; k < observed.length; k++) {
    const seen = observed[k];
    if (seen >= 0) byChoice[seen][counts[seen]++] = k;
  }
  return { d, byChoice, delta: Math.log(kernels.own) - logOther };
}

/**
 * row = base − Σ_c z_c²/2 over the continuous dimensions (the truncated normals' log pdfs);
 * returns the row's largest term, so the log-sum-exp needs no pass of its own to find it.
 */
function addContinuous(base: Float64Array, packed: Float64Array, x: Float64Array, row: Float64Array): number {
  const C = x.length;
  let max = -Infinity;
  if (C === 1) {
    // A lone continuous dimension (every univariate block): no inner loop.
    const only = x[0];
    for (let k = 0; k < row.length; k++) {
      const z = (only - packed[2 * k]) * packed[2 * k + 1];
      const term = base[k] - z * z;
      row[k] = term;
      if (term > max) max = term;
    }
    return max;
  }
  for (let k = 0, at = 0; k < row.length; k++) {
    let sum = base[k];
    for (let c = 0; c < C; c++, at += 2) {
      const z = (x[c] - packed[at]) * packed[at + 1];
      sum -= z * z;
    }
    row[k] = sum;
    if (sum > max) max = sum;
  }
  return max;
}

/** Discrete values: the normal's mass on the value's interval over its mass on the bounds. */
function addDiscrete(kernels: NumericKernels, x: number, row: Float64Array, interval: Float64Array): void {
  const { mu, inverseSigma, logMass, domain } = kernels;
  valueInterval(domain, x, interval, 0);
  const lower = interval[0];
  const upper = interval[1];
  for (let k = 0; k < row.length; k++) {
    row[k] += logNdtrDiff((lower - mu[k]) * inverseSigma[k], (upper - mu[k]) * inverseSigma[k]) - logMass[k];
  }
}

/** Terms this far below the largest add less than e^-40 ≈ 4e-18 each: skipping their exp is exact to double precision. */
const NEGLIGIBLE_LOG_TERM = -40;

function rowMax(values: Float64Array): number {
  let max = -Infinity;
  for (let k = 0; k < values.length; k++) if (values[k] > max) max = values[k];
  return max;
}

/** log Σ e^v over `values`, whose largest term (or NaN) is `max`. */
function logSumExp(values: Float64Array, max: number): number {
  if (max === -Infinity || Number.isNaN(max)) return max;
  let sum = 0;
  for (let k = 0; k < values.length; k++) {
    const shifted = values[k] - max;
    if (shifted > NEGLIGIBLE_LOG_TERM) sum += expNonPositive(shifted);
  }
  return max + Math.log(sum);
}
