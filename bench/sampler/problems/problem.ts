/**
 * A benchmark problem: a noise-free objective over a search space, with its known optimum. The
 * suite runs each problem at several noise levels (`withNoise`); the objective is always evaluated
 * in this process, for our samplers and for the Optuna peer alike, so both see the identical
 * function and the identical noise, and the score is the noise-free value of the best observed trial.
 */
import type { ParameterInput, Params } from '../../../operator/src/index.ts';
import { RandomSampler, parseSearchSpace, trialRng } from '../../../operator/src/index.ts';

export interface Problem {
  name: string;
  /** Which family it belongs to, for the aggregate tables. */
  family: 'continuous' | 'mixed' | 'llm-like';
  space: ParameterInput[];
  /** The noise-free objective (minimised). */
  f(params: Params): number;
  /** A point where `f` takes its least value over the space, and that value. */
  optimum: { params: Params; value: number };
}

export interface Evaluation {
  observed: number;
  truth: number;
}

export type NoiseLevel = 'none' | 'low' | 'high';

/** Noise sd as a share of the problem's scale (the median regret of a random point). */
export const NOISE_SHARE: Record<NoiseLevel, number> = { none: 0, low: 0.01, high: 0.1 };

/** A problem at one noise level: what a contender runs. */
export interface Task {
  name: string;
  problem: Problem;
  noise: NoiseLevel;
  /** Median regret of a uniformly random point: the unit of normalised regret and of the noise. */
  scale: number;
  evaluate(params: Params, seed: number, trialNumber: number): Evaluation;
}

const NOISE_PURPOSE = 0x6e6f6973;
const SCALE_SEED = 0x5ca1e;

/**
 * Median regret of 256 uniformly random points (the same points on every run). Regret divided by
 * it is comparable across problems; the noise sd is a share of it, so "high" means the same on a
 * sphere and on a loss surface.
 */
export function problemScale(problem: Problem): number {
  const space = parseSearchSpace(problem.space);
  const sampler = new RandomSampler(SCALE_SEED);
  const regrets = Array.from(
    { length: 256 },
    (_, number) =>
      problem.f(sampler.sample({ space, direction: 'minimize', trials: [], number })) - problem.optimum.value,
  ).sort((a, b) => a - b);
  return (regrets[127] + regrets[128]) / 2;
}

const scales = new Map<Problem, number>();

export function withNoise(problem: Problem, noise: NoiseLevel): Task {
  let scale = scales.get(problem);
  if (scale === undefined) {
    scale = problemScale(problem);
    scales.set(problem, scale);
  }
  const sd = NOISE_SHARE[noise] * scale;
  return {
    name: noise === 'none' ? problem.name : `${problem.name} · noise ${noise}`,
    problem,
    noise,
    scale,
    evaluate(params, seed, trialNumber) {
      const truth = problem.f(params);
      // The trial's own stream: both samplers see the same noise at the same trial number.
      const noiseValue = sd === 0 ? 0 : sd * trialRng(seed, trialNumber, NOISE_PURPOSE).normal();
      return { observed: truth + noiseValue, truth };
    },
  };
}

export const num = (params: Params, name: string): number => params[name] as number;

/** Names x1 … xD over one box. */
export function box(dims: number, min: number, max: number): ParameterInput[] {
  return Array.from({ length: dims }, (_, i) => ({ name: `x${i + 1}`, type: 'float' as const, min, max }));
}

export const vector = (params: Params, dims: number): number[] =>
  Array.from({ length: dims }, (_, i) => num(params, `x${i + 1}`));

export const pointOf = (xs: readonly number[]): Params => Object.fromEntries(xs.map((x, i) => [`x${i + 1}`, x]));

/** A fixed pseudo-random optimum location in [low, high]^dims, so no problem has its optimum mid-box. */
export function shiftOf(id: number, dims: number, low: number, high: number): number[] {
  const rng = trialRng(0x5b1f7, id, 0);
  // Rounded to 1e-3 so the optimum is exactly representable in tables and tests.
  return Array.from({ length: dims }, () => Math.round((low + (high - low) * rng.next()) * 1000) / 1000);
}
