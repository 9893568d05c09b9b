/**
 * `lorahpo run` without a cluster: the engine's actions applied to child processes. The journal
 * is written before each action takes effect, so a crash or Ctrl-C loses nothing; a rerun
 * resumes: finished trials are never run again, interrupted ones run again as their next attempt
 * (same params, seed and output folder, where the trainer may resume from its checkpoint), so the
 * study ends as an undisturbed run would.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LoraStudy, StudySpec, StudyStatus } from '../api/study.ts';
import { isTrialActive, type LoraTrial } from '../api/trial.ts';
import { nameOf } from '../api/object-name.ts';
import { resultStatus } from '../engine/trial-endings.ts';
import { plan, type Plan } from '../engine/plan.ts';
import type { PlanAction } from '../engine/actions.ts';
import { Journal, JOURNAL_FILE, readJournal, type JournalEvent } from './journal.ts';
import { applyEvent, replayJournal, trialList, type JournalState } from './journal-state.ts';
import { TrialProcess, type TrialOutcome } from './trial-process.ts';
import { trialCommand, trialEnv, type TrialCommand } from './trial-command.ts';
import { checkResume } from './resume-check.ts';
import { stopOrphan } from './orphans.ts';
import { lockStateDir } from './state-lock.ts';
import { readEarlierTrials } from './earlier-studies.ts';
import { timerDelay } from '../timer-delay.ts';
import { diskFullError, isDiskFull, isFileSystemError, makeStateDir, stateDirError } from './state-dir.ts';

export type RunnerEvent =
  | { type: 'resumed'; finished: number; rerun: string[]; orphans: string[] }
  | { type: 'started'; trial: LoraTrial; attempt: number }
  | { type: 'metric'; name: string; step: number; value: number }
  | { type: 'pruned'; name: string; step: number; value?: number; message: string }
  | { type: 'stopped'; name: string; message: string }
  | { type: 'finished'; trial: LoraTrial }
  | { type: 'status'; status: StudyStatus; trials: LoraTrial[] }
  | { type: 'interrupted'; running: string[] }
  /** A broken lock taken over, a torn journal tail cut back: said once, before the study goes on. */
  | { type: 'repaired'; message: string };

export interface LocalRunnerOptions {
  study: LoraStudy;
  manifestPath: string;
  stateDir: string;
  /** `--trainer`: overrides the trial command. */
  trainer?: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  signal: AbortSignal;
  /** SIGTERM → SIGKILL grace period (default 10 s). */
  graceMs?: number;
  onEvent: (event: RunnerEvent) => void;
}

/** The defaults of LocalRunnerOptions; `lorahpo run --grace` reads them too. */
export function defaultLocalRunnerOptions() {
  return { graceMs: 10_000 };
}

export interface RunOutcome {
  status: StudyStatus;
  trials: LoraTrial[];
  isInterrupted: boolean;
}

export class LocalRunner {
  readonly #options: LocalRunnerOptions;
  readonly #spec: StudySpec;
  readonly #command: TrialCommand;
  readonly #processes = new Map<string, TrialProcess>();
  readonly #exits = new Map<string, TrialOutcome>();
  #state!: JournalState;
  #journal!: Journal;
  #status?: StudyStatus;
  /** spec.warmStart.fromStudies' trials, read once at the start (earlier-studies.ts). */
  #earlierTrials: LoraTrial[] = [];
  /** The journal could not be written (a full disk): the runner stops its trials and gives up. */
  #fatal?: Error;
  #wake: () => void = () => {};

  constructor(options: LocalRunnerOptions) {
    this.#options = options;
    this.#spec = options.study.spec;
    this.#command = trialCommand(this.#spec, options.trainer, options.cwd);
  }

