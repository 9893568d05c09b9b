/** How many optimiser steps a run takes, as transformers counts them. */
export interface PlanInput {
  trainSequences: number;
  batchSize: number;
  gradientAccumulationSteps: number;
  epochs: number;
  maxSteps?: number;
}

export interface TrainPlan {
  batchesPerEpoch: number;
  stepsPerEpoch: number;
  /** maxSteps when given (it overrides epochs), else epochs × stepsPerEpoch. */
  totalSteps: number;
}

export function planSteps(p: PlanInput): TrainPlan {
  const batchesPerEpoch = Math.ceil(p.trainSequences / p.batchSize);
  const stepsPerEpoch = Math.max(1, Math.ceil(batchesPerEpoch / p.gradientAccumulationSteps));
  return { batchesPerEpoch, stepsPerEpoch, totalSteps: p.maxSteps ?? p.epochs * stepsPerEpoch };
}

/** Splits a list into consecutive groups of `size` (the last may be smaller). */
export function groupsOf<T>(items: readonly T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}
