/**
 * GPU-hours: a trial's GPUs (spec.gpus, fixed when it started) × its running time, from its
 * trainer starting to run (status.startTime) to its end, or to `now` while it runs. Queued and
 * Pending time has no startTime yet, so it costs nothing.
 */
import { isTrialActive, type LoraTrial } from '../api/trial.ts';

const MS_PER_HOUR = 3_600_000;

export function trialGpuHours(trial: LoraTrial, nowMs: number): number {
  const gpus = trial.spec.gpus ?? 0;
  const start = trial.status?.startTime;
  if (gpus === 0 || start === undefined) return 0;
  const end = trial.status?.completionTime ?? (isTrialActive(trial.status?.phase) ? undefined : start);
  const endMs = end === undefined ? nowMs : Date.parse(end);
  const ms = endMs - Date.parse(start);
  return Number.isFinite(ms) && ms > 0 ? (gpus * ms) / MS_PER_HOUR : 0;
}

/** The study's spent total: finished trials plus what running ones have used so far. */
export function studyGpuHours(trials: readonly LoraTrial[], nowMs: number): number {
  return trials.reduce((sum, trial) => sum + trialGpuHours(trial, nowMs), 0);
}

/** As shown in status: to 3 decimals (3.6 GPU-seconds). */
export function roundGpuHours(hours: number): number {
  return Math.round(hours * 1000) / 1000;
}

/** Milliseconds until the running trials, at their GPUs, spend what is left of maxGpuHours. */
export function timeUntilGpuBudgetMs(
  maxGpuHours: number | undefined,
  trials: readonly LoraTrial[],
  nowMs: number,
): number | undefined {
  if (maxGpuHours === undefined) return undefined;
  const burning = trials
    .filter((trial) => trial.status?.phase === 'Running' && trial.status.startTime !== undefined)
    .reduce((sum, trial) => sum + (trial.spec.gpus ?? 0), 0);
  const left = maxGpuHours - studyGpuHours(trials, nowMs);
  return burning > 0 && left > 0 ? Math.ceil((left / burning) * MS_PER_HOUR) : undefined;
}
