/**
 * GPU-hours: a trial's GPUs (spec.gpus, fixed when it started) × its running time, summed over
 * its attempts. An attempt runs from its trainer starting (its startTime) to its end: the
 * disruption the operator saw (its record's time), the trial's end (completionTime), or `now`
 * while it runs. Queued and Pending time has no startTime yet, so it costs nothing; an evicted
 * attempt's running time counts, the GPU was held.
 */
import type { LoraTrial, TrialStatus } from '../api/trial.ts';

const MS_PER_HOUR = 3_600_000;

function spanHours(gpus: number, start: string | undefined, end: string | undefined): number {
  if (gpus === 0 || start === undefined || end === undefined) return 0;
  const ms = Date.parse(end) - Date.parse(start);
  return Number.isFinite(ms) && ms > 0 ? (gpus * ms) / MS_PER_HOUR : 0;
}

/** The attempts the cluster ended (their records keep when each started running). */
function endedAttemptsGpuHours(gpus: number, status: TrialStatus | undefined): number {
  return (status?.attempts ?? []).reduce((sum, record) => sum + spanHours(gpus, record.startTime, record.time), 0);
}

/**
 * The current attempt: to the trial's end, or to `now` while Running (without `now`, nothing
 * while it runs); a Pending attempt has not started.
 */
function currentAttemptGpuHours(gpus: number, status: TrialStatus | undefined, nowMs?: number): number {
  const running = status?.phase === 'Running' && nowMs !== undefined ? new Date(nowMs).toISOString() : undefined;
  return spanHours(gpus, status?.startTime, status?.completionTime ?? running);
}

export function trialGpuHours(trial: LoraTrial, nowMs: number): number {
  const gpus = trial.spec.gpus ?? 0;
  return endedAttemptsGpuHours(gpus, trial.status) + currentAttemptGpuHours(gpus, trial.status, nowMs);
}

/**
 * The status with its `gpuHours`: what its ended attempts used, and once the trial ended, all of
 * it. The running attempt's share is left to the study's total, so the value changes only when
 * an attempt ends and never causes a status write of its own.
 */
export function withTrialGpuHours(trial: LoraTrial, status: TrialStatus): TrialStatus {
  const gpus = trial.spec.gpus ?? 0;
  const hours = endedAttemptsGpuHours(gpus, status) + currentAttemptGpuHours(gpus, status);
  const { gpuHours: _old, ...rest } = status;
  return hours > 0 ? { ...rest, gpuHours: roundGpuHours(hours) } : rest;
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
