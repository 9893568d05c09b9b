/**
 * Matérn 5/2 kernel with one length scale per dimension (ARD). Numeric dimensions are unit-cube
 * coordinates; a categorical dimension contributes 1 to the squared distance when the two
 * categories differ (a Hamming kernel, as Optuna's GPSampler), scaled by its own length scale.
 */

const SQRT5 = Math.sqrt(5);

/** m(r) = (1 + √5 r + 5r²/3) e^(−√5 r), from the squared distance r². */
export function matern52(r2: number): number {
  const r = Math.sqrt(r2);
  return (1 + SQRT5 * r + (5 / 3) * r2) * Math.exp(-SQRT5 * r);
}

/**
 * −(dm/dr) / r = (5/3)(1 + √5 r) e^(−√5 r): the factor that turns ∂r²/∂θ into ∂m/∂θ
 * (∂m/∂θ = −½ · this · ∂r²/∂θ), finite at r = 0.
 */
export function matern52Slope(r2: number): number {
  const r = Math.sqrt(r2);
  return (5 / 3) * (1 + SQRT5 * r) * Math.exp(-SQRT5 * r);
}

/** Per-dimension squared difference: numeric (x − y)², categorical 0 or 1. */
export function squaredDifference(x: number, y: number, categorical: boolean): number {
  if (categorical) return x === y ? 0 : 1;
  const d = x - y;
  return d * d;
}

/** Σ_k diff_k / ℓ_k² over the dimensions of two encoded points. */
export function scaledDistance(
  a: Float64Array,
  aAt: number,
  b: Float64Array,
  bAt: number,
  inverseSquaredScales: Float64Array,
  categorical: readonly boolean[],
): number {
  let r2 = 0;
  for (let k = 0; k < categorical.length; k++) {
    r2 += squaredDifference(a[aAt + k], b[bAt + k], categorical[k]) * inverseSquaredScales[k];
  }
  return r2;
}
