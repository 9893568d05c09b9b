/**
 * Observation weights within the good or the bad set: every observation counts fully when there
 * are fewer than 25; otherwise the newest 25 weigh 1 and older ones ramp linearly from 1/m up to
 * 1, so the estimator follows where the search has moved.
 */
export const FLAT_WEIGHT_COUNT = 25;

/** Weights for m observations ordered oldest first. */
export function observationWeights(m: number): Float64Array {
  const weights = new Float64Array(m).fill(1);
  if (m < FLAT_WEIGHT_COUNT) return weights;
  const rampLength = m - FLAT_WEIGHT_COUNT;
  // linspace(1/m, 1, rampLength): the same points numpy gives, endpoints included.
  for (let i = 0; i < rampLength; i++) {
    weights[i] = rampLength === 1 ? 1 / m : 1 / m + ((1 - 1 / m) * i) / (rampLength - 1);
  }
  return weights;
}
