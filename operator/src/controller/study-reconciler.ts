/**
 * The StudyReconciler: level-triggered and idempotent. For one study key it reads the study and
 * its trials, Jobs and Pods from the caches, brings each running trial's status up to date
 * (pod state, log values, final result), asks the engine's plan what to do, does it (create
 * trial then Job, prune, stop), and writes the study status. It never waits inside a reconcile;
 * it requeues instead.
 */
import type { LoraStudy } from '../api/study.ts';
import { LoraTrialSchema, TRIAL_PHASES, isTrialActive, type LoraTrial, type TrialPhase, type TrialStatus } from '../api/trial.ts';
import type { Issue } from '../errors.ts';
import type { Params } from '../api/parameters.ts';
import type { ClusterView } from './cluster-view.ts';
import { EventRecorder } from './event-recorder.ts';
import type { KubeApi } from './kube-api.ts';
import type { Logger } from './logger.ts';
import type { OperatorMetrics } from './metrics.ts';
import type { Plan, Planner } from './planner.ts';
import type { Result } from './runtime/controller.ts';
import { TerminalError } from './runtime/terminal-error.ts';
import { writeStatus } from './status-writer.ts';
import { isSameJson } from './same-json.ts';
import { WriteOverlay } from './write-overlay.ts';
import { condition, desiredStudyStatus, invalidSpecStatus, isFinished } from './study-status.ts';
import { SPEC_HASH_ANNOTATION, deleteJob, ensureJob, startTrial } from './trial-actions.ts';
import { SpecChecks } from './spec-checks.ts';
import { observeTrial, type TrialVerdict } from './trial-observer.ts';
import { TrialLog } from './trial-log.ts';
import type { FollowTarget } from './log-follower.ts';

/** What the reconciler needs of the log follower. */
export interface TrialLogSource {
  follow(target: FollowTarget): void;
  report(namespace: string, trial: string): { log: TrialLog; isComplete: boolean } | undefined;
  forget(namespace: string, trial: string): void;
}

export interface StudyReconcilerOptions {
  view: ClusterView;
  api: KubeApi;
  planner: Planner;
  logger: Logger;
  metrics?: OperatorMetrics;
  /** Follows pod logs for intermediate values; without one only termination messages count. */
  logs?: TrialLogSource;
  /** Milliseconds clock; default Date.now. */
  now?: () => number;
  /** Look again this soon while a finished pod's log is still being read; default 1 s. */
  logPollMs?: number;
  /** Finish a trial without its full log this long after the pod ended; default 60 s. */
  logGraceMs?: number;
}

/** Without a log source only termination messages count: there is no log to wait for. */
const NO_LOGS = { log: new TrialLog(), isComplete: true };

interface Synced {
  trials: LoraTrial[];
  /** Final statuses of trials whose pods ended, not yet written. */
  finals: Map<string, TrialStatus>;
  isWaitingForLog: boolean;
}

interface Context {
  study: LoraStudy;
  /** The fingerprint of the spec's search space and objective. */
  spaceHash: string;
  log: Logger;
  signal: AbortSignal;
  nowMs: number;
}

export class StudyReconciler {
  readonly #options: StudyReconcilerOptions;
  readonly #events: EventRecorder;
  readonly #now: () => number;
  readonly #countsByStudy = new Map<string, Map<TrialPhase, number>>();
  readonly #totals = new Map<TrialPhase, number>();
  readonly #specChecks = new SpecChecks();
  /** Trials as parsed, by the object read (the caches replace an object when it changes). */
  readonly #parsedTrials = new WeakMap<object, LoraTrial | undefined>();
  readonly #studies = new WriteOverlay<LoraStudy>();
  readonly #trials = new WriteOverlay<LoraTrial>();

  constructor(options: StudyReconcilerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#events = new EventRecorder(options.api, options.logger, { now: this.#now });
  }

