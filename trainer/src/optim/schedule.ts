/**
 * Learning-rate schedules as transformers' get_scheduler builds them: linear warm-up from 0 over
 * ceil(warmupRatio · totalSteps) steps, then cosine (half a cycle to 0), linear (to 0) or
 * constant_with_warmup; `constant` is the peak from the first step (transformers ignores the
 * warm-up for it). `step` is the 0-based index of the optimiser step the rate is used for.
 */
import type { SCHEDULERS } from '../contract/training.ts';

export type SchedulerName = (typeof SCHEDULERS)[number];

export interface Schedule {
  peak: number;
  scheduler: SchedulerName;
  warmupSteps: number;
  totalSteps: number;
}

export function warmupSteps(warmupRatio: number, totalSteps: number): number {
  return Math.ceil(warmupRatio * totalSteps);
}

export function learningRateAt(step: number, s: Schedule): number {
  if (s.scheduler === 'constant') return s.peak;
  if (step < s.warmupSteps) return (s.peak * step) / Math.max(1, s.warmupSteps);
  const decaySteps = Math.max(1, s.totalSteps - s.warmupSteps);
  if (s.scheduler === 'constant_with_warmup') return s.peak;
  if (s.scheduler === 'linear') return s.peak * Math.max(0, (s.totalSteps - step) / decaySteps);
  const progress = (step - s.warmupSteps) / decaySteps;
  return s.peak * Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
}
