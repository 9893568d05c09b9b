/**
 * Retry delays for the work queue. Each failing key backs off exponentially on its own; a global
 * token bucket caps the retry rate of all keys together; the larger delay wins. Jitter spreads
 * retries so that many keys failing at once do not come back at once.
 */
export interface RateLimiter {
  /** Delay before the key may be retried, and counts one more failure for it. */
  when(key: string): number;
  /** Clears the key's failure history (after a success). */
  forget(key: string): void;
  /** Failures counted for the key since its last success. */
  failures(key: string): number;
}

export interface ExponentialOptions {
  /** First retry delay; default 5 ms (defaults: `defaultExponentialOptions()`). */
  baseDelayMs?: number;
  /** Largest retry delay; default 1,000,000 ms (~17 minutes). */
  maxDelayMs?: number;
  /** Fraction of random extra delay, 0..1; default 0.1. */
  jitter?: number;
  /** Random source in [0, 1); default Math.random. */
  random?: () => number;
}

/** The defaults of ExponentialOptions (controller-runtime's); the operator's docs state them too. */
export function defaultExponentialOptions() {
  return { baseDelayMs: 5, maxDelayMs: 1_000_000, jitter: 0.1 };
}

/** Per-key exponential back-off: base · 2^failures, capped, plus jitter. */
export class ExponentialFailureRateLimiter implements RateLimiter {
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #jitter: number;
  readonly #random: () => number;
  readonly #failures = new Map<string, number>();

  constructor(options: ExponentialOptions = {}) {
    const defaults = defaultExponentialOptions();
    this.#baseDelayMs = options.baseDelayMs ?? defaults.baseDelayMs;
    this.#maxDelayMs = options.maxDelayMs ?? defaults.maxDelayMs;
    this.#jitter = options.jitter ?? defaults.jitter;
    this.#random = options.random ?? Math.random;
  }

  when(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    const delay = Math.min(this.#baseDelayMs * 2 ** failures, this.#maxDelayMs);
    return Math.min(delay * (1 + this.#jitter * this.#random()), this.#maxDelayMs);
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }

  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }
}

export interface TokenBucketOptions {
  /** Tokens added per second; default 10 (defaults: `defaultTokenBucketOptions()`). */
  ratePerSecond?: number;
  /** Bucket size; default 100. */
  burst?: number;
  /** Milliseconds clock; default Date.now. */
  now?: () => number;
}

/** The defaults of TokenBucketOptions (controller-runtime's); the operator's docs state them too. */
export function defaultTokenBucketOptions() {
  return { ratePerSecond: 10, burst: 100 };
}

/** A global token bucket: each retry reserves a token, waiting for one when the bucket is empty. */
export class TokenBucketRateLimiter implements RateLimiter {
  readonly #ratePerMs: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #lastMs: number;

  constructor(options: TokenBucketOptions = {}) {
    const defaults = defaultTokenBucketOptions();
    this.#ratePerMs = (options.ratePerSecond ?? defaults.ratePerSecond) / 1000;
    this.#burst = options.burst ?? defaults.burst;
    this.#now = options.now ?? Date.now;
    this.#tokens = this.#burst;
    this.#lastMs = this.#now();
  }

  when(): number {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#lastMs) * this.#ratePerMs);
    this.#lastMs = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : -this.#tokens / this.#ratePerMs;
  }

  forget(): void {}

  failures(): number {
    return 0;
  }
}

/** The largest delay of several limiters; every limiter counts the failure. */
export class MaxOfRateLimiter implements RateLimiter {
  readonly #limiters: readonly RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    this.#limiters = limiters;
  }

  when(key: string): number {
    return Math.max(...this.#limiters.map((limiter) => limiter.when(key)));
  }

  forget(key: string): void {
    for (const limiter of this.#limiters) limiter.forget(key);
  }

  failures(key: string): number {
    return Math.max(...this.#limiters.map((limiter) => limiter.failures(key)));
  }
}

/**
 * controller-runtime's default: `defaultExponentialOptions()` per key (5 ms → ~1000 s) and
 * `defaultTokenBucketOptions()` overall (10/s, burst 100).
 */
export function defaultRateLimiter(): RateLimiter {
  return new MaxOfRateLimiter(new ExponentialFailureRateLimiter(), new TokenBucketRateLimiter());
}
