/**
 * Works out a running trial's status from what the cluster shows: its Job, its newest Pod, and
 * what its log said. Pure: the reconciler writes the result. The final value comes from the
 * termination message (the kubelet copies LORAHPO_RESULT_FILE there), else from the log.
 */
import type { V1ContainerStateTerminated, V1Job, V1Pod } from '@kubernetes/client-node';
import { ResultEventSchema, type ResultEvent } from '../../../trainer/src/contract/events.ts';
import { appendIntermediate, isTrialActive, trialJobName, type LoraTrial, type TrialStatus } from '../api/trial.ts';
import { nameOf } from '../api/object-name.ts';
import { resultStatus } from '../engine/trial-endings.ts';
import { podJobName, TRAINER_CONTAINER } from './labels.ts';
import type { TrialLog } from './trial-log.ts';
import { failureCause } from './failure-cause.ts';
import { podDisruption, podGone, type Disruption } from './pod-disruption.ts';

export interface TrialObservation {
  trial: LoraTrial;
  job: V1Job | undefined;
  pods: V1Pod[];
  log: { log: TrialLog; isComplete: boolean } | undefined;
  metric: string;
  nowMs: number;
  /** How long to wait for the log of a finished pod before finishing without it; default 60 s. */
  logGraceMs?: number;
}

/** The defaults of TrialObservation; the study reconciler's options read them too. */
export function defaultTrialObservation() {
  return { logGraceMs: 60_000 };
}

export interface TrialVerdict {
  status: TrialStatus;
  /** The pod whose log to follow, and whether it has finished. */
  follow?: { pod: string; isFinished: boolean };
  /** Waiting for the rest of a finished pod's log: look again soon. */
  isWaitingForLog: boolean;
  /** The cluster ended the current attempt's pod: the trial runs again as its next attempt. */
  disruption?: Disruption;
}

export function observeTrial(observation: TrialObservation): TrialVerdict {
  const { trial, nowMs } = observation;
  const status: TrialStatus = { ...(trial.status ?? { phase: 'Pending', intermediateValues: [] }) };
  status.phase ??= 'Pending';
  status.intermediateValues ??= [];
  if (!isTrialActive(status.phase)) return { status, isWaitingForLog: false };
  status.jobName = trialJobName(trial);
  status.intermediateValues = mergeCurve(status.intermediateValues, observation);
  const pods = attemptPods(observation.pods, status.jobName);
  const disruption = disruptionOf(status, pods);
  if (disruption) return { status, disruption, isWaitingForLog: false };
  const pod = newestPod(pods);
  const terminated = pod && trainerTerminated(pod);
  if (pod && !terminated && pod.status?.phase === 'Failed')
    return {
      status: failed(
        status,
        pod.status.reason ?? 'PodFailed',
        pod.status.message ?? 'the pod failed before the trainer ran',
        nowMs,
      ),
      isWaitingForLog: false,
    };
  const jobFailure = observation.job?.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  if (!terminated && jobFailure)
    return {
      status: failed(status, jobFailure.reason ?? 'JobFailed', jobFailure.message ?? 'the Job failed', nowMs),
      isWaitingForLog: false,
    };
  if (!pod || !isStarted(pod)) return { status: withWaiting(status, observation.job, pod), isWaitingForLog: false };
  if (status.phase === 'Pending') {
    // What it waited for is over.
    delete status.reason;
    delete status.message;
  }
  status.phase = 'Running';
  status.startTime ??= new Date(trainerStartedAt(pod) ?? pod.status?.startTime ?? nowMs).toISOString();
  const podName = nameOf(pod);
  status.pod = podName;
  if (!terminated) return { status, follow: { pod: podName, isFinished: false }, isWaitingForLog: false };
  return finished(status, terminated, podName, observation);
}

/** Reasons a container waits that are no news: the kubelet is merely starting it. */
const STARTING = new Set(['ContainerCreating', 'PodInitializing']);

/**
 * Why a trial is still Pending, in the cluster's words: the scheduler's (PodScheduled=False),
 * the kubelet's (a container waiting on ImagePullBackOff, CreateContainerConfigError, …), or a
 * Job still suspended for its queue. Nothing to say clears an earlier reason, except a rerun's
 * `Disrupted`, which stays until the new attempt's pod says more or runs.
 */
function withWaiting(status: TrialStatus, job: V1Job | undefined, pod: V1Pod | undefined): TrialStatus {
  const { reason, message, ...rest } = status;
  // A rerun attempt's word on its disruption stays until the cluster has something to say.
  const disrupted = reason === 'Disrupted' && message ? { reason, message } : undefined;
  const waiting = waitingReason(job, pod) ?? disrupted;
  return waiting ? { ...rest, ...waiting } : rest;
}

function waitingReason(
  job: V1Job | undefined,
  pod: V1Pod | undefined,
): { reason: string; message: string } | undefined {
  if (!pod)
    return job?.spec?.suspend === true
      ? { reason: 'Queued', message: 'the Job is suspended until its queue admits it' }
      : undefined;
  const name = nameOf(pod);
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False')
    return {
      reason: scheduled.reason ?? 'Unschedulable',
      message: `pod ${name} cannot be scheduled: ${scheduled.message ?? 'no reason given'}`,
    };
  const statuses = pod.status?.containerStatuses ?? [];
  const waiting = (statuses.find((s) => s.name === TRAINER_CONTAINER) ?? statuses[0])?.state?.waiting;
  if (waiting?.reason && !STARTING.has(waiting.reason))
    return {
      reason: waiting.reason,
      message: `pod ${name}: container ${TRAINER_CONTAINER} is waiting: ${waiting.message ?? waiting.reason}`,
    };
  return undefined;
}

