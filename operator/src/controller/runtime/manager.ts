/**
 * The manager: starts sources first and waits for their caches to sync, then the runnables that
 * need no lease, then campaigns for leadership and runs the leader-only runnables (controllers)
 * only while it leads. Losing the lease aborts them at once; the signal aborting (SIGTERM)
 * stops everything and waits for the work in flight.
 */
import type { Logger } from '../logger.ts';
import type { OperatorMetrics } from '../metrics.ts';
import type { LeaderElector } from './leader-election.ts';
import type { Runnable } from './runnable.ts';

export interface SyncedSource extends Runnable {
  waitForSync(signal: AbortSignal): Promise<void>;
  readonly hasSynced: boolean;
}

export interface ManagerOptions {
  logger: Logger;
  metrics?: OperatorMetrics;
  /** Without one, this replica always leads (a single replica, or tests). */
  leaderElector?: LeaderElector;
}

export class Manager {
  readonly #options: ManagerOptions;
  readonly #sources: SyncedSource[] = [];
  readonly #runnables: Runnable[] = [];
  #isReady = false;

  constructor(options: ManagerOptions) {
    this.#options = options;
  }

  addSource(source: SyncedSource): void {
    this.#sources.push(source);
  }

  add(runnable: Runnable): void {
    this.#runnables.push(runnable);
  }

  /** Caches synced (readiness probe). */
  get isReady(): boolean {
    return this.#isReady;
  }

  async start(signal: AbortSignal): Promise<void> {
    const running = this.#sources.map((source) => this.#run(source, signal));
    await Promise.all(this.#sources.map((source) => source.waitForSync(signal)));
    if (!signal.aborted) {
      this.#isReady = true;
      this.#options.logger.info({ sources: this.#sources.length }, 'caches synced');
      for (const runnable of this.#runnables.filter((r) => !r.needsLeaderElection))
        running.push(this.#run(runnable, signal));
      const leaderOnly = this.#runnables.filter((r) => r.needsLeaderElection);
      running.push(this.#lead(leaderOnly, signal));
    }
    await Promise.all(running);
    this.#isReady = false;
  }

  async #lead(runnables: Runnable[], signal: AbortSignal): Promise<void> {
    const elector = this.#options.leaderElector;
    if (!elector) {
      this.#options.metrics?.isLeader.set(1);
      await Promise.all(runnables.map((runnable) => this.#run(runnable, signal)));
      return;
    }
    let term: { controller: AbortController; done: Promise<unknown> } | undefined;
    await elector.run(signal, {
      onStartedLeading: () => {
        this.#options.metrics?.isLeader.set(1);
        const controller = new AbortController();
        const stop = (): void => controller.abort();
        signal.addEventListener('abort', stop, { once: true });
        term = { controller, done: Promise.all(runnables.map((runnable) => this.#run(runnable, controller.signal))) };
      },
      onStoppedLeading: () => {
        this.#options.metrics?.isLeader.set(0);
        term?.controller.abort();
      },
    });
    await term?.done;
  }

  async #run(runnable: Runnable, signal: AbortSignal): Promise<void> {
    try {
      await runnable.start(signal);
    } catch (error) {
      this.#options.logger.error({ runnable: runnable.name, err: error }, 'runnable failed');
    }
  }
}

/** An AbortSignal that aborts on SIGTERM or SIGINT (graceful shutdown). */
export function shutdownSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return controller.signal;
}