  async run(): Promise<RunOutcome> {
    makeStateDir(join(this.#options.stateDir, 'trials'));
    const unlock = lockStateDir(this.#options.stateDir, (message) =>
      this.#options.onEvent({ type: 'repaired', message }),
    );
    try {
      this.#open();
    } catch (error) {
      unlock();
      throw stateDirError(this.#options.stateDir, 'read the state directory', error);
    }
    try {
      let result: Plan;
      for (;;) {
        const waiting = new Promise<void>((resolve) => (this.#wake = resolve));
        result = this.#planAndAct();
        if (this.#recordExits()) continue;
        if (this.#fatal) throw this.#fatal;
        if (this.#options.signal.aborted) return await this.#interrupt();
        if (result.status.completionReason !== undefined && this.#processes.size === 0) break;
        await this.#sleep(waiting, result.requeueAfterMs);
      }
      return { status: result.status, trials: trialList(this.#state), isInterrupted: false };
    } catch (error) {
      await this.#stopAll();
      throw isFileSystemError(error) ? stateDirError(this.#options.stateDir, 'use the state directory', error) : error;
    } finally {
      this.#journal.close();
      unlock();
    }
  }

  #open(): void {
    const { stateDir, study, manifestPath } = this.#options;
    const path = join(stateDir, JOURNAL_FILE);
    this.#state = replayJournal(readJournal(path));
    checkResume(this.#state, study, stateDir);
    this.#earlierTrials = readEarlierTrials(study.spec, stateDir);
    this.#journal = new Journal(path);
    if (this.#journal.repairedTail) this.#options.onEvent({ type: 'repaired', message: this.#journal.repairedTail });
    if (this.#state.study === undefined) {
      this.#record({ type: 'study', time: this.#now(), version: 1, manifestPath, study });
    } else {
      const trials = trialList(this.#state);
      const rerun = trials.filter((trial) => isTrialActive(trial.status?.phase)).map(nameOf);
      const orphans = rerun.filter((name) => this.#stopOrphan(name));
      this.#options.onEvent({ type: 'resumed', finished: trials.length - rerun.length, rerun, orphans });
    }
    if (this.#state.startTime) this.#status = { phase: 'Running', conditions: [], startTime: this.#state.startTime };
  }

  /** A trial process the last (killed) runner left behind: stop it before running the trial again. */
  #stopOrphan(name: string): boolean {
    const pid = this.#state.pids.get(name);
    return pid !== undefined && stopOrphan(pid, name, this.#paths(name).outputDir);
  }

  #paths(name: string) {
    const dir = join(this.#options.stateDir, 'trials', name);
    return {
      dir,
      logFile: join(dir, 'trial.log'),
      resultFile: join(dir, 'result.json'),
      outputDir: join(dir, 'output'),
    };
  }

  #now(): string {
    return this.#options.now().toISOString();
  }

  /** Journals the event, then applies it to the in-memory state. */
  #record(event: JournalEvent): void {
    if (this.#fatal) throw this.#fatal;
    try {
      this.#journal.append(event);
    } catch (error) {
      this.#fatal = error as Error;
      this.#wake();
      throw error;
    }
    applyEvent(this.#state, event);
  }

  #planAndAct(): Plan {
    const study = { metadata: this.#options.study.metadata, spec: this.#options.study.spec, status: this.#status };
    const now = this.#options.now();
    const result = plan(study, trialList(this.#state), now, {
      hasTrainerOverride: this.#options.trainer !== undefined,
      isLocal: true,
      earlierTrials: this.#earlierTrials,
    });
    this.#status = result.status;
    if (!this.#options.signal.aborted) {
      for (const action of result.actions) this.#apply(action, now.toISOString());
      for (const trial of trialList(this.#state)) {
        const name = nameOf(trial);
        if (isTrialActive(trial.status?.phase) && !this.#processes.has(name) && !this.#exits.has(name))
          this.#launch(trial);
      }
    }
    this.#options.onEvent({ type: 'status', status: result.status, trials: trialList(this.#state) });
    return result;
  }

  /**
   * Journals the action. A prune or stop is journalled at the plan's time, so replaying it
   * through the engine's rule gives exactly the status the engine returned with the action.
   */
  #apply(action: PlanAction, planIso: string): void {
    if (action.type === 'start') {
      this.#record({ type: 'started', time: this.#now(), trial: action.trial, attempt: 1 });
      this.#spawn(nameOf(action.trial));
    } else if (action.type === 'prune') {
      const { name, step, value, message } = action;
      this.#record({ type: 'pruned', time: planIso, name, step, ...(value === undefined ? {} : { value }), message });
      this.#options.onEvent({ type: 'pruned', name, step, value, message });
      this.#processes.get(name)?.terminate();
    } else if (action.type === 'stop') {
      this.#record({
        type: 'stopped',
        time: planIso,
        name: action.name,
        reason: action.reason,
        message: action.message,
      });
      this.#options.onEvent({ type: 'stopped', name: action.name, message: action.message });
      this.#processes.get(action.name)?.terminate();
    }
  }

  /** Runs an active trial that has no process (interrupted last time) as its next attempt. */
  #launch(trial: LoraTrial): void {
    const name = nameOf(trial);
    const attempt = (this.#state.attempts.get(name) ?? 0) + 1;
    this.#record({ type: 'started', time: this.#now(), trial: { ...trial, status: undefined }, attempt });
    this.#spawn(name);
  }

  #spawn(name: string): void {
    const trial = this.#state.trials.get(name) as LoraTrial;
    const { dir, ...paths } = this.#paths(name);
    mkdirSync(dir, { recursive: true });
    rmSync(paths.resultFile, { force: true });
    const attempt = this.#state.attempts.get(name) ?? 1;
    this.#options.onEvent({ type: 'started', trial, attempt });
    const process = new TrialProcess({
      ...this.#command,
      env: trialEnv(this.#spec, trial, paths, dirname(this.#options.manifestPath), this.#options.env, attempt),
      cwd: this.#options.cwd,
      ...paths,
      objectiveMetric: this.#spec.objective.metric,
      graceMs: this.#options.graceMs ?? defaultLocalRunnerOptions().graceMs,
      deadlineMs: (this.#spec.trialTemplate?.activeDeadlineSeconds ?? 0) * 1000,
      onMetric: (event) => this.#onMetric(name, event.step, event.value),
    });
    this.#processes.set(name, process);
    if (process.pid !== undefined) this.#record({ type: 'spawned', name, pid: process.pid });
    void process.done.then((outcome) => {
      this.#processes.delete(name);
      this.#exits.set(name, outcome);
      this.#wake();
    });
  }

  /**
   * Records the trials that ended since the last plan. This runs after plan has judged their
   * whole curve, so a trial the pruner stops at its last step is Pruned however quickly it exited.
   */
  #recordExits(): boolean {
    const exits = [...this.#exits];
    this.#exits.clear();
    for (const [name, outcome] of exits) this.#onExit(name, outcome);
    return exits.length > 0;
  }

  #onMetric(name: string, step: number, value: number): void {
    if (this.#options.signal.aborted || this.#fatal || !isTrialActive(this.#state.trials.get(name)?.status?.phase))
      return;
    try {
      this.#record({ type: 'metric', name, step, value });
    } catch {
      return; // #fatal is set: the run loop stops the trials and reports it.
    }
    this.#options.onEvent({ type: 'metric', name, step, value });
    this.#wake();
  }

  #onExit(name: string, outcome: TrialOutcome): void {
    if (!isTrialActive(this.#state.trials.get(name)?.status?.phase)) return;
    if (outcome.kind === 'terminated') return;
    if (outcome.kind === 'failed' && this.#options.signal.aborted) return;
    if (outcome.kind === 'failed' && isDiskFull(this.#options.stateDir)) {
      // Not the trial's failure: leave it unfinished (the rerun runs it again) and stop the run.
      this.#fatal ??= diskFullError(this.#options.stateDir);
      return;
    }
    const status =
      outcome.kind === 'result'
        ? resultStatus(outcome.result)
        : { phase: 'Failed' as const, reason: outcome.reason, message: outcome.message };
    this.#record({ type: 'finished', time: this.#now(), name, status });
    this.#options.onEvent({ type: 'finished', trial: this.#state.trials.get(name) as LoraTrial });
  }

  async #sleep(waiting: Promise<void>, requeueAfterMs: number | undefined): Promise<void> {
    const onAbort = () => this.#wake();
    this.#options.signal.addEventListener('abort', onAbort, { once: true });
    const timer = requeueAfterMs === undefined ? undefined : setTimeout(() => this.#wake(), timerDelay(requeueAfterMs));
    await waiting;
    clearTimeout(timer);
    this.#options.signal.removeEventListener('abort', onAbort);
  }

  /** Stops every running trial and waits until each has exited (after the grace, killed). */
  async #stopAll(): Promise<void> {
    const processes = [...this.#processes.values()];
    for (const process of processes) process.terminate();
    await Promise.all(processes.map((process) => process.done));
  }

  /** Ctrl-C: stop every trial, journal nothing about them (they run again next time). */
  async #interrupt(): Promise<RunOutcome> {
    const running = [...this.#processes.keys()];
    this.#options.onEvent({ type: 'interrupted', running });
    const exits = [...this.#processes.values()].map((process) => {
      process.terminate();
      return process.done;
    });
    await Promise.all(exits);
    return { status: this.#status as StudyStatus, trials: trialList(this.#state), isInterrupted: true };
  }
}
