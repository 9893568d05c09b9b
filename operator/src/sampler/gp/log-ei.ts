/**
 * log of the expected improvement below `best` of a normal posterior N(mean, variance), stable
 * far into the tail where EI itself underflows (so the acquisition still ranks candidates there).
 */
import { LOG_SQRT_2PI, logNdtr } from '../tpe/truncnorm.ts';

/** log h(z), h(z) = φ(z) + zΦ(z) = E[max(0, z − Z)]-style improvement of a standard normal. */
export function logH(z: number): number {
  const logPhi = -0.5 * z * z - LOG_SQRT_2PI;
  if (z > -10) {
    // h(z) = φ(z) (1 + z Φ(z)/φ(z)); the ratio is exact enough from log Φ down to z = −10.
    return logPhi + Math.log1p(z * Math.exp(logNdtr(z) - logPhi));
  }
  // Asymptotic series of 1 + z Φ(z)/φ(z) = z⁻² − 3 z⁻⁴ + 15 z⁻⁶ − 105 z⁻⁸ …
  const inv2 = 1 / (z * z);
  return logPhi + Math.log(inv2 * (1 - 3 * inv2 + 15 * inv2 * inv2 - 105 * inv2 * inv2 * inv2));
}

/** log EI(x) for minimisation: log σ + log h((best − μ) / σ). */
export function logExpectedImprovement(mean: number, variance: number, best: number): number {
  const sd = Math.sqrt(variance);
  return Math.log(sd) + logH((best - mean) / sd);
}
