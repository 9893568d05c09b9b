/**
 * The work queue: holds keys (`namespace/name`) only. A key is in the queue at most once; a key
 * being processed is never handed to a second worker; a key added while it is processed is
 * queued again when that worker calls `done`. Delayed adds keep the earliest deadline.
 *
 * Two lanes: `normal` keys are handed out before `low` ones, and a low key added again as normal
 * moves up (controller-runtime's priority queue does the same). Low is for work that may wait
 * under load (a batch of new metric values) so that a trial's end is not queued behind it.
 */
import { defaultRateLimiter, type RateLimiter } from './rate-limiter.ts';
import { timerDelay } from '../../timer-delay.ts';

export interface WorkQueueOptions {
  /** Retry delays for `addRateLimited`; default `defaultRateLimiter()`. */
  rateLimiter?: RateLimiter;
  /** Sees the queue's length after each change and how long each key waited for a worker. */
  observer?: QueueObserver;
}

export type Priority = 'normal' | 'low';

export interface QueueObserver {
  depth(length: number): void;
  waited(ms: number): void;
}

export class WorkQueue {
  readonly #rateLimiter: RateLimiter;
  readonly #lanes: Record<Priority, string[]> = { normal: [], low: [] };
  /** When each queued key went in, for the observer. */
  readonly #queuedAtMs = new Map<string, number>();
  readonly #observer: QueueObserver | undefined;
  /** Keys to be handed out (queued, or added again while processing), with their lane. */
  readonly #dirty = new Map<string, Priority>();
  readonly #processing = new Set<string>();
  readonly #waiting = new Map<string, { atMs: number; priority: Priority; timer: NodeJS.Timeout }>();
  readonly #getters: Array<(key: string | undefined) => void> = [];
  #isShutDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.#rateLimiter = options.rateLimiter ?? defaultRateLimiter();
    this.#observer = options.observer;
  }

  add(key: string, priority: Priority = 'normal'): void {
    if (this.#isShutDown) return;
    const queued = this.#dirty.get(key);
    if (queued === 'low' && priority === 'normal') return this.#raise(key);
    if (queued !== undefined) return;
    this.#dirty.set(key, priority);
    if (this.#processing.has(key)) return;
    this.#push(key, priority);
  }

  /**
   * Adds the key after `delayMs`; a key already waiting keeps whichever deadline is earlier, and
   * the higher of the two lanes.
   */
  addAfter(key: string, delayMs: number, priority: Priority = 'normal'): void {
    if (this.#isShutDown) return;
    if (delayMs <= 0) return this.add(key, priority);
    const atMs = Date.now() + delayMs;
    const waiting = this.#waiting.get(key);
    const lane = waiting?.priority === 'normal' ? 'normal' : priority;
    if (waiting && waiting.atMs <= atMs) {
      waiting.priority = lane;
      return;
    }
    if (waiting) clearTimeout(waiting.timer);
    const timer = setTimeout(() => {
      const due = this.#waiting.get(key);
      this.#waiting.delete(key);
      this.add(key, due?.priority ?? lane);
    }, timerDelay(delayMs));
    timer.unref();
    this.#waiting.set(key, { atMs, priority: lane, timer });
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
    if (this.length > 0) return Promise.resolve(this.#take());
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  /** Marks the key processed; if it was added meanwhile, it goes back into the queue. */
  done(key: string): void {
    this.#processing.delete(key);
    const priority = this.#dirty.get(key);
    if (priority !== undefined) this.#push(key, priority);
  }

  get length(): number {
    return this.#lanes.normal.length + this.#lanes.low.length;
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

  #push(key: string, priority: Priority): void {
    this.#queuedAtMs.set(key, Date.now());
    const getter = this.#getters.shift();
    if (getter) getter(this.#takeKey(key));
    else {
      this.#lanes[priority].push(key);
      this.#observer?.depth(this.length);
    }
  }

  /** Moves a low key up: to the normal lane if queued, or marks it normal for when it is done. */
  #raise(key: string): void {
    this.#dirty.set(key, 'normal');
    if (this.#processing.has(key)) return;
    const low = this.#lanes.low;
    low.splice(low.indexOf(key), 1);
    this.#lanes.normal.push(key);
  }

  #take(): string {
    const lane = this.#lanes.normal.length > 0 ? this.#lanes.normal : this.#lanes.low;
    const key = lane.shift() as string;
    this.#observer?.depth(this.length);
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