/**
 * When the pod was first seen finished. The grace counts from then, not from the container's
 * finishedAt (a lagging kubelet may report it late); it is kept in the status, so an operator
 * restarted during the wait gives the same grace.
 */
function finishSeenMs(status: TrialStatus, pod: string, nowMs: number): number {
  return status.finishSeen?.pod === pod ? Date.parse(status.finishSeen.time) : nowMs;
}

function finished(
  status: TrialStatus,
  terminated: V1ContainerStateTerminated,
  pod: string,
  observation: TrialObservation,
): TrialVerdict {
  const follow = { pod, isFinished: true };
  const finishedMs = terminated.finishedAt ? new Date(terminated.finishedAt).getTime() : observation.nowMs;
  const seenMs = finishSeenMs(status, pod, observation.nowMs);
  const logReady =
    observation.log?.isComplete === true ||
    observation.nowMs - seenMs > (observation.logGraceMs ?? defaultTrialObservation().logGraceMs);
  if (!logReady) {
    const finishSeen = { pod, time: new Date(seenMs).toISOString() };
    return { status: { ...status, finishSeen }, follow, isWaitingForLog: true };
  }
  if (terminated.exitCode !== 0) {
    const reason = terminated.reason && terminated.reason !== 'Error' ? terminated.reason : 'Error';
    const tail = failureCause(terminated.message);
    return {
      status: failed(
        status,
        reason,
        `trainer exited with code ${terminated.exitCode}${tail ? `: ${tail}` : ''}`,
        finishedMs,
      ),
      follow,
      isWaitingForLog: false,
    };
  }
  const result = resultOf(terminated.message) ?? observation.log?.log.result;
  if (!result)
    return {
      status: failed(
        status,
        'NoResult',
        'the trainer exited 0 without a result line (see the trainer contract)',
        finishedMs,
      ),
      follow,
      isWaitingForLog: false,
    };
  return { status: succeeded(status, result, finishedMs), follow, isWaitingForLog: false };
}

function succeeded(status: TrialStatus, result: ResultEvent, finishedMs: number): TrialStatus {
  return { ...status, ...resultStatus(result), completionTime: new Date(finishedMs).toISOString() };
}

function failed(status: TrialStatus, reason: string, message: string, atMs: number): TrialStatus {
  return { ...status, phase: 'Failed', reason, message, completionTime: new Date(atMs).toISOString() };
}

/** The termination message holds the result line, unless the kubelet fell back to the log. */
export function resultOf(message: string | undefined): ResultEvent | undefined {
  const lines = (message ?? '').trim().split('\n').reverse();
  for (const line of lines) {
    try {
      const parsed = ResultEventSchema.safeParse(JSON.parse(line));
      if (parsed.success) return parsed.data;
    } catch {
      // not JSON: a log line the kubelet copied
    }
  }
  return undefined;
}

function mergeCurve(
  curve: TrialStatus['intermediateValues'],
  observation: TrialObservation,
): TrialStatus['intermediateValues'] {
  const points = observation.log?.log.curve(observation.metric) ?? [];
  let merged = curve;
  for (const point of points) {
    const known = merged.find((existing) => existing.step === point.step);
    if (known?.value !== point.value) merged = appendIntermediate(merged, point.step, point.value);
  }
  return merged;
}

/** The pods of the attempt's Job; one of another attempt's Job (still being deleted) is not. */
function attemptPods(pods: V1Pod[], jobName: string): V1Pod[] {
  return pods.filter((pod) => (podJobName(pod) ?? jobName) === jobName);
}

/**
 * The attempt's disruption: one of its pods evicted, preempted or deleted, or the pod it ran in
 * gone. A pod whose end the operator saw before it was deleted ended by itself.
 */
function disruptionOf(status: TrialStatus, pods: V1Pod[]): Disruption | undefined {
  for (const pod of pods) {
    if (status.finishSeen?.pod === nameOf(pod)) continue;
    const disruption = podDisruption(pod);
    if (disruption) return disruption;
  }
  const seen = status.pod;
  if (seen && !pods.some((pod) => nameOf(pod) === seen)) return podGone(seen);
  return undefined;
}

function newestPod(pods: V1Pod[]): V1Pod | undefined {
  const time = (pod: V1Pod): number => new Date(pod.metadata?.creationTimestamp ?? 0).getTime();
  return pods
    .filter(
      (pod) => !pod.metadata?.deletionTimestamp || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed',
    )
    .sort((a, b) => time(b) - time(a))[0];
}

function trainerTerminated(pod: V1Pod): V1ContainerStateTerminated | undefined {
  const statuses = pod.status?.containerStatuses ?? [];
  const trainer = statuses.find((s) => s.name === TRAINER_CONTAINER) ?? statuses[0];
  return trainer?.state?.terminated;
}

/** When the trainer container began to run (GPU-hours count from then, not from image pulls). */
function trainerStartedAt(pod: V1Pod): Date | undefined {
  const statuses = pod.status?.containerStatuses ?? [];
  const state = (statuses.find((s) => s.name === TRAINER_CONTAINER) ?? statuses[0])?.state;
  return state?.running?.startedAt ?? state?.terminated?.startedAt;
}

function isStarted(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Running' || phase === 'Succeeded' || phase === 'Failed' || trainerTerminated(pod) !== undefined;
}
