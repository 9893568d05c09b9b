/**
 * The work queue: holds keys (`namespace/name`) only. A key is in the queue at most once; a key
 * being processed is never handed to a second worker; a key added while it is processed is
 * queued again when that worker calls `done`. Delayed adds keep the earliest deadline.
 */
import { defaultRateLimiter, type RateLimiter } from './rate-limiter.ts';

export interface WorkQueueOptions {
  /** Retry delays for `addRateLimited`; default 5 ms→~1000 s per key with a 10/s, burst 100 bucket. */
  rateLimiter?: RateLimiter;
  /** Sees the queue's length after each change and how long each key waited for a worker. */
  observer?: QueueObserver;
}

export interface QueueObserver {
  depth(length: number): void;
  waited(ms: number): void;
}

export class WorkQueue {
  readonly #rateLimiter: RateLimiter;
  readonly #queue: string[] = [];
  /** When each queued key went in, for the observer. */
  readonly #queuedAtMs = new Map<string, number>();
  readonly #observer: QueueObserver | undefined;
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #waiting = new Map<string, { atMs: number; timer: NodeJS.Timeout }>();
  readonly #getters: Array<(key: string | undefined) => void> = [];
  #isShutDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.#rateLimiter = options.rateLimiter ?? defaultRateLimiter();
    this.#observer = options.observer;
  }

  add(key: string): void {
    if (this.#isShutDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    this.#push(key);
  }

  /** Adds the key after `delayMs`; a key already waiting keeps whichever deadline is earlier. */
  addAfter(key: string, delayMs: number): void {
    if (this.#isShutDown) return;
    if (delayMs <= 0) return this.add(key);
    const atMs = Date.now() + delayMs;
    const waiting = this.#waiting.get(key);
    if (waiting && waiting.atMs <= atMs) return;
    if (waiting) clearTimeout(waiting.timer);
    const timer = setTimeout(() => {
      this.#waiting.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.#waiting.set(key, { atMs, timer });
  }

  addRateLimited(key: string): void {
    this.addAfter(key, this.#rateLimiter.when(key));
  }

  /** Ends the key's back-off after a success. */
  forget(key: string): void {
    this.#rateLimiter.forget(key);
  }

  failures(key: string): number {
    return this.#rateLimiter.failures(key);
  }

  /** The next key to process, or undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    if (this.#isShutDown) return Promise.resolve(undefined);
    if (this.#queue.length > 0) return Promise.resolve(this.#take());
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  /** Marks the key processed; if it was added meanwhile, it goes back into the queue. */
  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.has(key)) this.#push(key);
  }

  get length(): number {
    return this.#queue.length;
  }

  get isShutDown(): boolean {
    return this.#isShutDown;
  }

  shutDown(): void {
    this.#isShutDown = true;
    for (const { timer } of this.#waiting.values()) clearTimeout(timer);
    this.#waiting.clear();
    for (const getter of this.#getters.splice(0)) getter(undefined);
  }

  #push(key: string): void {
    this.#queuedAtMs.set(key, Date.now());
    const getter = this.#getters.shift();
    if (getter) getter(this.#takeKey(key));
    else {
      this.#queue.push(key);
      this.#observer?.depth(this.#queue.length);
    }
  }

  #take(): string {
    const key = this.#queue.shift() as string;
    this.#observer?.depth(this.#queue.length);
    return this.#takeKey(key);
  }

  #takeKey(key: string): string {
    this.#dirty.delete(key);
    this.#processing.add(key);
    this.#observer?.waited(Date.now() - (this.#queuedAtMs.get(key) ?? Date.now()));
    this.#queuedAtMs.delete(key);
    return key;
  }
}
