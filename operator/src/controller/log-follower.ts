/**
 * Follows the logs of running trial pods: one stream per pod, read from the start (so a
 * restarted operator loses nothing) and parsed into a TrialLog. A stream that breaks is opened
 * again after a back-off; a pod that finished is read once more to the end. New values call
 * `onUpdate`, which queues the study so its reconcile copies them into the LoraTrial status.
 * A log is complete once its result line was read (the trainer contract puts it after every
 * metric line) or once a read that began after the pod finished reached its end; `onUpdate`
 * says so (`isComplete`), so the trial can finish at once.
 */
import type { Readable } from 'node:stream';
import type { Logger } from './logger.ts';
import type { Runnable } from './runtime/runnable.ts';
import { aborted } from './runtime/runnable.ts';
import { LineSplitter, TrialLog } from './trial-log.ts';
import type { OpenLogStream } from './log-stream.ts';
import { TRAINER_CONTAINER } from './labels.ts';

export interface FollowTarget {
  namespace: string;
  pod: string;
  trial: string;
  study: string;
  /** The pod has terminated: read its log to the end once more, then stop. */
  isFinished: boolean;
}

export interface LogFollowerOptions {
  open: OpenLogStream;
  logger: Logger;
  onUpdate: (namespace: string, study: string, isComplete: boolean) => void;
  /** Container to read; default the trainer's (defaults: `defaultLogFollowerOptions()`). */
  container?: string;
  /** Delay before re-opening a stream that ended; default 1 s, doubling to `maxRetryMs` while it breaks. */
  retryMs?: number;
  /** Largest delay before re-opening a stream that keeps breaking; default 30 s. */
  maxRetryMs?: number;
}

/** The defaults of LogFollowerOptions. */
export function defaultLogFollowerOptions() {
  return { container: TRAINER_CONTAINER, retryMs: 1000, maxRetryMs: 30_000 };
}

interface Follow {
  target: FollowTarget;
  log: TrialLog;
  abort?: AbortController;
  /** The result line was read, or a read that began after the pod finished ended: every metric line is in. */
  isComplete: boolean;
  retryMs: number;
  retryTimer?: NodeJS.Timeout;
}

export class LogFollower implements Runnable {
  readonly name = 'log-follower';
  readonly needsLeaderElection = true;
  readonly #options: LogFollowerOptions;
  readonly #follows = new Map<string, Follow>();
  #signal: AbortSignal | undefined;

  constructor(options: LogFollowerOptions) {
    this.#options = options;
  }

  async start(signal: AbortSignal): Promise<void> {
    this.#signal = signal;
    await aborted(signal);
    for (const key of [...this.#follows.keys()]) this.#stop(key);
  }

  /** Starts or continues following; cheap and idempotent, called from every reconcile. */
  follow(target: FollowTarget): void {
    if (!this.#signal || this.#signal.aborted) return;
    const key = `${target.namespace}/${target.trial}`;
    let follow = this.#follows.get(key);
    if (follow && follow.target.pod !== target.pod) {
      this.#stop(key);
      follow = undefined;
    }
    if (!follow) {
      follow = { target, log: new TrialLog(), isComplete: false, retryMs: this.#retryMs() };
      this.#follows.set(key, follow);
    }
    const finishedNow = target.isFinished && !follow.target.isFinished;
    follow.target = target;
    if (follow.isComplete) return;
    if (finishedNow && follow.retryTimer) clearTimeout(follow.retryTimer);
    if (finishedNow) follow.retryTimer = undefined;
    if (!finishedNow && (follow.abort || follow.retryTimer)) return;
    this.#open(key, follow);
  }

  /** What the trial's log said so far, if it is followed. */
  report(namespace: string, trial: string): { log: TrialLog; isComplete: boolean } | undefined {
    const follow = this.#follows.get(`${namespace}/${trial}`);
    return follow && { log: follow.log, isComplete: follow.isComplete };
  }

  /** Stops following a trial that is over (its result is in its status). */
  forget(namespace: string, trial: string): void {
    this.#stop(`${namespace}/${trial}`);
  }

  get followed(): number {
    return this.#follows.size;
  }

  #stop(key: string): void {
    const follow = this.#follows.get(key);
    follow?.abort?.abort();
    if (follow?.retryTimer) clearTimeout(follow.retryTimer);
    this.#follows.delete(key);
  }

  #open(key: string, follow: Follow): void {
    follow.abort?.abort();
    const abort = new AbortController();
    follow.abort = abort;
    const wasFinished = follow.target.isFinished;
    void this.#read(follow, abort.signal).then(
      () => this.#ended(key, follow, abort, wasFinished),
      (error: unknown) => this.#broke(key, follow, abort, error),
    );
  }

  async #read(follow: Follow, signal: AbortSignal): Promise<void> {
    const { namespace, pod } = follow.target;
    const stream: Readable = await this.#options.open(
      namespace,
      pod,
      this.#options.container ?? defaultLogFollowerOptions().container,
      signal,
    );
    const splitter = new LineSplitter();
    let changed = false;
    const onLine = (line: string): void => {
      if (follow.log.apply(line)) changed = true;
      if (follow.log.result) follow.isComplete = true;
    };
    stream.setEncoding('utf8');
    for await (const chunk of stream) {
      changed = false;
      splitter.push(chunk as string, onLine);
      if (changed) this.#options.onUpdate(namespace, follow.target.study, follow.isComplete);
    }
    splitter.end(onLine);
  }

  #ended(key: string, follow: Follow, abort: AbortController, wasFinished: boolean): void {
    if (follow.abort !== abort || this.#follows.get(key) !== follow) return;
    follow.abort = undefined;
    if (wasFinished) follow.isComplete = true;
    else if (!follow.isComplete) {
      // A running pod's stream ended cleanly (the container exited, or a proxy closed it): no
      // back-off to grow, just look again shortly unless the pod is seen finished first.
      follow.retryMs = this.#retryMs();
      this.#retry(key, follow);
    }
    this.#options.onUpdate(follow.target.namespace, follow.target.study, follow.isComplete);
  }

  #broke(key: string, follow: Follow, abort: AbortController, error: unknown): void {
    if (follow.abort !== abort || this.#follows.get(key) !== follow || abort.signal.aborted) return;
    follow.abort = undefined;
    if (follow.isComplete) return;
    this.#options.logger.debug(
      {
        study: `${follow.target.namespace}/${follow.target.study}`,
        trial: follow.target.trial,
        err: error,
        retryInMs: follow.retryMs,
      },
      'log stream broke; reading again from the start',
    );
    this.#retry(key, follow);
  }

  /** Reads again from the start after a back-off (a finished pod is read at once by `follow`). */
  #retry(key: string, follow: Follow): void {
    follow.retryTimer = setTimeout(() => {
      follow.retryTimer = undefined;
      if (this.#follows.get(key) === follow && !this.#signal?.aborted) this.#open(key, follow);
    }, follow.retryMs);
    follow.retryTimer.unref();
    follow.retryMs = Math.min(follow.retryMs * 2, this.#options.maxRetryMs ?? defaultLogFollowerOptions().maxRetryMs);
  }

  #retryMs(): number {
    return this.#options.retryMs ?? defaultLogFollowerOptions().retryMs;
  }
}
