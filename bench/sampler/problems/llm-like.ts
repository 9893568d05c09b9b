/**
 * Surrogates of LoRA fine-tuning's eval loss, each with a different structure: the lr · alpha / r
 * interaction, divergence cliffs just past the optimum, flat regions where nothing is learnt,
 * parameters that do not matter, a ridge of equivalent regularisers, batch-size scaling. None is
 * fitted to real runs; they stand for shapes real runs have, so a default that is good on them is
 * not good by the accident of one shape.
 */
import type { ParameterInput } from '../../../operator/src/index.ts';
import { num, type Problem } from './problem.ts';

const log10 = Math.log10;
const SCHEDULER_COST: Record<string, number> = { cosine: 0, linear: 0.02, constant: 0.08 };

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

/**
 * The earlier suite's problem: the update scales with lr · alpha / r, so the best learning rate
 * depends on alpha and r; too large an effective rate diverges; weight decay, clipping and
 * dropout have optima of their own; rank costs a little.
 */
const loraLike: Problem = {
  name: 'LoRA-like',
  family: 'llm-like',
  space: LORA_SPACE,
  f(p) {
    const effective = log10((num(p, 'learningRate') * num(p, 'loraAlpha')) / num(p, 'loraR'));
    return (
      0.9 +
      (effective - log10(4e-3)) ** 2 +
      (effective > log10(0.03) ? 1 : 0) +
      0.04 * (log10(num(p, 'weightDecay')) + 3) ** 2 +
      2 * (num(p, 'maxGradNorm') - 0.25) ** 2 +
      12 * (num(p, 'loraDropout') - 0.05) ** 2 +
      0.015 * Math.log2(num(p, 'loraR') / 8) +
      SCHEDULER_COST[p.scheduler as string]
    );
  },
  optimum: {
    params: {
      learningRate: 2e-3,
      weightDecay: 1e-3,
      maxGradNorm: 0.25,
      loraR: 8,
      loraAlpha: 16,
      loraDropout: 0.05,
      scheduler: 'cosine',
    },
    value: 0.9,
  },
};

/**
 * The best effective rate sits just below a cliff (1.5× further diverges, unless warm-up
 * widens the margin); far below it nothing is learnt and the loss is flat.
 */
const cliffAndPlateau: Problem = {
  name: 'LoRA cliff and plateau',
  family: 'llm-like',
  space: [
    { name: 'learningRate', type: 'float', min: 1e-6, max: 1e-2, log: true },
    { name: 'loraR', type: 'categorical', values: [4, 8, 16, 32, 64] },
    { name: 'loraAlpha', type: 'categorical', values: [8, 16, 32, 64] },
    { name: 'warmupRatio', type: 'float', min: 0, max: 0.2 },
    { name: 'epochs', type: 'int', min: 1, max: 5 },
  ],
  f(p) {
    const effective = (num(p, 'learningRate') * num(p, 'loraAlpha')) / num(p, 'loraR');
    const cliff = 3e-3 * (1 + 10 * num(p, 'warmupRatio'));
    const learnt = effective > cliff ? 3 : Math.min(2.2, 1 + 0.6 * log10(effective / 2e-3) ** 2);
    return (
      learnt +
      0.3 * num(p, 'warmupRatio') +
      0.05 * (num(p, 'epochs') - 3) ** 2 +
      0.1 * Math.max(0, Math.log2(16 / num(p, 'loraR')))
    );
  },
  optimum: {
    params: { learningRate: 2e-3, loraR: 16, loraAlpha: 16, warmupRatio: 0, epochs: 3 },
    value: 1,
  },
};

/** Four parameters matter; six (logging, saving, padding, …) do not. */
const irrelevant: Problem = {
  name: 'LoRA with 6 irrelevant parameters',
  family: 'llm-like',
  space: [
    { name: 'learningRate', type: 'float', min: 1e-5, max: 1e-2, log: true },
    { name: 'loraR', type: 'categorical', values: [4, 8, 16, 32, 64] },
    { name: 'loraDropout', type: 'float', min: 0, max: 0.3 },
    { name: 'loggingSteps', type: 'int', min: 10, max: 500 },
    { name: 'saveTotalLimit', type: 'categorical', values: [1, 2, 3] },
    { name: 'evalBatchSize', type: 'categorical', values: [8, 16, 32] },
    { name: 'shuffleBuffer', type: 'float', min: 100, max: 1e5, log: true },
    { name: 'paddingSide', type: 'categorical', values: ['left', 'right'] },
    { name: 'dataSeed', type: 'int', min: 0, max: 1000 },
    { name: 'loraAlpha', type: 'int', min: 8, max: 64 },
  ],
  f(p) {
    const r = num(p, 'loraR');
    const bestLr = 3e-4 * Math.sqrt(16 / r);
    return (
      1.1 +
      0.5 * log10(num(p, 'learningRate') / bestLr) ** 2 +
      3 * (num(p, 'loraDropout') - 0.1) ** 2 +
      0.02 * Math.abs(Math.log2(r / 16))
    );
  },
  optimum: {
    params: {
      learningRate: 3e-4,
      loraR: 16,
      loraDropout: 0.1,
      loggingSteps: 100,
      saveTotalLimit: 1,
      evalBatchSize: 8,
      shuffleBuffer: 1000,
      paddingSide: 'right',
      dataSeed: 0,
      loraAlpha: 16,
    },
    value: 1.1,
  },
};

