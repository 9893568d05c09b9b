/**
 * PED-ANOVA parameter importance (Watanabe et al., IJCAI 2023; Optuna's
 * PedAnovaImportanceEvaluator): a parameter matters as much as the distribution of its values
 * among the best trials (the top `targetQuantile`) differs from its distribution over the region
 * (the top `regionQuantile`, all trials by default), measured as the Pearson divergence
 * Σ p_region(x) · (p_top(x) / p_region(x) − 1)². It needs no surrogate model, so it is
 * deterministic, linear in the trials and meaningful from a dozen trials on, where fANOVA first
 * fits a random forest (randomness, far more code, and unstable on the few trials a LoRA study
 * has). Pure: no Node, no clock, no randomness.
 *
 * Numerical parameters are scaled to [0, 1] (log10 first when the parameter is log-scaled) and
 * smoothed by a Gaussian kernel density on a grid; categorical ones use plain frequencies, so a
 * categorical case has an exact answer.
 */
import type { Parameter } from '../api/parameters.ts';
import type { Direction } from '../api/study.ts';

export interface ImportanceTrial {
  params: Record<string, unknown>;
  value: number;
}

export interface PedAnovaOptions {
  /** The best trials' share: "good" trials (default 0.1, as Optuna). */
  targetQuantile?: number;
  /** The region compared against (default 1: all trials). */
  regionQuantile?: number;
  /** Grid points for numerical parameters (default 64). */
  gridSize?: number;
}

export interface ParameterImportance {
  name: string;
  /** The Pearson divergence itself. */
  divergence: number;
  /** Share of the total divergence (all parameters sum to 1; 0 when none diverges). */
  importance: number;
}

/** The fewest trials a quantile may hold: one trial's density says nothing about a spread. */
const MIN_TOP_TRIALS = 2;

/** Importances in decreasing order; empty when fewer than 2 · MIN_TOP_TRIALS trials have a value. */
export function pedAnovaImportance(
  parameters: readonly Parameter[],
  trials: readonly ImportanceTrial[],
  direction: Direction,
  options: PedAnovaOptions = {},
): ParameterImportance[] {
  const finite = trials.filter((trial) => Number.isFinite(trial.value));
  if (finite.length < 2 * MIN_TOP_TRIALS) return [];
  const sorted = [...finite].sort((a, b) => (direction === 'minimize' ? a.value - b.value : b.value - a.value));
  const region = sorted.slice(0, quantileCount(sorted.length, options.regionQuantile ?? 1));
  const top = sorted.slice(0, quantileCount(sorted.length, options.targetQuantile ?? 0.1));
  const gridSize = options.gridSize ?? 64;
  const divergences = parameters.map((parameter) => ({
    name: parameter.name,
    divergence: divergenceOf(parameter, top, region, gridSize),
  }));
  const total = divergences.reduce((sum, entry) => sum + entry.divergence, 0);
  return divergences
    .map((entry) => ({ ...entry, importance: total > 0 ? entry.divergence / total : 0 }))
    .sort((a, b) => b.divergence - a.divergence || a.name.localeCompare(b.name));
}

function quantileCount(count: number, quantile: number): number {
  return Math.min(count, Math.max(MIN_TOP_TRIALS, Math.ceil(count * quantile)));
}

function divergenceOf(
  parameter: Parameter,
  top: readonly ImportanceTrial[],
  region: readonly ImportanceTrial[],
  gridSize: number,
): number {
  const pTop = distribution(parameter, top, gridSize);
  const pRegion = distribution(parameter, region, gridSize);
  return pearsonDivergence(pTop, pRegion);
}

/** Σ q · (p / q − 1)² over the points where the region has mass (p is zero wherever q is). */
export function pearsonDivergence(p: readonly number[], q: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < q.length; i += 1) if (q[i] > 0) sum += q[i] * (p[i] / q[i] - 1) ** 2;
  return sum;
}

/** The parameter's distribution over its grid (categorical: its values), summing to 1. */
function distribution(parameter: Parameter, trials: readonly ImportanceTrial[], gridSize: number): number[] {
  if (parameter.type === 'categorical') {
    const counts = parameter.values.map(
      (choice) => trials.filter((trial) => trial.params[parameter.name] === choice).length,
    );
    return normalise(counts);
  }
  const points = trials
    .map((trial) => unitScale(parameter, trial.params[parameter.name]))
    .filter((u): u is number => u !== undefined);
  return normalise(kernelDensity(points, gridSize));
}

/** A numerical value scaled to [0, 1] over the parameter's range (log10 for log parameters). */
export function unitScale(parameter: Parameter, value: unknown): number | undefined {
  if (parameter.type === 'categorical' || typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  const scale = parameter.log ? Math.log10 : (x: number) => x;
  const low = scale(parameter.min);
  const span = scale(parameter.max) - low;
  if (!(span > 0)) return 0.5;
  return Math.min(1, Math.max(0, (scale(value) - low) / span));
}

/** A Gaussian kernel density (Scott's bandwidth, at least one grid cell) on `gridSize` points of [0, 1]. */
function kernelDensity(points: readonly number[], gridSize: number): number[] {
  const grid = Array.from({ length: gridSize }, (_, i) => i / (gridSize - 1));
  if (points.length === 0) return grid.map(() => 0);
  const mean = points.reduce((sum, x) => sum + x, 0) / points.length;
  const sd = Math.sqrt(points.reduce((sum, x) => sum + (x - mean) ** 2, 0) / points.length);
  const bandwidth = Math.max(1.06 * sd * points.length ** -0.2, 1 / (gridSize - 1));
  return grid.map((x) => points.reduce((sum, point) => sum + Math.exp(-0.5 * ((x - point) / bandwidth) ** 2), 0));
}

function normalise(weights: readonly number[]): number[] {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  return weights.map((weight) => (total > 0 ? weight / total : 0));
}