  /**
   * Whether a changed LoraStudy or LoraTrial is exactly what a reconcile of ours wrote. That
   * reconcile already went on from the written state, so the change need not queue its study
   * again (half the changes a study sees are its own status writes).
   */
  isOwnWrite(object: { kind?: string; metadata?: { namespace?: string; name?: string; resourceVersion?: string }; status?: unknown }): boolean {
    const key = `${object.metadata?.namespace}/${object.metadata?.name}`;
    if (object.kind === 'LoraStudy') return this.#studies.isOwnWrite(key, object as LoraStudy);
    if (object.kind === 'LoraTrial') return this.#trials.isOwnWrite(key, object as LoraTrial);
    return false;
  }

  async reconcile(key: string, signal: AbortSignal): Promise<Result> {
    const [namespace, name] = key.split('/') as [string, string];
    const cached = this.#options.view.study(namespace, name) as LoraStudy | undefined;
    if (!cached) return this.#gone(key);
    const raw = this.#studies.read(key, cached);
    if ((raw.metadata as { deletionTimestamp?: unknown }).deletionTimestamp) return {};
    const log = this.#options.logger.child({ study: key });
    const checked = this.#specChecks.check(key, raw);
    if (!checked.study) return this.#invalid(raw, checked.issues, log);
    const context: Context = { study: { ...checked.study, metadata: raw.metadata, status: raw.status }, spaceHash: checked.spaceHash as string, log, signal, nowMs: this.#now() };
    const trials = this.#trialsOf(context);
    const synced = await this.#syncTrials(context, trials);
    const current = synced.finals.size > 0 ? await this.#settle(context, synced.trials, synced.finals) : synced.trials;
    return this.#planAndAct(context, current, synced.isWaitingForLog);
  }

  #gone(key: string): Result {
    this.#studies.forget(key);
    this.#specChecks.forget(key);
    this.#setCounts(key, new Map());
    return {};
  }

