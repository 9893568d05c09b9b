/**
 * Node timers take delays up to 2^31 - 1 ms (24.8 days); a longer one fires after 1 ms with a
 * TimeoutOverflowWarning, and a loop that re-arms it spins. Every computed delay goes through
 * `timerDelay`: waking early is harmless where the waker re-checks (a reconcile, a replan, a
 * deadline that re-arms for what is left).
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** `ms` as a delay Node's timers honour: at most MAX_TIMER_DELAY_MS, at least 0. */
export function timerDelay(ms: number): number {
  return Math.max(0, Math.min(ms, MAX_TIMER_DELAY_MS));
}