/**
 * The best rate grows with the effective batch (√ scaling); too few optimiser steps underfit,
 * too many epochs overfit; warm-up and scheduler matter a little.
 */
const batchAndSchedule: Problem = {
  name: 'LoRA batch scaling and schedule',
  family: 'llm-like',
  space: [
    { name: 'learningRate', type: 'float', min: 1e-5, max: 1e-2, log: true },
    { name: 'batchSize', type: 'categorical', values: [8, 16, 32, 64, 128] },
    { name: 'gradAccum', type: 'int', min: 1, max: 8 },
    { name: 'epochs', type: 'int', min: 1, max: 6 },
    { name: 'warmupSteps', type: 'int', min: 0, max: 500, step: 50 },
    { name: 'scheduler', type: 'categorical', values: ['cosine', 'linear', 'constant'] },
  ],
  f(p) {
    const batch = num(p, 'batchSize') * num(p, 'gradAccum');
    const bestLr = 1e-4 * Math.sqrt(batch / 8);
    const steps = (num(p, 'epochs') * 10000) / batch;
    return (
      1.2 +
      0.4 * log10(num(p, 'learningRate') / bestLr) ** 2 +
      0.3 * Math.max(0, log10(1000 / steps)) ** 2 +
      0.04 * (num(p, 'epochs') - 2) ** 2 +
      0.2 * ((num(p, 'warmupSteps') - 100) / 500) ** 2 +
      SCHEDULER_COST[p.scheduler as string]
    );
  },
  optimum: {
    params: { learningRate: 1e-4, batchSize: 8, gradAccum: 1, epochs: 2, warmupSteps: 100, scheduler: 'cosine' },
    value: 1.2,
  },
};

const MODULE_COUNT: Record<string, number> = { qv: 2, qkvo: 4, 'all-linear': 7 };
const BITS_COST: Record<string, number> = { '4': 0.03, '8': 0.01, '16': 0 };

/** Capacity is rank × number of adapted modules; alpha enters as a ratio to r; a cliff in lr · ratio. */
const modulesAndRank: Problem = {
  name: 'QLoRA modules × rank',
  family: 'llm-like',
  space: [
    { name: 'targetModules', type: 'categorical', values: Object.keys(MODULE_COUNT) },
    { name: 'loraR', type: 'categorical', values: [4, 8, 16, 32, 64, 128] },
    { name: 'alphaRatio', type: 'categorical', values: [0.5, 1, 2, 4] },
    { name: 'learningRate', type: 'float', min: 1e-5, max: 1e-2, log: true },
    { name: 'bits', type: 'categorical', values: ['4', '8', '16'] },
    { name: 'loraDropout', type: 'float', min: 0, max: 0.2 },
  ],
  f(p) {
    const capacity = Math.log2(num(p, 'loraR') * MODULE_COUNT[p.targetModules as string]);
    const rate = num(p, 'learningRate') * num(p, 'alphaRatio');
    return (
      1 +
      0.05 * (capacity - 6) ** 2 +
      BITS_COST[p.bits as string] +
      0.5 * log10(rate / 4e-4) ** 2 +
      (rate > 5e-3 ? 1.5 : 0) +
      2 * (num(p, 'loraDropout') - 0.05) ** 2
    );
  },
  optimum: {
    params: {
      targetModules: 'qkvo',
      loraR: 16,
      alphaRatio: 1,
      learningRate: 4e-4,
      bits: '16',
      loraDropout: 0.05,
    },
    value: 1,
  },
};

/**
 * Dropout, weight decay and label smoothing regularise interchangeably: the optimum is a ridge
 * (total regularisation 0.6), not a point; plus the lr · alpha / r optimum, cliff and plateau.
 */
const regulariserRidge: Problem = {
  name: 'LoRA regulariser ridge',
  family: 'llm-like',
  space: [
    { name: 'learningRate', type: 'float', min: 1e-6, max: 1e-2, log: true },
    { name: 'loraR', type: 'categorical', values: [8, 16, 32] },
    { name: 'loraAlpha', type: 'categorical', values: [8, 16, 32] },
    { name: 'weightDecay', type: 'float', min: 1e-6, max: 1e-1, log: true },
    { name: 'loraDropout', type: 'float', min: 0, max: 0.3 },
    { name: 'labelSmoothing', type: 'float', min: 0, max: 0.2 },
  ],
  f(p) {
    const effective = (num(p, 'learningRate') * num(p, 'loraAlpha')) / num(p, 'loraR');
    const regularisation =
      3 * num(p, 'loraDropout') + (0.5 * (log10(num(p, 'weightDecay')) + 6)) / 5 + 2 * num(p, 'labelSmoothing');
    const learnt = effective > 1e-2 ? 2.8 : Math.min(2, 0.8 + 0.5 * log10(effective / 1e-3) ** 2);
    return learnt + 1.5 * (regularisation - 0.6) ** 2;
  },
  optimum: {
    params: {
      learningRate: 5e-4,
      loraR: 8,
      loraAlpha: 16,
      weightDecay: 1e-6,
      loraDropout: 0.2,
      labelSmoothing: 0,
    },
    value: 0.8,
  },
};

export const LLM_LIKE: Problem[] = [
  loraLike,
  cliffAndPlateau,
  irrelevant,
  batchAndSchedule,
  modulesAndRank,
  regulariserRidge,
];
