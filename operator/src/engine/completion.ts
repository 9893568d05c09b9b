/**
 * When a study is done, and why. Everything is computed from the trials and the clock, never
 * remembered, so raising maxTrials or the timeout of a finished study lets it continue.
 */
import type { CompletionReason, StudySpec } from '../api/study.ts';
import { parseDurationMs } from '../api/common.ts';
import type { TrialRecord } from '../trial-record.ts';

export interface CompletionInput {
  spec: StudySpec;
  records: readonly TrialRecord[];
  /** Trials that exist (started), whatever their state. */
  started: number;
  startTimeMs: number;
  nowMs: number;
  isSpaceExhausted: boolean;
  /** GPU-hours spent so far (finished trials and running ones up to now). */
  gpuHours: number;
}

/** The better of two values for this direction (ties keep `a`). */
export function isBetter(a: number, b: number, direction: 'minimize' | 'maximize'): boolean {
  return direction === 'minimize' ? a < b : a > b;
}

/** The best complete trial; ties go to the lower number. */
export function bestRecord(
  records: readonly TrialRecord[],
  direction: 'minimize' | 'maximize',
): TrialRecord | undefined {
  let best: TrialRecord | undefined;
  for (const record of [...records].sort((a, b) => a.number - b.number)) {
    if (record.state !== 'complete' || record.value === undefined || Number.isNaN(record.value)) continue;
    if (best === undefined || isBetter(record.value, best.value as number, direction)) best = record;
  }
  return best;
}

function hasReachedGoal(spec: StudySpec, best: TrialRecord | undefined): boolean {
  const goal = spec.objective.goal;
  if (goal === undefined || best?.value === undefined) return false;
  return spec.objective.direction === 'minimize' ? best.value <= goal : best.value >= goal;
}

function hasStalled(spec: StudySpec, records: readonly TrialRecord[], best: TrialRecord | undefined): boolean {
  const patience = spec.budget.noImprovementTrials;
  if (patience === undefined || best === undefined) return false;
  const after = records.filter(
    (record) => record.number > best.number && (record.state === 'complete' || record.state === 'pruned'),
  );
  return after.length >= patience;
}

/** Reasons that stop running trials (the rest wait for them: nothing is running by then). */
export const STOPPING_REASONS: ReadonlySet<CompletionReason> = new Set([
  'TooManyFailures',
  'GoalReached',
  'Timeout',
  'NoImprovement',
  'GpuBudgetSpent',
]);

/** Why the study is done, or undefined while it goes on. */
export function completionReason(input: CompletionInput): CompletionReason | undefined {
  const { spec, records } = input;
  const failed = records.filter((record) => record.state === 'failed').length;
  const active = records.filter((record) => record.state === 'running').length;
  const best = bestRecord(records, spec.objective.direction);
  if (spec.budget.maxFailedTrials !== undefined && failed > spec.budget.maxFailedTrials) return 'TooManyFailures';
  if (hasReachedGoal(spec, best)) return 'GoalReached';
  const timeoutMs = spec.budget.timeout === undefined ? Number.NaN : parseDurationMs(spec.budget.timeout);
  if (input.nowMs - input.startTimeMs >= timeoutMs) return 'Timeout';
  const maxGpuHours = spec.budget.maxGpuHours;
  if (maxGpuHours !== undefined && input.gpuHours >= maxGpuHours) return 'GpuBudgetSpent';
  if (hasStalled(spec, records, best)) return 'NoImprovement';
  if (active === 0 && input.started >= spec.budget.maxTrials) return 'MaxTrials';
  if (active === 0 && input.isSpaceExhausted) return 'SearchSpaceExhausted';
  return undefined;
}

/** Milliseconds until the timeout fires, if one is set and not yet reached. */
export function timeUntilTimeoutMs(spec: StudySpec, startTimeMs: number, nowMs: number): number | undefined {
  if (spec.budget.timeout === undefined) return undefined;
  const left = startTimeMs + parseDurationMs(spec.budget.timeout) - nowMs;
  return left > 0 ? left : undefined;
}
