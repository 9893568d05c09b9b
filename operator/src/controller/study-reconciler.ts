/**
 * The StudyReconciler: level-triggered and idempotent. For one study key it reads the study and
 * its trials from the caches, then runs the steps, each in its own file: trial sync (each
 * running trial's status from its Job, Pod and log), settle (finish the trials whose pods ended,
 * after the pruner's look), plan (the engine), act (start, prune, stop as the engine says) and
 * report (the study status and Events). It never waits inside a reconcile; it requeues instead.
 */
import type { PodPolicy } from '../api/pod-policy.ts';
import type { LoraStudy } from '../api/study.ts';
import { plan as enginePlan, type Plan, type Planner } from '../engine/plan.ts';
import type { ClusterView } from './cluster-view.ts';
import { EventRecorder } from './event-recorder.ts';
import type { KubeApi } from './kube-api.ts';
import type { Logger } from './logger.ts';
import type { OperatorMetrics } from './metrics.ts';
import { OwnWrites, type ChangedObject } from './own-writes.ts';
import type { ReconcileTools, StudyContext, TrialLogSource } from './reconcile-context.ts';
import type { Result } from './runtime/controller.ts';
import { act } from './act.ts';
import { settle } from './settle.ts';
import { SpecChecks } from './spec-checks.ts';
import { specChangeRefusal } from './spec-change.ts';
import { reportInvalid, reportStudy } from './study-report.ts';
import { isFinished } from './study-status.ts';
import { TrialCounts } from './trial-counts.ts';
import { TrialReader } from './trial-reader.ts';
import { syncTrials } from './trial-sync.ts';
import { defaultTrialObservation } from './trial-observer.ts';

export type { TrialLogSource } from './reconcile-context.ts';

export interface StudyReconcilerOptions {
  view: ClusterView;
  api: KubeApi;
  /** The engine's plan; default `plan` from engine/plan.ts (tests script one). */
  planner?: Planner;
  logger: Logger;
  metrics?: OperatorMetrics;
  /** Follows pod logs for intermediate values; without one only termination messages count. */
  logs?: TrialLogSource;
  /** Milliseconds clock; default Date.now. */
  now?: () => number;
  /** Look again this soon while a finished pod's log is still read; default 1 s (`defaultStudyReconcilerOptions()`). */
  logPollMs?: number;
  /** Finish a trial without its full log this long after the pod ended; default 60 s. */
  logGraceMs?: number;
  /** What trial pods may hold; default defaultPodPolicy() (api/pod-policy.ts). */
  podPolicy?: PodPolicy;
  /** ttlSecondsAfterFinished for a finished trial's Job, set once its end is written; 0: keep Jobs. */
  finishedJobTtlSeconds?: number;
}

/** The defaults of StudyReconcilerOptions; the grace is the trial observer's own. */
export function defaultStudyReconcilerOptions() {
  return { logPollMs: 1000, logGraceMs: defaultTrialObservation().logGraceMs };
}

export class StudyReconciler {
  readonly #options: StudyReconcilerOptions;
  readonly #now: () => number;
  readonly #tools: ReconcileTools;
  readonly #specChecks: SpecChecks;
  readonly #trials = new TrialReader();
  readonly #counts: TrialCounts;

  constructor(options: StudyReconcilerOptions) {
    this.#options = options;
    this.#specChecks = new SpecChecks(options.podPolicy);
    this.#now = options.now ?? Date.now;
    this.#counts = new TrialCounts(options.metrics);
    const planner = options.planner ?? enginePlan;
    this.#tools = {
      view: options.view,
      api: options.api,
      ...(options.logs ? { logs: options.logs } : {}),
      events: new EventRecorder(options.api, options.logger, { now: this.#now }),
      writes: new OwnWrites(options.api),
      logGraceMs: options.logGraceMs ?? defaultStudyReconcilerOptions().logGraceMs,
      ...(options.finishedJobTtlSeconds ? { finishedJobTtlSeconds: options.finishedJobTtlSeconds } : {}),
      plan: (context, trials, planOptions = {}) => {
        const end = options.metrics?.samplerSeconds.startTimer();
        try {
          // Only studies validated here are planned (the check is kept per generation).
          return planner(context.study, trials, new Date(context.nowMs), { ...planOptions, isSpecChecked: true });
        } finally {
          end?.();
        }
      },
    };
  }

  /**
   * Whether a changed LoraStudy or LoraTrial is exactly what a reconcile of ours wrote. That
   * reconcile already went on from the written state, so the change need not queue its study
   * again (half the changes a study sees are its own status writes).
   */
  isOwnWrite(object: ChangedObject): boolean {
    return this.#tools.writes.isOwnWrite(object);
  }

  async reconcile(key: string, signal: AbortSignal): Promise<Result> {
    const [namespace, name] = key.split('/') as [string, string];
    const cached = this.#options.view.study(namespace, name) as LoraStudy | undefined;
    if (!cached) return this.#gone(key);
    const raw = this.#tools.writes.study(cached);
    if ((raw.metadata as { deletionTimestamp?: unknown }).deletionTimestamp) return {};
    const log = this.#options.logger.child({ study: key });
    const checked = this.#specChecks.check(key, raw);
    if (!checked.study) {
      const { writes, events } = this.#tools;
      return reportInvalid({ study: raw, issues: checked.issues, log, nowMs: this.#now(), writes, events });
    }
    const study = { ...checked.study, metadata: raw.metadata, status: raw.status };
    const spaceHash = checked.spaceHash as string;
    const context: StudyContext = { study, spaceHash, log, signal, nowMs: this.#now(), tools: this.#tools };
    const synced = await syncTrials(context, this.#trials.read(context));
    const settled = await settle(context, synced);
    const refusal = specChangeRefusal(settled, context.spaceHash);
    // A refused change starts nothing, so the plan must not count the trials it would start.
    const plan = this.#tools.plan(context, settled, {
      isStartBlocked: refusal !== undefined,
      earlierTrials: this.#trials.readEarlier(context),
    });
    const current = await act(context, plan, settled, refusal);
    this.#counts.count(key, current);
    await reportStudy(context, plan, refusal, current);
    return this.#requeue(plan, synced.isWaitingForLog);
  }

  #gone(key: string): Result {
    this.#tools.writes.forgetStudy(key);
    this.#specChecks.forget(key);
    this.#counts.count(key, []);
    return {};
  }

  #requeue(plan: Plan, isWaitingForLog: boolean): Result {
    if (isFinished(plan.status)) return {};
    const waits: number[] = [];
    if (isWaitingForLog) waits.push(this.#options.logPollMs ?? defaultStudyReconcilerOptions().logPollMs);
    if (plan.requeueAfterMs !== undefined) waits.push(Math.max(100, plan.requeueAfterMs));
    return waits.length > 0 ? { requeueAfterMs: Math.min(...waits) } : {};
  }
}
