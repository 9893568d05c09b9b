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
import { LOG_SQRT_2PI, logNdtrDiff, sampleTruncNorm } from './truncnorm.ts';

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
  for (let k = 0; k < K; k++) {
    const lower = (domain.low - mu[k]) / sigma[k];
    const upper = (domain.high - mu[k]) / sigma[k];
    logMass[k] = lower < -FULL_MASS_Z && upper > FULL_MASS_Z ? 0 : logNdtrDiff(lower, upper);
    inverseSigma[k] = 1 / sigma[k];
    logNormalizer[k] = -Math.log(sigma[k]) - LOG_SQRT_2PI - logMass[k];
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
    const row = scratch(this.componentCount);
    const interval = new Float64Array(2);
    for (let i = 0; i < count; i++) {
      row.set(this.logWeights);
      for (let d = 0; d < this.kernels.length; d++) {
        const kernels = this.kernels[d];
        const x = points[d][i];
        if (kernels.kind === 'categorical') addCategorical(kernels, x, row);
        else if (kernels.domain.step === 0) addContinuous(kernels, x, row);
        else addDiscrete(kernels, x, row, interval);
      }
      out[i] = logSumExp(row);
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

function addCategorical(kernels: CategoricalKernels, choice: number, row: Float64Array): void {
  const { observed } = kernels;
  const logOwn = Math.log(kernels.own);
  const logOther = Math.log(kernels.other);
  const logUniform = -Math.log(kernels.domain.values.length);
  for (let k = 0; k < row.length; k++) {
    const seen = observed[k];
    row[k] += seen < 0 ? logUniform : seen === choice ? logOwn : logOther;
  }
}

/** Truncated normal log pdf: −z²/2 − log σ − log √(2π) − log mass. */
function addContinuous(kernels: NumericKernels, x: number, row: Float64Array): void {
  const { mu, inverseSigma, logNormalizer } = kernels;
  for (let k = 0; k < row.length; k++) {
    const z = (x - mu[k]) * inverseSigma[k];
    row[k] += logNormalizer[k] - 0.5 * z * z;
  }
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

function logSumExp(values: Float64Array): number {
  let max = -Infinity;
  for (let k = 0; k < values.length; k++) if (values[k] > max) max = values[k];
  if (max === -Infinity || Number.isNaN(max)) return max;
  let sum = 0;
  for (let k = 0; k < values.length; k++) {
    const shifted = values[k] - max;
    if (shifted > NEGLIGIBLE_LOG_TERM) sum += Math.exp(shifted);
  }
  return max + Math.log(sum);
}