  #trialsOf(context: Context): LoraTrial[] {
    const { namespace, name } = context.study.metadata as { namespace: string; name: string };
    const trials: LoraTrial[] = [];
    for (const cached of this.#options.view.trials(namespace, name)) {
      const raw = this.#trials.read(`${namespace}/${(cached as LoraTrial).metadata?.name}`, cached as LoraTrial);
      const trial = this.#parsedTrial(context, raw);
      if (trial) trials.push(trial);
    }
    return trials.sort((a, b) => a.spec.number - b.spec.number);
  }

  #parsedTrial(context: Context, raw: LoraTrial): LoraTrial | undefined {
    if (this.#parsedTrials.has(raw)) return this.#parsedTrials.get(raw);
    const parsed = LoraTrialSchema.safeParse(raw);
    if (!parsed.success) context.log.warn({ trial: raw.metadata?.name, err: parsed.error.message }, 'ignoring a LoraTrial that does not match the schema');
    const trial = parsed.success ? { ...parsed.data, metadata: raw.metadata } : undefined;
    this.#parsedTrials.set(raw, trial);
    return trial;
  }

  /**
   * Brings each unfinished trial's status up to date from its Job, Pod and log. A trial whose
   * pod has ended is not finished yet: it comes back still Running with its whole curve, and its
   * final status in `finals`, so the pruner judges the full curve first (see #settle).
   */
  async #syncTrials(context: Context, trials: LoraTrial[]): Promise<Synced> {
    const synced: Synced = { trials: [], finals: new Map(), isWaitingForLog: false };
    const results = await Promise.all(trials.map((trial) => this.#syncTrial(context, trial)));
    for (const [index, one] of results.entries()) {
      const trial = trials[index] as LoraTrial;
      synced.trials.push(one.trial);
      if (one.final) synced.finals.set(trial.metadata.name as string, one.final);
      synced.isWaitingForLog ||= one.isWaitingForLog;
    }
    return synced;
  }

  async #syncTrial(context: Context, trial: LoraTrial): Promise<{ trial: LoraTrial; final?: TrialStatus; isWaitingForLog: boolean }> {
    const { view, api, logs } = this.#options;
    const namespace = trial.metadata.namespace as string;
    const name = trial.metadata.name as string;
    const job = view.job(namespace, name);
    if (!isTrialActive(trial.status?.phase)) {
      logs?.forget(namespace, name);
      for (const key of this.#finishSeen.keys()) if (key.startsWith(`${namespace}/${name}/`)) this.#finishSeen.delete(key);
      // A trial the operator stopped (pruned, or the study finished) whose Job still runs: the
      // delete after the status write did not happen (a crash in between). A trial that ended by
      // itself keeps its Job (and its pod's logs) even while the Job controller lags behind.
      if (trial.status?.phase === 'Pruned' && job && !job.status?.completionTime && !job.status?.conditions?.some((c) => c.status === 'True') && !job.metadata?.deletionTimestamp) await deleteJob(api, trial);
      return { trial, isWaitingForLog: false };
    }
    if (!job && !isFinished(context.study.status)) await ensureJob(api, context.study, trial);
    const verdict = this.#observe(context, trial);
    if (verdict.follow) logs?.follow({ namespace, pod: verdict.follow.pod, trial: name, study: context.study.metadata.name as string, isFinished: verdict.follow.isFinished });
    if (!isTrialActive(verdict.status.phase)) {
      return { trial: { ...trial, status: { ...verdict.status, phase: 'Running' } }, final: verdict.status, isWaitingForLog: false };
    }
    if (isSameJson(verdict.status, trial.status)) return { trial, isWaitingForLog: verdict.isWaitingForLog };
    this.#checkSignal(context);
    const written = await this.#writeTrial(trial, (fresh) => {
      if (!isTrialActive(fresh.status?.phase)) return fresh.status as TrialStatus;
      const observed = this.#observe(context, fresh).status;
      // On a retry (409) the pod may have ended since the first read: never finish it here, or it
      // would skip the pruner's look at its whole curve; #settle finishes it in the next reconcile.
      return isTrialActive(observed.phase) ? observed : verdict.status;
    });
    return { trial: written, isWaitingForLog: verdict.isWaitingForLog };
  }

  /**
   * Finishes the trials whose pods ended: the pruner first judges each one's full curve as if it
   * were still running (so whether a trial is pruned never depends on how late the operator saw
   * its values); the ones it would not prune get their final status.
   */
  async #settle(context: Context, trials: LoraTrial[], finals: Map<string, TrialStatus>): Promise<LoraTrial[]> {
    const prunes = new Map<string, { step: number; value?: number; message?: string }>();
    for (const action of this.#plan(context, trials).actions) if (action.type === 'pruneTrial' && finals.has(action.name)) prunes.set(action.name, action);
    return Promise.all(trials.map((trial) => {
      const name = trial.metadata.name as string;
      const final = finals.get(name);
      const prune = prunes.get(name);
      if (!final) return trial;
      return prune ? this.#pruneOne(context, trial, prune.step, prune.value, prune.message, trial.status) : this.#finish(context, trial, final);
    }));
  }

  async #finish(context: Context, trial: LoraTrial, final: TrialStatus): Promise<LoraTrial> {
    this.#checkSignal(context);
    const written = await this.#writeTrial(trial, (fresh) => (isTrialActive(fresh.status?.phase) ? final : (fresh.status as TrialStatus)));
    await this.#recordTrialTransition(context, trial, written);
    this.#options.logs?.forget(trial.metadata.namespace as string, trial.metadata.name as string);
    return written;
  }

  /** When each finished pod (by namespace/trial/pod) was first seen finished, for the log grace. */
  readonly #finishSeen = new Map<string, number>();

  #finishSeenMs(context: Context, namespace: string, trial: string): number | undefined {
    const ended = this.#options.view.pods(namespace, trial).find((pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed' || pod.status?.containerStatuses?.some((s) => s.state?.terminated));
    if (!ended) return undefined;
    const key = `${namespace}/${trial}/${ended.metadata?.name}`;
    if (!this.#finishSeen.has(key)) this.#finishSeen.set(key, context.nowMs);
    return this.#finishSeen.get(key);
  }

  async #writeTrial(trial: LoraTrial, desired: (fresh: LoraTrial) => TrialStatus): Promise<LoraTrial> {
    const { namespace, name } = trial.metadata as { namespace: string; name: string };
    return this.#writeStatus(this.#trials, trial, desired, () => this.#options.api.getTrial(namespace, name), (object) => this.#options.api.replaceTrialStatus(object));
  }

  /** Writes a status (see status-writer.ts) through the overlay, which lays it over the cache. */
  async #writeStatus<T extends LoraStudy | LoraTrial>(overlay: WriteOverlay<T>, current: T, desired: (fresh: T) => T['status'], read: () => Promise<T>, replace: (object: T) => Promise<T>): Promise<T> {
    const key = `${current.metadata.namespace}/${current.metadata.name}`;
    const written = await writeStatus({ current, desired, read, replace: (object) => overlay.writing(key, object, () => replace(object)) });
    overlay.remember(key, current, written);
    return written;
  }

  #observe(context: Context, trial: LoraTrial): TrialVerdict {
    const namespace = trial.metadata.namespace as string;
    const name = trial.metadata.name as string;
    return observeTrial({
      finishSeenMs: isTrialActive(trial.status?.phase) ? this.#finishSeenMs(context, namespace, name) : undefined,
      trial, job: this.#options.view.job(namespace, name), pods: this.#options.view.pods(namespace, name),
      log: this.#options.logs ? this.#options.logs.report(namespace, name) : NO_LOGS, metric: context.study.spec.objective.metric,
      nowMs: context.nowMs, logGraceMs: this.#options.logGraceMs,
    });
  }

  async #recordTrialTransition(context: Context, before: LoraTrial, after: LoraTrial): Promise<void> {
    const phase = after.status?.phase;
    if (phase === before.status?.phase) return;
    const name = after.metadata.name;
    const log = context.log.child({ trial: name });
    log.info({ phase, value: after.status?.value, reason: after.status?.reason }, `trial ${phase}`);
    const study = { kind: 'LoraStudy' as const, metadata: context.study.metadata };
    if (phase === 'Failed') this.#events.record(study, 'Warning', 'TrialFailed', `Trial ${name} failed (${after.status?.reason}): ${after.status?.message ?? ''}`.trim());
    if (phase === 'EarlyStopped') this.#events.record(study, 'Normal', 'TrialEarlyStopped', `Trial ${name} stopped itself at epoch ${after.status?.stoppedAtEpoch ?? '?'} with ${after.status?.value}${after.status?.message ? `: ${after.status.message}` : ''}`);
  }

  async #planAndAct(context: Context, trials: LoraTrial[], isWaitingForLog: boolean): Promise<Result> {
    const plan = this.#plan(context, trials);
    const refusal = this.#specChangeRefusal(context, trials);
    let current = trials;
    const starts = plan.actions.filter((action) => action.type === 'startTrial');
    if (!refusal && !isFinished(plan.status)) {
      this.#checkSignal(context);
      // Independent and idempotent (the name is the key): started together.
      await Promise.all(starts.map((action) => this.#start(context, action.number, action.params, action.seed, action.trial)));
    }
    for (const action of plan.actions) {
      this.#checkSignal(context);
      if (action.type === 'pruneTrial') current = await this.#prune(context, current, action.name, action.step, action.value, action.message);
      if (action.type === 'stopTrial') current = await this.#stop(context, current, action.name, action.message);
    }
    if (isFinished(plan.status)) await this.#stopActive(context, current, plan.status.completionReason ?? 'Finished');
    this.#countTrials(context, current);
    await this.#writeStudyStatus(context, plan, refusal);
    return this.#requeue(context, plan, isWaitingForLog);
  }

  #plan(context: Context, trials: LoraTrial[]): Plan {
    const end = this.#options.metrics?.samplerSeconds.startTimer();
    try {
      return this.#options.planner(context.study, trials, context.nowMs);
    } finally {
      end?.();
    }
  }

  async #start(context: Context, number: number, params: Params, seed: number, template: LoraTrial | undefined): Promise<void> {
    const { trial, isNew } = await startTrial(this.#options.api, context.study, number, params, seed, template);
    if (!isNew) return;
    context.log.child({ trial: trial.metadata.name }).info({ number, params }, 'trial started');
    this.#events.record({ kind: 'LoraStudy', metadata: context.study.metadata }, 'Normal', 'TrialStarted', `Started trial ${trial.metadata.name} with ${JSON.stringify(params)}`);
  }

  async #prune(context: Context, trials: LoraTrial[], name: string, step: number, value: number | undefined, message: string | undefined): Promise<LoraTrial[]> {
    const trial = trials.find((candidate) => candidate.metadata.name === name);
    if (!trial || !isTrialActive(trial.status?.phase)) return trials;
    const written = await this.#pruneOne(context, trial, step, value, message);
    return trials.map((candidate) => (candidate === trial ? written : candidate));
  }

  async #pruneOne(context: Context, trial: LoraTrial, step: number, value: number | undefined, message: string | undefined, base?: TrialStatus): Promise<LoraTrial> {
    const name = trial.metadata.name as string;
    const written = await this.#markStopped(context, trial, 'Pruned', step, value, message ?? `pruned at step ${step}`, base);
    context.log.child({ trial: name }).info({ step, value }, 'trial pruned');
    this.#events.record({ kind: 'LoraStudy', metadata: context.study.metadata }, 'Normal', 'TrialPruned', `Pruned trial ${name} at step ${step}${value === undefined ? '' : ` (value ${value})`}`);
    return written;
  }

  async #stop(context: Context, trials: LoraTrial[], name: string, message: string): Promise<LoraTrial[]> {
    const trial = trials.find((candidate) => candidate.metadata.name === name);
    if (!trial || !isTrialActive(trial.status?.phase)) return trials;
    const written = await this.#markStopped(context, trial, 'StudyFinished', undefined, undefined, message);
    return trials.map((candidate) => (candidate === trial ? written : candidate));
  }

  /** Records the trial as Pruned first, then deletes its Job (a restart in between finishes the delete). */
  async #markStopped(context: Context, trial: LoraTrial, reason: string, step: number | undefined, value: number | undefined, message: string, base?: TrialStatus): Promise<LoraTrial> {
    const nowIso = new Date(context.nowMs).toISOString();
    const lastStep = step ?? trial.status?.intermediateValues?.at(-1)?.step;
    this.#checkSignal(context);
    const written = await this.#writeTrial(trial, (fresh) => {
      if (!isTrialActive(fresh.status?.phase)) return fresh.status as NonNullable<LoraTrial['status']>;
      const from = base ?? fresh.status;
      const status = { ...(from ?? { intermediateValues: [] }), phase: 'Pruned' as const, reason, message, completionTime: nowIso, intermediateValues: from?.intermediateValues ?? [] };
      return { ...status, ...(lastStep === undefined ? {} : { prunedAtStep: lastStep }), ...(value === undefined ? {} : { value }) };
    });
    await deleteJob(this.#options.api, trial);
    this.#options.logs?.forget(trial.metadata.namespace as string, trial.metadata.name as string);
    return written;
  }

  async #stopActive(context: Context, trials: LoraTrial[], reason: string): Promise<void> {
    for (const trial of trials.filter((candidate) => isTrialActive(candidate.status?.phase))) {
      this.#checkSignal(context);
      await this.#markStopped(context, trial, 'StudyFinished', undefined, undefined, `stopped: the study finished (${reason})`);
    }
  }

  /** Trials sampled for another search space or objective: refuse to go on (nothing is deleted). */
  #specChangeRefusal(context: Context, trials: LoraTrial[]): Issue | undefined {
    const changed = trials.find((trial) => {
      const recorded = (trial.metadata.annotations as Record<string, string> | undefined)?.[SPEC_HASH_ANNOTATION];
      return recorded !== undefined && recorded !== context.spaceHash;
    });
    if (!changed) return undefined;
    return { code: 'immutable', path: 'spec.parameters', message: `the search space or objective changed after trial ${changed.metadata.name} started; they cannot change on a running study. Finished trials are kept; re-create the study to search a new space` };
  }

  async #writeStudyStatus(context: Context, plan: Plan, refusal: Issue | undefined): Promise<void> {
    const { study, nowMs } = context;
    const generation = study.metadata.generation;
    const extra = [condition('Valid', true, 'SpecValid', 'the spec passed validation', nowMs, generation)];
    extra.push(refusal ? condition('SpecAccepted', false, 'ImmutableFieldChanged', `${refusal.path}: ${refusal.message}`, nowMs, generation) : condition('SpecAccepted', true, 'SpecAccepted', 'the spec in effect is the current one', nowMs, generation));
    const wasFinished = isFinished(study.status);
    this.#checkSignal(context);
    const { namespace, name } = study.metadata as { namespace: string; name: string };
    const written = await this.#writeStatus(this.#studies, study, (fresh) => desiredStudyStatus({ ...study, status: fresh.status }, plan.status, extra),
      () => this.#options.api.getStudy(namespace, name), (object) => this.#options.api.replaceStudyStatus(object));
    if (refusal && !study.status?.conditions?.some((c) => c.type === 'SpecAccepted' && c.status === 'False')) {
      this.#events.record({ kind: 'LoraStudy', metadata: study.metadata }, 'Warning', 'SpecChangeRefused', `${refusal.path}: ${refusal.message}`);
    }
    if (!wasFinished && isFinished(written.status)) {
      context.log.info({ reason: written.status?.completionReason, best: written.status?.bestTrial }, 'study finished');
      this.#events.record({ kind: 'LoraStudy', metadata: study.metadata }, 'Normal', 'StudyFinished', `Study finished (${written.status?.completionReason}); best trial ${written.status?.bestTrial?.name ?? 'none'} with ${written.status?.bestTrial?.value ?? '-'}`);
    }
  }

  async #invalid(study: LoraStudy, issues: Issue[], log: Logger): Promise<Result> {
    const nowMs = this.#now();
    const message = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
    const alreadyReported = study.status?.observedGeneration === study.metadata.generation
      && study.status?.conditions?.some((c) => c.type === 'Valid' && c.status === 'False' && c.message === message);
    if (!alreadyReported) {
      await writeStatus({
        current: study,
        desired: (fresh) => invalidSpecStatus(fresh.status, message, nowMs, study.metadata.generation),
        read: () => this.#options.api.getStudy(study.metadata.namespace as string, study.metadata.name as string),
        replace: (object) => this.#options.api.replaceStudyStatus(object),
      });
      this.#events.record({ kind: 'LoraStudy', metadata: study.metadata }, 'Warning', 'SpecInvalid', message);
    }
    log.warn({ issues }, 'study spec is invalid; no trials start until it is fixed');
    throw new TerminalError(`LoraStudy ${study.metadata.namespace}/${study.metadata.name} is invalid: ${message}`);
  }

  #requeue(context: Context, plan: Plan, isWaitingForLog: boolean): Result {
    if (isFinished(plan.status)) return {};
    const waits: number[] = [];
    if (isWaitingForLog) waits.push(this.#options.logPollMs ?? 1000);
    if (plan.requeueAfterMs !== undefined) waits.push(Math.max(100, plan.requeueAfterMs));
    return waits.length > 0 ? { requeueAfterMs: Math.min(...waits) } : {};
  }

  #checkSignal(context: Context): void {
    if (context.signal.aborted) throw new Error('reconcile aborted: shutting down or lost the leader lease');
  }

  #countTrials(context: Context, trials: LoraTrial[]): void {
    const counts = new Map<TrialPhase, number>();
    for (const trial of trials) counts.set(trial.status?.phase ?? 'Pending', (counts.get(trial.status?.phase ?? 'Pending') ?? 0) + 1);
    this.#setCounts(`${context.study.metadata.namespace}/${context.study.metadata.name}`, counts);
  }

  /** Replaces one study's counts in the totals (kept up to date, not summed over every study). */
  #setCounts(key: string, counts: Map<TrialPhase, number>): void {
    const change = (from: Map<TrialPhase, number> | undefined, sign: number) => {
      for (const [phase, n] of from ?? []) this.#totals.set(phase, (this.#totals.get(phase) ?? 0) + sign * n);
    };
    change(this.#countsByStudy.get(key), -1);
    change(counts, 1);
    if (counts.size > 0) this.#countsByStudy.set(key, counts);
    else this.#countsByStudy.delete(key);
    const gauge = this.#options.metrics?.trialsByState;
    for (const phase of TRIAL_PHASES) gauge?.set({ phase }, this.#totals.get(phase) ?? 0);
  }
}
