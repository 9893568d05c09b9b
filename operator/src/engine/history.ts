/**
 * The engine's view of trials: LoraTrial objects become the frozen TrialRecords samplers and
 * pruners read, and each trial sees a fixed part of the history.
 *
 * Reproducible ordering: trial n is sampled and judged against the trials numbered below its
 * cutoff (n - parallelTrials + 1, recorded in its spec), and it only starts once all of those
 * have finished. Its decisions therefore never depend on timing: a rerun, a restart or a slower
 * machine with the same seed takes the same decisions.
 */
import type { LoraTrial } from '../api/trial.ts';
import type { TrialRecord, TrialState } from '../trial-record.ts';

/** The state samplers and pruners see for a trial's phase. */
export function recordState(trial: LoraTrial): TrialState {
  switch (trial.status?.phase) {
    case 'Succeeded':
    case 'EarlyStopped':
      return trial.status.value === undefined ? 'failed' : 'complete';
    case 'Pruned':
      return 'pruned';
    case 'Failed':
      return 'failed';
    default:
      return 'running';
  }
}

/** A LoraTrial as a TrialRecord; a pruned trial's curve ends at the step it was pruned at. */
export function toRecord(trial: LoraTrial): TrialRecord {
  const state = recordState(trial);
  const prunedAt = trial.status?.prunedAtStep;
  const curve = (trial.status?.intermediateValues ?? []).filter(
    (point) => state !== 'pruned' || prunedAt === undefined || point.step <= prunedAt,
  );
  const value =
    state === 'complete'
      ? trial.status?.value
      : state === 'pruned'
        ? (curve.at(-1)?.value ?? trial.status?.value)
        : undefined;
  return Object.freeze({
    number: trial.spec.number,
    params: trial.spec.params as TrialRecord['params'],
    state,
    ...(value === undefined ? {} : { value }),
    intermediate: curve.map((point) => ({ step: point.step, value: point.value })),
  });
}

/** The first trial number a trial with this number may NOT see. */
export function historyCutoff(number: number, parallelTrials: number): number {
  return Math.max(0, number - parallelTrials + 1);
}

/** Trial n's cutoff: from its spec when recorded, else from the current parallelism. */
export function cutoffOf(trial: LoraTrial, parallelTrials: number): number {
  return trial.spec.historyCutoff ?? historyCutoff(trial.spec.number, parallelTrials);
}

/** What the pruner may compare trial `number` with: the finished trials below its cutoff. */
export function prunerHistory(records: readonly TrialRecord[], cutoff: number): TrialRecord[] {
  return records.filter((record) => record.number < cutoff && record.state !== 'running');
}

/**
 * What the sampler sees for trial `number`: the trials below its cutoff as they ended, and the
 * ones between the cutoff and `number` as running with no values, whatever they have done since
 * (so constant liar sees the same thing on every rerun).
 */
export function samplerHistory(records: readonly TrialRecord[], number: number, cutoff: number): TrialRecord[] {
  return records
    .filter((record) => record.number < number)
    .map((record) =>
      record.number < cutoff
        ? record
        : Object.freeze({ number: record.number, params: record.params, state: 'running' as const, intermediate: [] }),
    );
}
