/**
 * How a trial the engine ends looks afterwards: the one rule for its phase, reason code, step
 * and kept values. The engine puts the result on its prune and stop actions; the operator
 * writes it to the LoraTrial, the local runner's journal replays it through the same rule.
 */
import type { CompletionReason } from '../api/study.ts';
import type { LoraTrial, TrialStatus } from '../api/trial.ts';
import type { ResultEvent } from '../../../trainer/src/contract/events.ts';

/**
 * The `status.reason` codes of trials. The strings are on the wire (LoraTrial objects, journal
 * files), so they never change. A trial stopped because the study finished stays phase Pruned
 * (the phase list and trialCounts are the API's) and is told apart by its code.
 */
export const TRIAL_REASONS = {
  /** The pruner stopped it. */
  pruned: 'Pruned',
  /** The study finished (goal, timeout, failures, no improvement) while it ran. */
  studyFinished: 'StudyFinished',
  /** The trainer finished all its epochs. */
  completed: 'Completed',
  /** The trainer stopped itself (patience early stopping). */
  earlyStopped: 'EarlyStopped',
} as const;

export type TrialReason = (typeof TRIAL_REASONS)[keyof typeof TRIAL_REASONS];

export interface PruneDecision {
  step: number;
  value?: number;
  message: string;
}

const PENDING: TrialStatus = { phase: 'Pending', intermediateValues: [] };

/**
 * Pruned at `step`. Values reported after that step are dropped: how many the trainer printed
 * before SIGTERM landed is timing, and a status that depends on timing would differ between a
 * rerun, a restart and the reference run.
 */
export function prunedStatus(status: TrialStatus | undefined, prune: PruneDecision, nowIso: string): TrialStatus {
  const from = status ?? PENDING;
  return {
    ...from,
    phase: 'Pruned',
    prunedAtStep: prune.step,
    intermediateValues: from.intermediateValues.filter((point) => point.step <= prune.step),
    ...(prune.value === undefined ? {} : { value: prune.value }),
    reason: TRIAL_REASONS.pruned,
    message: prune.message,
    completionTime: nowIso,
  };
}

/** The words on a trial stopped because the study finished. */
export function stoppedMessage(reason: CompletionReason | string): string {
  return `stopped: the study finished (${reason})`;
}

/**
 * Stopped because the study finished. No step: the pruner did not judge it, so it has no step
 * it was stopped at, and its curve is kept as the engine saw it.
 */
export function stoppedStatus(status: TrialStatus | undefined, message: string, nowIso: string): TrialStatus {
  const from = status ?? PENDING;
  return { ...from, phase: 'Pruned', reason: TRIAL_REASONS.studyFinished, message, completionTime: nowIso };
}

/** Pruned by the pruner (not stopped because the study finished). */
export function isPrunedByPruner(status: TrialStatus | undefined): boolean {
  return status?.phase === 'Pruned' && status.reason !== TRIAL_REASONS.studyFinished;
}

/** The trials as they are once a runner has written these endings (prune and stop actions). */
export function applyEndings(trials: readonly LoraTrial[], endings: readonly { name: string; status: TrialStatus }[]) {
  return trials.map((trial) => {
    const ending = endings.find((action) => action.name === trial.metadata.name);
    return ending ? { ...trial, status: ending.status } : trial;
  });
}

/**
 * What a trainer's result line makes of a trial, for both runners: the phase, value, metrics
 * (when there are any), the early-stopping epochs, the adapter and the reason code.
 */
export function resultStatus(
  result: ResultEvent,
): Pick<TrialStatus, 'phase' | 'value' | 'reason'> & Partial<TrialStatus> {
  return {
    phase: result.earlyStopped ? 'EarlyStopped' : 'Succeeded',
    value: result.value,
    reason: result.earlyStopped ? TRIAL_REASONS.earlyStopped : TRIAL_REASONS.completed,
    ...(Object.keys(result.metrics).length === 0 ? {} : { metrics: result.metrics }),
    ...(result.stoppedEpoch === undefined ? {} : { stoppedAtEpoch: result.stoppedEpoch }),
    ...(result.bestEpoch === undefined ? {} : { bestEpoch: result.bestEpoch }),
    ...(result.adapterPath === undefined ? {} : { adapterPath: result.adapterPath }),
    ...(result.reason === undefined || result.reason === '' ? {} : { message: result.reason }),
  };
}
