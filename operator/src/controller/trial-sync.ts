/**
 * Trial sync: brings each unfinished trial's status up to date from its Job, Pod and log. A
 * trial whose pod has ended is not finished here: it comes back still Running with its whole
 * curve, and its final status in `finals`, so the pruner judges the full curve first (settle.ts).
 */
import { isTrialActive, trialJobName, type LoraTrial, type TrialStatus } from '../api/trial.ts';
import { nameOf, namespaceOf } from '../api/object-name.ts';
import { isSameJson } from './same-json.ts';
import { deleteJob, ensureJob } from './trial-actions.ts';
import { observeTrial, type TrialVerdict } from './trial-observer.ts';
import { TrialLog } from './trial-log.ts';
import { checkSignal, type StudyContext } from './reconcile-context.ts';
import {
  ATTEMPTS_EXHAUSTED,
  mayStartAttempt,
  deleteEarlierAttempts,
  disruptedStatus,
  maxTrialAttempts,
  rerunTrial,
} from './trial-rerun.ts';

export interface Synced {
  trials: LoraTrial[];
  /** Final statuses of trials whose pods ended, not yet written, by trial name. */
  finals: Map<string, TrialStatus>;
  isWaitingForLog: boolean;
}

interface SyncedTrial {
  trial: LoraTrial;
  final?: TrialStatus;
  isWaitingForLog: boolean;
}

/** Without a log source only termination messages count: there is no log to wait for. */
const NO_LOGS = { log: new TrialLog(), isComplete: true };

export async function syncTrials(context: StudyContext, trials: readonly LoraTrial[]): Promise<Synced> {
  const synced: Synced = { trials: [], finals: new Map(), isWaitingForLog: false };
  const results = await Promise.all(trials.map((trial) => syncTrial(context, trial)));
  for (const one of results) {
    synced.trials.push(one.trial);
    if (one.final) synced.finals.set(nameOf(one.trial), one.final);
    synced.isWaitingForLog ||= one.isWaitingForLog;
  }
  return synced;
}

async function syncTrial(context: StudyContext, trial: LoraTrial): Promise<SyncedTrial> {
  if (!isTrialActive(trial.status?.phase)) return syncEnded(context, trial);
  const { view, api, logs } = context.tools;
  const [namespace, name] = [namespaceOf(trial), nameOf(trial)];
  await deleteEarlierAttempts(context, trial);
  if (!view.job(namespace, trialJobName(trial)) && mayStartAttempt(context, trial))
    await ensureJob(api, context.study, trial);
  const verdict = observe(context, trial);
  if (verdict.disruption) {
    const nowIso = new Date(context.nowMs).toISOString();
    const next = disruptedStatus(trial, verdict.status, verdict.disruption, maxTrialAttempts(context), nowIso);
    if (!isTrialActive(next.phase)) {
      const stillRunning = { ...trial, status: { ...verdict.status, phase: 'Running' as const } };
      return { trial: stillRunning, final: next, isWaitingForLog: false };
    }
    return { trial: await rerunTrial(context, trial, next), isWaitingForLog: false };
  }
  if (verdict.follow) {
    const { pod, isFinished: isPodFinished } = verdict.follow;
    logs?.follow({ namespace, pod, trial: name, study: nameOf(context.study), isFinished: isPodFinished });
  }
  if (!isTrialActive(verdict.status.phase)) {
    const stillRunning = { ...trial, status: { ...verdict.status, phase: 'Running' as const } };
    return { trial: stillRunning, final: verdict.status, isWaitingForLog: false };
  }
  if (isSameJson(verdict.status, trial.status)) return { trial, isWaitingForLog: verdict.isWaitingForLog };
  checkSignal(context);
  const written = await context.tools.writes.writeTrial(trial, (fresh) => {
    if (!isTrialActive(fresh.status?.phase)) return fresh.status as TrialStatus;
    const observed = observe(context, fresh).status;
    // On a retry (409) the pod may have ended since the first read: never finish it here, or it
    // would skip the pruner's look at its whole curve; settle finishes it in the next reconcile.
    return isTrialActive(observed.phase) ? observed : verdict.status;
  });
  return { trial: written, isWaitingForLog: verdict.isWaitingForLog };
}

/**
 * A trial the operator stopped (pruned, or the study finished) whose Job still runs: the delete
 * after the status write did not happen (a crash in between). A trial that ended by itself keeps
 * its Job (and its pod's logs) even while the Job controller lags behind.
 */
async function syncEnded(context: StudyContext, trial: LoraTrial): Promise<SyncedTrial> {
  const { view, api, logs } = context.tools;
  const [namespace, name] = [namespaceOf(trial), nameOf(trial)];
  logs?.forget(namespace, name);
  const job = view.job(namespace, trialJobName(trial));
  const isJobRunning = job && !job.status?.completionTime && !job.status?.conditions?.some((c) => c.status === 'True');
  if (isStoppedByUs(trial) && isJobRunning && !job.metadata?.deletionTimestamp) await deleteJob(api, trial);
  return { trial, isWaitingForLog: false };
}

/** Pruned and stopped trials, and those whose attempts ran out (a replacement pod may run). */
function isStoppedByUs(trial: LoraTrial): boolean {
  return trial.status?.phase === 'Pruned' || trial.status?.reason === ATTEMPTS_EXHAUSTED;
}

function observe(context: StudyContext, trial: LoraTrial): TrialVerdict {
  const { view, logs, logGraceMs } = context.tools;
  const [namespace, name] = [namespaceOf(trial), nameOf(trial)];
  return observeTrial({
    trial,
    job: view.job(namespace, trialJobName(trial)),
    pods: view.pods(namespace, name),
    log: logs ? logs.report(namespace, name) : NO_LOGS,
    metric: context.study.spec.objective.metric,
    nowMs: context.nowMs,
    logGraceMs,
  });
}
