/**
 * A trial whose pod the cluster disrupted runs again as its next attempt: same LoraTrial (name,
 * number, params, seed), a new Job `<trial>-a<n>`, the same output directory. Order of writes,
 * for restarts: first the status (attempt n+1, attempt n recorded), then the old Job's delete,
 * then the new Job's create. The Job name is the idempotency key: a restart after the write
 * observes only the new attempt's Job (creating it if need be) and deletes what is left of the
 * old ones, so an attempt is neither lost nor counted twice. Disruptions are no failures: the
 * trial stays active and never counts toward maxFailedTrials, until its attempts are spent.
 */
import { DEFAULT_MAX_TRIAL_ATTEMPTS } from '../api/study.ts';
import {
  MAX_ATTEMPT_RECORDS,
  attemptJobName,
  isTrialActive,
  trialJobName,
  type LoraTrial,
  type TrialStatus,
} from '../api/trial.ts';
import { nameOf, namespaceOf } from '../api/object-name.ts';
import type { Disruption } from './pod-disruption.ts';
import { checkSignal, type StudyContext } from './reconcile-context.ts';
import { isFinished } from './study-status.ts';
import { deleteJobNamed, ensureJob } from './trial-actions.ts';
import { trialDisrupted } from './trial-events.ts';
import { podJobName } from './labels.ts';

/** The reason of a trial whose every attempt was disrupted. */
export const ATTEMPTS_EXHAUSTED = 'AttemptsExhausted';

/**
 * The status after a disruption, pure: the next attempt (Pending, reason Disrupted), or Failed
 * with AttemptsExhausted once `maxAttempts` attempts were disrupted.
 */
export function disruptedStatus(
  trial: LoraTrial,
  observed: TrialStatus,
  disruption: Disruption,
  maxAttempts: number,
  nowIso: string,
): TrialStatus {
  const attempt = trial.status?.attempt ?? 1;
  const jobName = trialJobName(trial);
  const record = {
    attempt,
    jobName,
    ...(disruption.pod ? { pod: disruption.pod } : {}),
    ...(observed.startTime ? { startTime: observed.startTime } : {}),
    reason: disruption.reason,
    message: disruption.message,
    time: nowIso,
  };
  const attempts = [...(observed.attempts ?? []), record].slice(-MAX_ATTEMPT_RECORDS);
  // The attempt's start moves to its record: the next attempt's running time is its own.
  const { pod: _pod, finishSeen: _finishSeen, startTime: _startTime, ...rest } = observed;
  const what = `attempt ${attempt} of ${maxAttempts} (Job ${jobName}) ${disruption.reason}: ${disruption.message}`;
  if (attempt >= maxAttempts)
    return { ...rest, attempts, phase: 'Failed', reason: ATTEMPTS_EXHAUSTED, message: what, completionTime: nowIso };
  const next = attempt + 1;
  const message = `${what}; attempt ${next} runs as Job ${attemptJobName(nameOf(trial), next)}`;
  return { ...rest, attempts, attempt: next, phase: 'Pending', reason: 'Disrupted', message };
}

export function maxTrialAttempts(context: StudyContext): number {
  return context.study.spec.budget.maxTrialAttempts ?? DEFAULT_MAX_TRIAL_ATTEMPTS;
}

/** Writes the next attempt, deletes the disrupted attempt's Job and creates the next one's. */
export async function rerunTrial(context: StudyContext, trial: LoraTrial, next: TrialStatus): Promise<LoraTrial> {
  const { api, logs, writes } = context.tools;
  const attempt = trial.status?.attempt ?? 1;
  checkSignal(context);
  // On a retry after 409 an attempt already advanced (by a reconcile before a restart) stays.
  let isAdvancedHere = false;
  const written = await writes.writeTrial(trial, (fresh) => {
    isAdvancedHere = isTrialActive(fresh.status?.phase) && (fresh.status?.attempt ?? 1) === attempt;
    return isAdvancedHere ? next : (fresh.status as TrialStatus);
  });
  if (!isTrialActive(written.status?.phase)) return written;
  if (isAdvancedHere) trialDisrupted(context, written);
  await deleteJobNamed(api, namespaceOf(trial), trialJobName(trial), 'Foreground');
  logs?.forget(namespaceOf(trial), nameOf(trial));
  if (mayStartAttempt(context, written)) await ensureJob(api, context.study, written);
  return written;
}

/**
 * Whether the attempt's Job may be created: not once the study finished, and not while an
 * earlier attempt's Job or a pod of it is left. The 1.20 job controller replaces a deleted pod
 * by itself, and that replacement (or the deleted pod in its grace period) writes to the same
 * output folder: the next attempt waits until they are gone, so no two trainers share a
 * checkpoint. The earlier Job is deleted in the foreground, so it is gone only once its pods
 * are; its going is a Job event, which queues the study again.
 */
export function mayStartAttempt(context: StudyContext, trial: LoraTrial): boolean {
  if (isFinished(context.study.status)) return false;
  const { view } = context.tools;
  const [namespace, name] = [namespaceOf(trial), nameOf(trial)];
  const current = trial.status?.attempt ?? 1;
  for (let attempt = 1; attempt < current; attempt++)
    if (view.job(namespace, attemptJobName(name, attempt))) return false;
  const job = trialJobName(trial);
  return !view.pods(namespace, name).some((pod) => {
    const owner = podJobName(pod);
    const phase = pod.status?.phase;
    return owner !== undefined && owner !== job && phase !== 'Succeeded' && phase !== 'Failed';
  });
}

/** Earlier attempts' Jobs still there: a restart came between the status write and the delete. */
export async function deleteEarlierAttempts(context: StudyContext, trial: LoraTrial): Promise<void> {
  const { view, api } = context.tools;
  const current = trial.status?.attempt ?? 1;
  for (let attempt = 1; attempt < current; attempt++) {
    const name = attemptJobName(nameOf(trial), attempt);
    const job = view.job(namespaceOf(trial), name);
    if (job && !job.metadata?.deletionTimestamp) await deleteJobNamed(api, namespaceOf(trial), name, 'Foreground');
  }
}
