/**
 * A controller: a work queue of keys and workers that call the reconciler. A reconcile that
 * throws is retried with back-off (never kills its worker); a TerminalError is logged and
 * counted, never retried; `requeueAfterMs` schedules the next look.
 */
import type { Logger } from '../logger.ts';
import type { OperatorMetrics } from '../metrics.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { WorkQueue, type Priority } from './queue.ts';
import type { Runnable } from './runnable.ts';
import { TerminalError } from './terminal-error.ts';

export interface Result {
  /** Look at the key again after this long even if nothing changes. */
  requeueAfterMs?: number;
}

export interface Reconciler {
  // biome-ignore lint/suspicious/noConfusingVoidType: a reconcile function that returns nothing means {}
  reconcile(key: string, signal: AbortSignal): Promise<Result | void>;
}
export type ReconcileFunction = Reconciler['reconcile'];

export interface ControllerOptions {
  /** Names the controller in logs and metrics. */
  name: string;
  reconciler: Reconciler | ReconcileFunction;
  logger: Logger;
  metrics?: OperatorMetrics;
  /** Reconciles running at once (on different keys); default 1. */
  maxConcurrentReconciles?: number;
  /** Retry delays; default `defaultRateLimiter()` (the work queue's). */
  rateLimiter?: RateLimiter;
  /** Whether it runs only on the leader; default true. */
  needsLeaderElection?: boolean;
  /** Keys to queue each time the controller starts (all known objects: a resync); default none. */
  initialKeys?: () => Iterable<string>;
}

/** The defaults of ControllerOptions. */
export function defaultControllerOptions() {
  return { maxConcurrentReconciles: 1, needsLeaderElection: true };
}

export class Controller implements Runnable {
  readonly name: string;
  readonly needsLeaderElection: boolean;
  readonly #reconcile: ReconcileFunction;
  readonly #options: ControllerOptions;
  #queue: WorkQueue | undefined;
  #reconcileId = 0;

  constructor(options: ControllerOptions) {
    this.name = options.name;
    this.needsLeaderElection = options.needsLeaderElection ?? defaultControllerOptions().needsLeaderElection;
    const reconciler = options.reconciler;
    this.#reconcile = typeof reconciler === 'function' ? reconciler : reconciler.reconcile.bind(reconciler);
    this.#options = options;
  }

  /** Queues a key (sources call this on every change); ignored while the controller is stopped. */
  enqueue(key: string, priority?: Priority): void {
    this.#queue?.add(key, priority);
  }

  enqueueAfter(key: string, delayMs: number, priority?: Priority): void {
    this.#queue?.addAfter(key, delayMs, priority);
  }

  /** Runs the workers with a fresh queue (a controller restarts after a lost and regained lease). */
  async start(signal: AbortSignal): Promise<void> {
    const metrics = this.#options.metrics;
    const labels = { controller: this.name };
    const observer = metrics && {
      depth: (n: number) => metrics.queueDepth.set(labels, n),
      waited: (ms: number) => metrics.queueWaitSeconds.observe(labels, ms / 1000),
    };
    const queue = new WorkQueue({ rateLimiter: this.#options.rateLimiter, ...(observer ? { observer } : {}) });
    this.#queue = queue;
    const stop = (): void => queue.shutDown();
    if (signal.aborted) stop();
    signal.addEventListener('abort', stop, { once: true });
    // Low, as controller-runtime's priority queue does for its initial list: changes seen live go first.
    for (const key of this.#options.initialKeys?.() ?? []) queue.add(key, 'low');
    const concurrency = this.#options.maxConcurrentReconciles ?? defaultControllerOptions().maxConcurrentReconciles;
    const workers = Array.from({ length: concurrency }, () => this.#work(queue, signal));
    await Promise.all(workers);
    if (this.#queue === queue) this.#queue = undefined;
  }

  async #work(queue: WorkQueue, signal: AbortSignal): Promise<void> {
    for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
      try {
        await this.#process(queue, key, signal);
      } finally {
        queue.done(key);
      }
    }
  }

  async #process(queue: WorkQueue, key: string, signal: AbortSignal): Promise<void> {
    const id = ++this.#reconcileId;
    const timer = this.#options.metrics?.reconcileSeconds.startTimer({ controller: this.name });
    let result: string;
    try {
      const outcome = (await this.#reconcile(key, signal)) ?? {};
      queue.forget(key);
      result = outcome.requeueAfterMs === undefined ? 'success' : 'requeue';
      if (outcome.requeueAfterMs !== undefined) queue.addAfter(key, outcome.requeueAfterMs);
    } catch (error) {
      result = this.#failed(queue, key, id, error, signal);
    }
    timer?.();
    this.#options.metrics?.reconciles.inc({ controller: this.name, result });
  }

  #failed(queue: WorkQueue, key: string, id: number, error: unknown, signal: AbortSignal): string {
    const [namespace, name] = key.split('/');
    const log = this.#options.logger.child({ controller: this.name, study: key, namespace, name, reconcileId: id });
    if (error instanceof TerminalError) {
      queue.forget(key);
      log.error({ err: error }, 'reconcile failed for good; not retrying');
      return 'terminal';
    }
    queue.addRateLimited(key);
    if (signal.aborted) return 'aborted';
    log.warn({ err: error, failures: queue.failures(key) }, 'reconcile failed; retrying with back-off');
    return 'error';
  }
}
