/**
 * Learning-rate schedules as transformers' get_scheduler builds them: linear warm-up from 0 over
 * warmupSteps (or ceil(warmupRatio · totalSteps)) steps, then cosine (half a cycle), linear, or
 * constant_with_warmup; `constant` is the peak from the first step (transformers ignores the
 * warm-up for it). cosine and linear decay to peak · minLrRatio (0 by default), as transformers'
 * cosine_with_min_lr: factor · (1 − ratio) + ratio. `step` is the 0-based index of the optimiser
 * step the rate is used for.
 */
import type { Hyperparameters, SCHEDULERS } from '../contract/training.ts';

export type SchedulerName = (typeof SCHEDULERS)[number];

export interface Schedule {
  peak: number;
  scheduler: SchedulerName;
  warmupSteps: number;
  totalSteps: number;
  /** cosine and linear end at peak × this; absent: 0. */
  minLrRatio?: number;
}

export function warmupSteps(warmupRatio: number, totalSteps: number): number {
  return Math.ceil(warmupRatio * totalSteps);
}

/** A run's schedule from its hyperparameters: warmupSteps, when set, wins over warmupRatio. */
export function scheduleFor(h: Hyperparameters, totalSteps: number): Schedule {
  return {
    peak: h.learningRate,
    scheduler: h.scheduler,
    warmupSteps: h.warmupSteps ?? warmupSteps(h.warmupRatio, totalSteps),
    totalSteps,
    minLrRatio: h.minLrRatio,
  };
}

export function learningRateAt(step: number, s: Schedule): number {
  if (s.scheduler === 'constant') return s.peak;
  if (step < s.warmupSteps) return (s.peak * step) / Math.max(1, s.warmupSteps);
  if (s.scheduler === 'constant_with_warmup') return s.peak;
  const decaySteps = Math.max(1, s.totalSteps - s.warmupSteps);
  const factor =
    s.scheduler === 'linear'
      ? Math.max(0, (s.totalSteps - step) / decaySteps)
      : Math.max(0, 0.5 * (1 + Math.cos((Math.PI * (step - s.warmupSteps)) / decaySteps)));
  const floor = s.minLrRatio ?? 0;
  return s.peak * (factor * (1 - floor) + floor);
}
