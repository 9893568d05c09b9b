/** The LoraStudy status `plan` writes: phase, conditions, counts, best trial, early-stopping summary. */
import type {
  BestTrial,
  CompletionReason,
  EarlyStoppingSummary,
  StudyPhase,
  StudySpec,
  StudyStatus,
  TrialCounts,
} from '../api/study.ts';
import type { LoraTrial } from '../api/trial.ts';
import { formatIssue } from '../../../trainer/src/contract/format-issue.ts';
import type { Issue } from '../errors.ts';
import { setConditions, type ConditionInput } from './conditions.ts';
import { isBetter } from './completion.ts';
import { isPrunedByPruner } from './trial-endings.ts';
import { nameOf } from '../api/object-name.ts';
import { readinessConditions } from './readiness.ts';
import { roundGpuHours } from './gpu-hours.ts';
import { adapterOnVolume, outputStorage, type OutputStorage } from '../api/output-volume.ts';

export function countTrials(trials: readonly LoraTrial[]): TrialCounts {
  const counts: TrialCounts = { pending: 0, running: 0, succeeded: 0, pruned: 0, earlyStopped: 0, failed: 0 };
  for (const trial of trials) {
    const phase = trial.status?.phase ?? 'Pending';
    const key = (phase.charAt(0).toLowerCase() + phase.slice(1)) as keyof TrialCounts;
    counts[key] += 1;
  }
  return counts;
}

/** The best Succeeded/EarlyStopped trial; ties go to the lower number. */
export function bestTrial(trials: readonly LoraTrial[], direction: 'minimize' | 'maximize'): BestTrial | undefined {
  let best: LoraTrial | undefined;
  for (const trial of [...trials].sort((a, b) => a.spec.number - b.spec.number)) {
    const value = trial.status?.value;
    if (
      (trial.status?.phase !== 'Succeeded' && trial.status?.phase !== 'EarlyStopped') ||
      value === undefined ||
      Number.isNaN(value)
    )
      continue;
    if (best === undefined || isBetter(value, best.status?.value as number, direction)) best = trial;
  }
  if (best?.status?.value === undefined) return undefined;
  const step = best.status.intermediateValues.at(-1)?.step;
  return {
    name: nameOf(best),
    number: best.spec.number,
    value: best.status.value,
    params: best.spec.params,
    ...(step === undefined ? {} : { step }),
    ...(best.status.adapterPath === undefined ? {} : { adapterPath: best.status.adapterPath }),
  };
}

function stepAndValue(trial: LoraTrial): { step?: number; value?: number } {
  const step = trial.status?.intermediateValues.at(-1)?.step;
  const value = trial.status?.value;
  return { ...(step === undefined ? {} : { step }), ...(value === undefined ? {} : { value }) };
}

/**
 * Entries each early-stopping list keeps: the most recent by trial number. A study object must
 * stay small at any trial count (etcd refuses objects over 1.5 MiB; Katib's Suggestion outgrew it
 * with one entry per trial); the totals count them all, and each LoraTrial holds its own record.
 */
export const EARLY_STOPPING_LISTED = 20;

export function earlyStoppingSummary(trials: readonly LoraTrial[]): EarlyStoppingSummary {
  const sorted = [...trials].sort((a, b) => a.spec.number - b.spec.number);
  const pruned = sorted
    .filter((trial) => isPrunedByPruner(trial.status) && trial.status?.prunedAtStep !== undefined)
    .map((trial) => ({
      name: nameOf(trial),
      number: trial.spec.number,
      step: trial.status?.prunedAtStep as number,
      ...(trial.status?.value === undefined ? {} : { value: trial.status.value }),
    }));
  const stopped = sorted
    .filter((trial) => trial.status?.phase === 'EarlyStopped')
    .map((trial) => ({
      name: nameOf(trial),
      number: trial.spec.number,
      ...(trial.status?.stoppedAtEpoch === undefined ? {} : { epoch: trial.status.stoppedAtEpoch }),
      ...(trial.status?.bestEpoch === undefined ? {} : { bestEpoch: trial.status.bestEpoch }),
      ...stepAndValue(trial),
      ...(trial.status?.message === undefined ? {} : { reason: trial.status.message }),
    }));
  return {
    prunedTotal: pruned.length,
    stoppedTotal: stopped.length,
    pruned: pruned.slice(-EARLY_STOPPING_LISTED),
    stopped: stopped.slice(-EARLY_STOPPING_LISTED),
  };
}

export interface StatusInput {
  previous?: StudyStatus;
  generation?: number;
  nowIso: string;
  spec: StudySpec;
  trials: readonly LoraTrial[];
  reason?: CompletionReason;
  /** GPU-hours spent (gpu-hours.ts); shown where any trial asked for GPUs. */
  gpuHours?: number;
  startTime?: string;
  /** Local trials: no output volume to report on. */
  isLocal?: boolean;
}

function studyPhase(reason: CompletionReason | undefined, counts: TrialCounts, hasBest: boolean): StudyPhase {
  if (reason === undefined) return counts.pending + counts.running > 0 ? 'Running' : 'Pending';
  if (reason === 'TooManyFailures' || !hasBest) return 'Failed';
  return 'Succeeded';
}

function summary(
  spec: StudySpec,
  counts: TrialCounts,
  best: BestTrial | undefined,
  reason: CompletionReason | undefined,
): string {
  const finished = counts.succeeded + counts.pruned + counts.earlyStopped + counts.failed;
  const bestText = best ? `best ${spec.objective.metric} ${best.value} (trial ${best.name})` : 'no complete trial yet';
  const done = reason ? `finished (${reason}): ` : '';
  return `${done}${bestText}; ${finished}/${spec.budget.maxTrials} trials finished: ${counts.succeeded} succeeded, ${counts.earlyStopped} stopped early, ${counts.pruned} pruned, ${counts.failed} failed`;
}

