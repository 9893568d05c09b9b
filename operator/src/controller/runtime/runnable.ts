/** Everything long-lived in the operator: started once, runs until its signal aborts. */
import { timerDelay } from '../../timer-delay.ts';

export interface Runnable {
  readonly name: string;
  /** Whether it may run only while this replica holds the leader lease. */
  readonly needsLeaderElection: boolean;
  /** Settles after `signal` aborts and the work in flight has finished. */
  start(signal: AbortSignal): Promise<void>;
}

/** Resolves after `ms`, or at once when the signal aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, timerDelay(ms));
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Resolves when the signal aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
