/** What each step of a study's reconcile works with: the study as read, and the tools to act. */
import type { LoraStudy } from '../api/study.ts';
import type { LoraTrial } from '../api/trial.ts';
import type { Plan, PlanOptions } from '../engine/plan.ts';
import type { ClusterView } from './cluster-view.ts';
import type { EventRecorder } from './event-recorder.ts';
import type { KubeApi } from './kube-api.ts';
import type { FollowTarget } from './log-follower.ts';
import type { Logger } from './logger.ts';
import type { OwnWrites } from './own-writes.ts';
import type { TrialLog } from './trial-log.ts';

/** What the reconciler needs of the log follower. */
export interface TrialLogSource {
  follow(target: FollowTarget): void;
  report(namespace: string, trial: string): { log: TrialLog; isComplete: boolean } | undefined;
  forget(namespace: string, trial: string): void;
}

/** The reconciler's long-lived parts, shared by every reconcile. */
export interface ReconcileTools {
  view: ClusterView;
  api: KubeApi;
  /** Absent: only termination messages count. */
  logs?: TrialLogSource;
  events: EventRecorder;
  writes: OwnWrites;
  /** The engine's plan for this study and these trials (timed for the metrics). */
  plan: (
    context: StudyContext,
    trials: readonly LoraTrial[],
    options?: Pick<PlanOptions, 'isStartBlocked' | 'earlierTrials'>,
  ) => Plan;
  /** Finish a trial without its full log this long after the pod ended; default `defaultTrialObservation()`. */
  logGraceMs?: number;
  /** ttlSecondsAfterFinished given to a trial's Job once its end is written; 0 or absent: kept. */
  finishedJobTtlSeconds?: number;
}

/** One reconcile of one valid study. */
export interface StudyContext {
  study: LoraStudy;
  /** The fingerprint of the spec's search space and objective. */
  spaceHash: string;
  log: Logger;
  signal: AbortSignal;
  nowMs: number;
  tools: ReconcileTools;
  /** Set when a Job created in this reconcile lost its spec.suspend (reported in QueueAdmission). */
  isSuspendIgnored?: boolean;
}

/** Called before each write: a reconcile of a replica that lost the lease writes nothing more. */
export function checkSignal(context: StudyContext): void {
  if (context.signal.aborted) throw new Error('reconcile aborted: shutting down or lost the leader lease');
}

/** The study as an Event's target. */
export function studyTarget(context: StudyContext): { kind: 'LoraStudy'; metadata: LoraStudy['metadata'] } {
  return { kind: 'LoraStudy', metadata: context.study.metadata };
}
