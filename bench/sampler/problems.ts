/**
 * Benchmark problems, evaluated in this process for both samplers (the Optuna peer only
 * suggests), so both see the identical function and the identical noise. Each returns the value
 * the sampler is told and the noise-free value that is scored.
 */
import type { ParameterInput, Params } from '../../operator/src/index.ts';
import { trialRng } from '../../operator/src/index.ts';

export interface Evaluation {
  observed: number;
  truth: number;
}

export interface Problem {
  name: string;
  space: ParameterInput[];
  evaluate(params: Params, seed: number, trialNumber: number): Evaluation;
}

const exact = (value: number): Evaluation => ({ observed: value, truth: value });
const num = (params: Params, name: string) => params[name] as number;

const branin: Problem = {
  name: 'Branin',
  space: [
    { name: 'x1', type: 'float', min: -5, max: 10 },
    { name: 'x2', type: 'float', min: 0, max: 15 },
  ],
  evaluate(params) {
    const [x1, x2] = [num(params, 'x1'), num(params, 'x2')];
    const b = 5.1 / (4 * Math.PI ** 2);
    const c = 5 / Math.PI;
    const t = 1 / (8 * Math.PI);
    return exact((x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10);
  },
};

const HARTMANN_ALPHA = [1.0, 1.2, 3.0, 3.2];
const HARTMANN_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const HARTMANN_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((value) => value * 1e-4));

const hartmann6: Problem = {
  name: 'Hartmann6',
  space: Array.from({ length: 6 }, (_, i) => ({ name: `x${i + 1}`, type: 'float' as const, min: 0, max: 1 })),
  evaluate(params) {
    let total = 0;
    for (let i = 0; i < 4; i++) {
      let inner = 0;
      for (let j = 0; j < 6; j++) inner += HARTMANN_A[i][j] * (num(params, `x${j + 1}`) - HARTMANN_P[i][j]) ** 2;
      total += HARTMANN_ALPHA[i] * Math.exp(-inner);
    }
    return exact(-total);
  },
};

const rosenbrock5: Problem = {
  name: 'Rosenbrock-5D',
  space: Array.from({ length: 5 }, (_, i) => ({ name: `x${i + 1}`, type: 'float' as const, min: -5, max: 10 })),
  evaluate(params) {
    let f = 0;
    for (let i = 1; i < 5; i++) {
      const [x, next] = [num(params, `x${i}`), num(params, `x${i + 1}`)];
      f += 100 * (next - x * x) ** 2 + (1 - x) ** 2;
    }
    return exact(Math.log10(1 + f));
  },
};

/** The product's own search space (DESIGN.md), also the 7-parameter space of the speed table. */
export const LORA_SPACE: ParameterInput[] = [
  { name: 'learningRate', type: 'float', min: 1e-5, max: 1e-2, log: true },
  { name: 'weightDecay', type: 'float', min: 1e-6, max: 1e-1, log: true },
  { name: 'maxGradNorm', type: 'float', min: 0.1, max: 0.5 },
  { name: 'loraR', type: 'categorical', values: [8, 16, 32, 64] },
  { name: 'loraAlpha', type: 'categorical', values: [16, 32, 64, 128, 256] },
  { name: 'loraDropout', type: 'float', min: 0, max: 0.1 },
  { name: 'scheduler', type: 'categorical', values: ['cosine', 'linear', 'constant'] },
];

const SCHEDULER_COST: Record<string, number> = { cosine: 0, linear: 0.02, constant: 0.08 };
const NOISE_PURPOSE = 0x6e6f6973;

/**
 * A synthetic eval loss shaped like LoRA fine-tuning: the update scales with lr · alpha / r, so
 * the best learning rate depends on alpha and r; too large an effective rate diverges; weight
 * decay, clipping and dropout have optima of their own; rank costs a little; Gaussian noise
 * (sd 0.005) from the trial's own stream stands in for run-to-run variance. The curvatures are
 * set so random search is clearly beaten within 100 trials while the noise still matters near
 * the optimum (a first version with 4× flatter terms and sd 0.01 let random tie every sampler).
 */
const loraLike: Problem = {
  name: 'LoRA-like (noisy)',
  space: LORA_SPACE,
  evaluate(params, seed, trialNumber) {
    const effective = Math.log10((num(params, 'learningRate') * num(params, 'loraAlpha')) / num(params, 'loraR'));
    const diverged = effective > Math.log10(0.03) ? 1 : 0;
    const truth =
      0.9 +
      (effective - Math.log10(4e-3)) ** 2 +
      diverged +
      0.04 * (Math.log10(num(params, 'weightDecay')) + 3) ** 2 +
      2 * (num(params, 'maxGradNorm') - 0.25) ** 2 +
      12 * (num(params, 'loraDropout') - 0.05) ** 2 +
      0.015 * Math.log2(num(params, 'loraR') / 8) +
      SCHEDULER_COST[params.scheduler as string];
    const noise = 0.005 * trialRng(seed, trialNumber, NOISE_PURPOSE).normal();
    return { observed: truth + noise, truth };
  },
};

export const PROBLEMS: Problem[] = [branin, hartmann6, rosenbrock5, loraLike];
