/** Summary statistics for the tables. */
export const mean = (values: number[]): number => values.reduce((sum, v) => sum + v, 0) / values.length;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Share of same-seed pairs where `a` is strictly lower (better) than `b`. */
export function winRate(a: number[], b: number[]): number {
  let wins = 0;
  for (let i = 0; i < a.length; i++) if (a[i] < b[i]) wins++;
  return wins / a.length;
}

export function formatFixed(value: number, digits = 3): string {
  return Number.isFinite(value) ? value.toFixed(digits) : String(value);
}