/**
 * Why trials wait, in the cluster's words (the observer copied the scheduler's or kubelet's
 * reason to each Pending trial): the commonest reason, how many share it, and one example.
 */
function pendingCondition(trials: readonly LoraTrial[]): ConditionInput {
  const pending = trials.filter((trial) => (trial.status?.phase ?? 'Pending') === 'Pending');
  if (pending.length === 0)
    return { type: 'TrialsPending', status: 'False', reason: 'NonePending', message: 'no trial is waiting' };
  const byReason = new Map<string, LoraTrial[]>();
  for (const trial of pending) {
    const reason = trial.status?.reason;
    if (reason) byReason.set(reason, [...(byReason.get(reason) ?? []), trial]);
  }
  const [reason, sharing] = [...byReason].sort((a, b) => b[1].length - a[1].length)[0] ?? ['Waiting', []];
  const example = sharing[0]?.status?.message;
  const why = example ? `; ${sharing.length} ${reason}: ${example}` : '';
  return { type: 'TrialsPending', status: 'True', reason, message: `${pending.length} trials pending${why}` };
}

/** The best trial's adapter as a folder on the output volume, where that volume is kept. */
function withAdapterVolume(best: BestTrial | undefined, storage: OutputStorage): BestTrial | undefined {
  if (best?.adapterPath === undefined) return best;
  const onVolume = adapterOnVolume(storage, best.adapterPath);
  return onVolume ? { ...best, adapterVolume: onVolume.volume, adapterVolumePath: onVolume.path } : best;
}

/**
 * A warning, not a refusal: a study run for its best hyperparameters alone needs no storage, so
 * it may run on scratch space, but the user learns up front that the adapters will be gone.
 */
function adaptersKept(storage: OutputStorage): ConditionInput {
  if (storage.isKept)
    return {
      type: 'AdaptersKept',
      status: 'True',
      reason: 'OutputVolume',
      message: `trials write adapters to ${storage.volume} at ${storage.mountPath}`,
    };
  return {
    type: 'AdaptersKept',
    status: 'False',
    reason: 'OutputNotKept',
    message: `trials write adapters to an emptyDir at ${storage.mountPath}, lost with each pod: set spec.output.volume (e.g. a persistentVolumeClaim) to keep them`,
  };
}

/** The status of a valid study after this plan's actions. */
export function buildStatus(input: StatusInput): StudyStatus {
  const { spec, trials, reason, previous } = input;
  const counts = countTrials(trials);
  const storage = outputStorage(spec);
  const best = input.isLocal
    ? bestTrial(trials, spec.objective.direction)
    : withAdapterVolume(bestTrial(trials, spec.objective.direction), storage);
  const phase = studyPhase(reason, counts, best !== undefined);
  const isDone = phase === 'Succeeded' || phase === 'Failed';
  const finished = counts.succeeded + counts.pruned + counts.earlyStopped + counts.failed;
  const message = summary(spec, counts, best, reason);
  const conditions: ConditionInput[] = [
    { type: 'Valid', status: 'True', reason: 'SpecValid', message: 'the spec is valid' },
    {
      type: 'Running',
      status: isDone ? 'False' : 'True',
      reason: isDone ? 'Finished' : 'TrialsRunning',
      message: `${counts.running} trials running, ${counts.pending} pending`,
    },
    pendingCondition(trials),
    ...(input.isLocal ? [] : [adaptersKept(storage)]),
    { type: 'Complete', status: isDone ? 'True' : 'False', reason: reason ?? 'InProgress', message },
    ...readinessConditions({ phase, reason, message }),
  ];
  return {
    phase,
    ...(input.generation === undefined ? {} : { observedGeneration: input.generation }),
    conditions: setConditions(previous?.conditions ?? [], conditions, input.nowIso, input.generation),
    trialCounts: counts,
    progress: `${finished}/${spec.budget.maxTrials}`,
    ...(best ? { bestTrial: best } : {}),
    earlyStopping: earlyStoppingSummary(trials),
    ...(isDone && reason ? { completionReason: reason } : {}),
    ...(input.gpuHours ? { gpuHours: roundGpuHours(input.gpuHours) } : {}),
    message,
    ...(input.startTime ? { startTime: input.startTime } : {}),
    ...(isDone
      ? {
          completionTime:
            previous?.completionTime && previous.completionReason === reason ? previous.completionTime : input.nowIso,
        }
      : {}),
  };
}

/** The status of a study whose spec breaks the rules: Valid=False with every issue, no trials start. */
export function invalidStatus(
  issues: readonly Issue[],
  nowIso: string,
  previous?: StudyStatus,
  generation?: number,
): StudyStatus {
  const message = `spec is invalid: ${issues.map((issue) => formatIssue(issue)).join('; ')}`;
  return {
    phase: 'Failed',
    ...(generation === undefined ? {} : { observedGeneration: generation }),
    conditions: setConditions(
      previous?.conditions ?? [],
      [
        { type: 'Valid', status: 'False', reason: 'SpecInvalid', message },
        ...readinessConditions({ phase: 'Failed', reason: 'SpecInvalid', message, isInvalid: true }),
      ],
      nowIso,
      generation,
    ),
    ...(previous?.trialCounts ? { trialCounts: previous.trialCounts } : {}),
    message,
    ...(previous?.startTime ? { startTime: previous.startTime } : {}),
  };
}
