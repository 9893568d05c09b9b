/**
 * e^x for x ≤ 0, about twice as fast as Math.exp where TPE needs it most: a log-sum-exp over a
 * thousand kernels per candidate, and the normal tails of every kernel's mass. x is split into
 * −j/32 + r with |r| ≤ 1/64; e^(−j/32) comes from a table filled by Math.exp and e^r from its
 * Taylor polynomial of degree 6, whose truncation error (< 5e-17) is below double rounding. The
 * result is within 2 ulp of Math.exp.
 */
const STEPS = 32;
/** The table covers [−RANGE, 0]; below it (terms < 1.5e-21) Math.exp takes over. */
const RANGE = 48;
const TABLE = Float64Array.from({ length: RANGE * STEPS + 1 }, (_, j) => Math.exp(-j / STEPS));

export function expNonPositive(x: number): number {
  if (!(x > -RANGE && x <= 0)) return Math.exp(x);
  const j = Math.round(-x * STEPS);
  const r = x + j / STEPS;
  return TABLE[j] * (1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720)))))));
}
