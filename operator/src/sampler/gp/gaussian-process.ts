/**
 * A Gaussian process with a constant zero mean on standardised values, the Matérn 5/2 ARD kernel
 * and Gaussian observation noise. `fitHyperparameters` maximises the log marginal likelihood plus
 * weak log-normal priors (length scales, signal and noise variance) by projected gradient ascent
 * with backtracking, from analytic gradients; `Posterior` predicts mean and variance of the
 * latent function. Everything is deterministic: no random restarts.
 */
import { matern52, matern52Slope, scaledDistance, squaredDifference } from './kernel.ts';
import { cholesky, inverseFromCholesky, solveLower, solveUpper } from './linalg.ts';

export interface GpData {
  /** n points of d encoded coordinates, row-major. */
  x: Float64Array;
  /** Standardised values (mean 0, sd 1), to be minimised. */
  y: Float64Array;
  n: number;
  categorical: readonly boolean[];
}

/** log ℓ per dimension, then log σf², then log σn². */
export type Hyperparameters = Float64Array;

// Priors (log scale, normal): length scales around 1 in the unit cube, wide enough that a
// parameter that does not matter can grow its scale to ~20; signal variance near the standardised
// values' variance; noise anywhere from a jitter to the whole variance.
const LOG_SCALE_PRIOR = { mean: 0, sd: 1.5 };
const LOG_SIGNAL_PRIOR = { mean: 0, sd: 1 };
const LOG_NOISE_PRIOR = { mean: Math.log(1e-2), sd: 3 };
const LOG_SCALE_BOUNDS: [number, number] = [Math.log(1e-2), Math.log(1e2)];
const LOG_SIGNAL_BOUNDS: [number, number] = [Math.log(1e-2), Math.log(1e2)];
const LOG_NOISE_BOUNDS: [number, number] = [Math.log(1e-6), Math.log(2)];
/** Added to the diagonal for numerical safety (relative to the signal variance). */
const JITTER = 1e-8;

function bounds(d: number, index: number): [number, number] {
  return index < d ? LOG_SCALE_BOUNDS : index === d ? LOG_SIGNAL_BOUNDS : LOG_NOISE_BOUNDS;
}

function prior(d: number, index: number) {
  return index < d ? LOG_SCALE_PRIOR : index === d ? LOG_SIGNAL_PRIOR : LOG_NOISE_PRIOR;
}

export function initialHyperparameters(d: number): Hyperparameters {
  const theta = new Float64Array(d + 2);
  theta.fill(Math.log(0.5), 0, d);
  theta[d] = 0;
  theta[d + 1] = Math.log(1e-2);
  return theta;
}

/** Pairwise per-dimension squared differences, for i < j, computed once per fit. */
function pairDifferences(data: GpData): Float64Array {
  const { n, x, categorical } = data;
  const d = categorical.length;
  const out = new Float64Array(((n * (n - 1)) / 2) * d);
  let at = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      for (let k = 0; k < d; k++) out[at++] = squaredDifference(x[i * d + k], x[j * d + k], categorical[k]);
    }
  }
  return out;
}

export interface Evaluated {
  value: number;
  gradient?: Float64Array;
}

/** Log marginal likelihood + log prior, and optionally its gradient in θ. */
function objective(data: GpData, pairs: Float64Array, theta: Hyperparameters, withGradient: boolean): Evaluated {
  const { n, y } = data;
  const d = data.categorical.length;
  const inverseScales = new Float64Array(d);
  for (let k = 0; k < d; k++) inverseScales[k] = Math.exp(-2 * theta[k]);
  const signal = Math.exp(theta[d]);
  const noise = Math.exp(theta[d + 1]);
  const kernel = new Float64Array(n * n);
  const slopes = withGradient ? new Float64Array((n * (n - 1)) / 2) : undefined;
  let pair = 0;
  for (let i = 0; i < n; i++) {
    kernel[i * n + i] = signal * (1 + JITTER) + noise;
    for (let j = i + 1; j < n; j++, pair++) {
      let r2 = 0;
      for (let k = 0; k < d; k++) r2 += pairs[pair * d + k] * inverseScales[k];
      const value = signal * matern52(r2);
      kernel[i * n + j] = value;
      kernel[j * n + i] = value;
      if (slopes !== undefined) slopes[pair] = signal * matern52Slope(r2);
    }
  }
  const factor = cholesky(kernel, n);
  if (factor === undefined) return { value: -Infinity };
  const alpha = solveUpper(factor, n, solveLower(factor, n, Float64Array.from(y)));
  let value = -0.5 * n * Math.log(2 * Math.PI);
  for (let i = 0; i < n; i++) value -= 0.5 * y[i] * alpha[i] + Math.log(factor[i * n + i]);
  const gradient = withGradient ? new Float64Array(d + 2) : undefined;
  for (let p = 0; p < d + 2; p++) {
    const { mean, sd } = prior(d, p);
    value -= (theta[p] - mean) ** 2 / (2 * sd * sd);
    if (gradient !== undefined) gradient[p] = -(theta[p] - mean) / (sd * sd);
  }
  if (gradient === undefined || slopes === undefined) return { value };
  // ∂/∂θ = ½ tr(W ∂K/∂θ), W = ααᵀ − K⁻¹ (symmetric, so off-diagonal pairs count twice).
  const inverse = inverseFromCholesky(factor, n);
  pair = 0;
  let signalGradient = 0;
  let trace = 0;
  for (let i = 0; i < n; i++) {
    const wii = alpha[i] * alpha[i] - inverse[i * n + i];
    trace += wii;
    signalGradient += 0.5 * wii * signal * (1 + JITTER);
    for (let j = i + 1; j < n; j++, pair++) {
      const w = alpha[i] * alpha[j] - inverse[i * n + j];
      signalGradient += w * kernel[i * n + j];
      // ∂K_ij/∂log ℓ_k = σf² · slope · diff_k / ℓ_k²
      const ws = w * slopes[pair];
      for (let k = 0; k < d; k++) gradient[k] += ws * pairs[pair * d + k] * inverseScales[k];
    }
  }
  gradient[d] += signalGradient;
  gradient[d + 1] += 0.5 * noise * trace;
  return { value, gradient };
}

