/**
 * A source: one client-node informer (list + watch into a cache) kept alive. client-node's
 * ListWatch re-lists by itself on 410 Gone and re-watches when a watch ends, but stops for good
 * on any other error; the source then restarts it with jittered exponential back-off, so a sick
 * API server is never flooded. Restarting keeps the cache, and a re-list reconciles deletions.
 */
import {
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { Logger } from '../logger.ts';
import type { Runnable } from './runnable.ts';
import { aborted, sleep } from './runnable.ts';

export type ChangeHandler<T> = (object: T, event: 'add' | 'update' | 'delete') => void;

export interface SourceOptions<T extends KubernetesObject> {
  name: string;
  kubeConfig: KubeConfig;
  /** Watch path, e.g. `/apis/batch/v1/jobs` or `/apis/batch/v1/namespaces/x/jobs`. */
  path: string;
  list: () => Promise<KubernetesListObject<T>>;
  labelSelector?: string;
  logger: Logger;
  /** First restart delay after an error; default 200 ms, doubling (defaults: `defaultSourceOptions()`). */
  minBackoffMs?: number;
  /** Largest restart delay; default 30 s. */
  maxBackoffMs?: number;
  /** Delay before re-watching after a watch ended quietly; default client-node's 1 s doubling to 30 s. */
  rewatchDelayMs?: number;
}

/** The defaults of SourceOptions' restart back-off; the operator's docs state them too. */
export function defaultSourceOptions() {
  return { minBackoffMs: 200, maxBackoffMs: 30_000 };
}

export class InformerSource<T extends KubernetesObject> implements Runnable {
  readonly name: string;
  readonly needsLeaderElection = false;
  readonly #options: SourceOptions<T>;
  readonly #informer: ListWatch<T>;
  readonly #handlers: ChangeHandler<T>[] = [];
  #synced = false;
  #syncWaiters: Array<() => void> = [];
  #failed: unknown = undefined;
  #wake: (() => void) | undefined;

  constructor(options: SourceOptions<T>) {
    this.name = options.name;
    this.#options = options;
    const delay = options.rewatchDelayMs;
    const delayFn = delay === undefined ? undefined : () => sleep(delay);
    // Synced once a list has filled the cache (the informer fills it right after the list
    // resolves, hence setImmediate), not once the watch connects: a proxy may hold a watch's
    // response headers back until the first event.
    const list = async (): Promise<KubernetesListObject<T>> => {
      const result = await options.list();
      setImmediate(() => this.#markSynced());
      return result;
    };
    this.#informer = new ListWatch<T>(
      options.path,
      new Watch(options.kubeConfig),
      list,
      false,
      options.labelSelector,
      undefined,
      delayFn ? { delayFn } : undefined,
    );
    this.#informer.on('add', (object) => this.#emit(object, 'add'));
    this.#informer.on('update', (object) => this.#emit(object, 'update'));
    this.#informer.on('delete', (object) => this.#emit(object, 'delete'));
    this.#informer.on('error', (error) => this.#onError(error));
  }

  onChange(handler: ChangeHandler<T>): void {
    this.#handlers.push(handler);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.#informer.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.#informer.list(namespace);
  }

  get hasSynced(): boolean {
    return this.#synced;
  }

  /** Resolves once the first list has filled the cache (or at once when already synced). */
  waitForSync(signal: AbortSignal): Promise<void> {
    if (this.#synced || signal.aborted) return Promise.resolve();
    return Promise.race([new Promise<void>((resolve) => this.#syncWaiters.push(resolve)), aborted(signal)]);
  }

  async start(signal: AbortSignal): Promise<void> {
    const defaults = defaultSourceOptions();
    const minMs = this.#options.minBackoffMs ?? defaults.minBackoffMs;
    const maxMs = this.#options.maxBackoffMs ?? defaults.maxBackoffMs;
    let backoffMs = minMs;
    while (!signal.aborted) {
      this.#failed = undefined;
      await Promise.race([this.#informer.start(), aborted(signal)]);
      if (this.#failed === undefined) {
        this.#markSynced();
        backoffMs = minMs;
        await this.#untilErrorOrAbort(signal);
      }
      if (signal.aborted) break;
      this.#options.logger.warn(
        { source: this.name, err: this.#failed, retryInMs: Math.round(backoffMs) },
        'informer stopped on error; restarting',
      );
      await sleep(backoffMs * (1 + Math.random() * 0.2), signal);
      backoffMs = Math.min(backoffMs * 2, maxMs);
    }
    await this.#informer.stop();
  }

  #untilErrorOrAbort(signal: AbortSignal): Promise<void> {
    if (this.#failed !== undefined) return Promise.resolve();
    return Promise.race([new Promise<void>((resolve) => (this.#wake = resolve)), aborted(signal)]);
  }

  #onError(error: unknown): void {
    this.#failed = error ?? new Error('informer error');
    this.#wake?.();
    this.#wake = undefined;
  }

  #markSynced(): void {
    if (this.#synced) return;
    this.#synced = true;
    for (const resolve of this.#syncWaiters.splice(0)) resolve();
  }

  #emit(object: T, event: 'add' | 'update' | 'delete'): void {
    for (const handler of this.#handlers) {
      try {
        handler(object, event);
      } catch (error) {
        this.#options.logger.error({ source: this.name, err: error }, 'change handler threw');
      }
    }
  }
}
