/**
 * The normal distribution pieces TPE needs, in log space so far tails never underflow:
 * log Φ(x), log(Φ(b) − Φ(a)), and draws from a normal truncated to [low, high].
 */
import type { Rng } from '../rng.ts';
import { TABLE_END, normalUpperTail } from './normal-tail.ts';

const LOG_HALF = Math.log(0.5);
export const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const INV_SQRT2 = Math.SQRT1_2;

/**
 * log erfc(z) for z ≥ 0, from the Chebyshev-fitted form erfc(z) ≈ t·exp(−z² + P(t)),
 * t = 1/(1 + z/2), whose relative error is below 1.2e-7 everywhere (Numerical Recipes' erfcc).
 * Working on the exponent keeps it finite for any z.
 */
export function logErfc(z: number): number {
  const t = 1 / (1 + 0.5 * z);
  return Math.log(t) - z * z + erfcExponent(t);
}

function erfcExponent(t: number): number {
  return (
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
  );
}

/** Φ(x), the standard normal distribution function: from the tail table (hot in kernel normalisation). */
export function ndtr(x: number): number {
  const magnitude = Math.abs(x);
  const tail = magnitude < TABLE_END ? normalUpperTail(magnitude) : farTail(magnitude);
  return x < 0 ? tail : 1 - tail;
}

/** Φ(−x) beyond the table, from the erfc formula (relative error < 1.2e-7). */
function farTail(x: number): number {
  const z = x * INV_SQRT2;
  const t = 1 / (1 + 0.5 * z);
  return 0.5 * t * Math.exp(erfcExponent(t) - z * z);
}

/** log Φ(x), accurate in the far lower tail. */
export function logNdtr(x: number): number {
  if (x < 0) return LOG_HALF + logErfc(-x * INV_SQRT2);
  return Math.log1p(-0.5 * Math.exp(logErfc(x * INV_SQRT2)));
}

/** Below this width (in standard deviations) the midpoint rule beats differencing two Φ values. */
const NARROW_WIDTH = 0.02;

/**
 * log(Φ(b) − Φ(a)) for a ≤ b: the normal's mass on [a, b]. Works on the side of the smaller tail
 * to avoid cancellation; narrow intervals use the midpoint rule with its second-order correction.
 */
export function logNdtrDiff(a: number, b: number): number {
  const width = b - a;
  if (!(width > 0)) return width === 0 ? -Infinity : Number.NaN;
  if (width < NARROW_WIDTH) {
    const mid = 0.5 * (a + b);
    const correction = ((mid * mid - 1) * width * width) / 24;
    return -0.5 * mid * mid - LOG_SQRT_2PI + Math.log(width) + Math.log1p(correction);
  }
  if (a >= 0) return logNdtrDiff(-b, -a);
  if (b <= 0) {
    const logB = logNdtr(b);
    return logB + Math.log1p(-Math.exp(logNdtr(a) - logB));
  }
  return Math.log1p(-(ndtr(a) + ndtr(-b)));
}

/**
 * log(Φ(b) − Φ(a)) for a ≤ 0 ≤ b, the mass of a kernel centred inside its bounds: always above
 * 0.34 for TPE's kernels, so both tails are needed only to absolute accuracy and a tail beyond
 * the table (< 1e-17) counts as 0.
 */
export function logNdtrDiffAroundZero(a: number, b: number): number {
  const below = -a < TABLE_END ? normalUpperTail(-a) : 0;
  const above = b < TABLE_END ? normalUpperTail(b) : 0;
  return Math.log1p(-(below + above));
}

/** Most rejection rounds before falling back to clamping (unreachable for TPE's kernels). */
const MAX_REJECTIONS = 1000;

/**
 * A draw from N(mu, sigma²) truncated to [low, high] by rejection. TPE's kernels are centred
 * inside the bounds with sigma ≤ the range, so at least ~1/3 of draws are accepted.
 */
export function sampleTruncNorm(rng: Rng, mu: number, sigma: number, low: number, high: number): number {
  for (let round = 0; round < MAX_REJECTIONS; round++) {
    const x = mu + sigma * rng.normal();
    if (x >= low && x <= high) return x;
  }
  return Math.min(high, Math.max(low, mu));
}