/** The fitted objective (log marginal likelihood + log prior) and its gradient, for tests and tools. */
export function penalisedLogLikelihood(data: GpData, theta: Hyperparameters): Evaluated {
  return objective(data, pairDifferences(data), theta, true);
}

function project(theta: Float64Array, d: number): void {
  for (let p = 0; p < theta.length; p++) {
    const [low, high] = bounds(d, p);
    theta[p] = Math.min(high, Math.max(low, theta[p]));
  }
}

/** Maximises the penalised log marginal likelihood from `start` (projected ascent, backtracking). */
export function fitHyperparameters(data: GpData, start: Hyperparameters, iterations = 60): Hyperparameters {
  const d = data.categorical.length;
  const pairs = pairDifferences(data);
  let theta = Float64Array.from(start);
  project(theta, d);
  let current = objective(data, pairs, theta, true);
  let step = 0.5;
  for (let iteration = 0; iteration < iterations && current.gradient !== undefined; iteration++) {
    const gradient = current.gradient;
    let norm = 0;
    for (const g of gradient) norm += g * g;
    norm = Math.sqrt(norm);
    if (norm < 1e-6) break;
    let accepted = false;
    while (step > 1e-6) {
      const trial = Float64Array.from(theta, (t, p) => t + (step * gradient[p]) / norm);
      project(trial, d);
      const value = objective(data, pairs, trial, false).value;
      if (value > current.value + 1e-4 * step * norm) {
        theta = trial;
        accepted = true;
        break;
      }
      step /= 2;
    }
    if (!accepted) break;
    current = objective(data, pairs, theta, true);
    step = Math.min(2, step * 1.6);
  }
  return theta;
}

/** The posterior of the latent function given data and fixed hyperparameters. */
export class Posterior {
  readonly d: number;
  private readonly data: GpData;
  private readonly inverseScales: Float64Array;
  private readonly signal: number;
  private readonly factor: Float64Array;
  private readonly alpha: Float64Array;
  private readonly scratch: Float64Array;

  constructor(data: GpData, theta: Hyperparameters) {
    const { n } = data;
    const d = data.categorical.length;
    this.d = d;
    this.data = data;
    this.inverseScales = Float64Array.from({ length: d }, (_, k) => Math.exp(-2 * theta[k]));
    this.signal = Math.exp(theta[d]);
    const noise = Math.exp(theta[d + 1]);
    let factor: Float64Array | undefined;
    // Near-duplicate points with tiny noise can make K singular: grow the jitter until it factors.
    for (let jitter = JITTER; factor === undefined; jitter *= 10) {
      const kernel = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        kernel[i * n + i] = this.signal * (1 + jitter) + noise;
        for (let j = i + 1; j < n; j++) {
          const value = this.signal * matern52(this.distance(data.x, i * d, j));
          kernel[i * n + j] = value;
          kernel[j * n + i] = value;
        }
      }
      factor = cholesky(kernel, n);
    }
    this.factor = factor;
    this.alpha = solveUpper(factor, n, solveLower(factor, n, Float64Array.from(data.y)));
    this.scratch = new Float64Array(n);
  }

  private distance(x: Float64Array, at: number, j: number): number {
    return scaledDistance(x, at, this.data.x, j * this.d, this.inverseScales, this.data.categorical);
  }

  /** Mean and variance of the latent function at the encoded point x[at … at + d). */
  predict(x: Float64Array, at = 0): { mean: number; variance: number } {
    const { n } = this.data;
    const k = this.scratch;
    let mean = 0;
    for (let j = 0; j < n; j++) {
      k[j] = this.signal * matern52(this.distance(x, at, j));
      mean += k[j] * this.alpha[j];
    }
    solveLower(this.factor, n, k);
    let explained = 0;
    for (let j = 0; j < n; j++) explained += k[j] * k[j];
    return { mean, variance: Math.max(1e-12, this.signal - explained) };
  }
}
