/**
 * The Parzen estimator of one set of observations (good or bad) over a block of dimensions:
 * one kernel per observation plus a prior kernel (centred mid-range with the full range as
 * bandwidth; uniform over categories), weighted by age and `priorWeight`.
 */
import type { CategoricalDomain, Domain, NumericDomain } from '../domain.ts';
import { clipBandwidths, neighbourBandwidths, scottBandwidth } from './bandwidth.ts';
import { Mixture, numericKernels, type CategoricalKernels, type Kernels } from './mixture.ts';

export type BandwidthRule = 'neighbour' | 'scott';

/**
 * Numeric dimensions from which a block that also holds categoricals gets the Scott floor. With
 * one or two numeric dimensions the bad trials are not sparse there, and widened numeric kernels
 * beside sharp categorical ones make each bad trial count against every candidate sharing its
 * categories whatever its numbers: g blames a good rank for a bad learning rate (QLoRA modules ×
 * rank: 0.00172 against 0.000296 without, docs/sampler.md).
 */
export const FLOOR_NUMERIC_WITH_CATEGORICALS = 3;

export interface ParzenOptions {
  priorWeight: number;
  considerEndpoints: boolean;
  /** Rule for blocks of several dimensions; single dimensions always use the neighbour rule. */
  bandwidth: BandwidthRule;
  /**
   * Neighbour widths of a block of several dimensions are at least the Scott-style width. Set for
   * the bad trials' estimator g: among hundreds of bad trials the neighbour gaps of each
   * coordinate shrink as 1/n while the trials lie ~n^(−1/D) apart, so g becomes a field of
   * spikes and l/g rewards candidates for missing bad trials rather than for being near good
   * ones: in 10 or more dimensions, with noise, a local search around single lucky trials. The
   * good trials' estimator keeps the neighbour rule, which is what lets TPE narrow onto an
   * optimum (docs/sampler.md, "Bad-trial widths"). TpeSampler sets it from SCOTT_FLOOR_FROM
   * finished trials on. A block with categoricals gets it only from FLOOR_NUMERIC_WITH_CATEGORICALS
   * numeric dimensions on.
   */
  scottFloor?: boolean;
}

/**
 * `observations[d]` holds the internal coordinates of dimension d (categorical: the choice index)
 * for m observations; `weights` their m weights, oldest first. `orders[d]`, where given, is the
 * ascending order of `observations[d]` (ties by index), which the neighbour rule would sort for.
 */
export function buildParzenEstimator(
  domains: readonly Domain[],
  observations: readonly Float64Array[],
  weights: Float64Array,
  options: ParzenOptions,
  orders: readonly (Uint32Array | undefined)[] = [],
): Mixture {
  const m = weights.length;
  const hasPrior = options.priorWeight > 0 || m === 0;
  const K = m + (hasPrior ? 1 : 0);
  const componentWeights = new Float64Array(K);
  componentWeights.set(weights);
  if (hasPrior) componentWeights[m] = m === 0 ? 1 : options.priorWeight;
  const floored = hasScottFloor(domains, options);
  const kernels: Kernels[] = domains.map((domain, d) =>
    domain.kind === 'categorical'
      ? categoricalKernels(domain, observations[d], m, hasPrior, options.priorWeight)
      : numericKernelsFor(domain, observations[d], m, hasPrior, options, domains.length, floored, orders[d]),
  );
  return new Mixture(componentWeights, kernels);
}

/** Whether the block's numeric widths get the Scott floor (ParzenOptions.scottFloor). */
function hasScottFloor(domains: readonly Domain[], options: ParzenOptions): boolean {
  if (!options.scottFloor || domains.length < 2) return false;
  let numeric = 0;
  for (const domain of domains) if (domain.kind !== 'categorical') numeric++;
  return numeric === domains.length || numeric >= FLOOR_NUMERIC_WITH_CATEGORICALS;
}

function numericKernelsFor(
  domain: NumericDomain,
  values: Float64Array,
  m: number,
  hasPrior: boolean,
  options: ParzenOptions,
  dimensions: number,
  floored: boolean,
  order: Uint32Array | undefined,
): Kernels {
  const range = domain.high - domain.low;
  const K = m + (hasPrior ? 1 : 0);
  const mu = new Float64Array(K);
  const sigma = new Float64Array(K);
  mu.set(values.subarray(0, m));
  if (options.bandwidth === 'scott' && dimensions > 1) sigma.fill(scottBandwidth(m, dimensions, range), 0, m);
  else {
    neighbourBandwidths(values.subarray(0, m), domain.low, domain.high, options, sigma, order);
    if (floored) {
      const floor = scottBandwidth(m, dimensions, range);
      for (let i = 0; i < m; i++) sigma[i] = Math.max(sigma[i], floor);
    }
  }
  clipBandwidths(sigma.subarray(0, m), range);
  if (hasPrior) {
    mu[m] = 0.5 * (domain.low + domain.high);
    sigma[m] = range;
  }
  return numericKernels(domain, mu, sigma);
}

/** Each observation's kernel gives every choice priorWeight/(m+1), adds 1 to its own, normalised. */
function categoricalKernels(
  domain: CategoricalDomain,
  choicesSeen: Float64Array,
  m: number,
  hasPrior: boolean,
  priorWeight: number,
): CategoricalKernels {
  const choices = domain.values.length;
  const observed = new Int32Array(m + (hasPrior ? 1 : 0)).fill(-1);
  for (let k = 0; k < m; k++) observed[k] = choicesSeen[k];
  const floor = priorWeight / (m + 1);
  const rowTotal = floor * choices + 1;
  return { kind: 'categorical', domain, observed, own: (floor + 1) / rowTotal, other: floor / rowTotal };
}
