/**
 * How long the fuzz suite runs: a fixed seed and a few hundred cases in `npm test`;
 * LORAHPO_FUZZ_SEED and LORAHPO_FUZZ_RUNS for longer runs (a failure prints its seed and path,
 * which reproduce it exactly).
 */
export function fuzzOptions(defaultRuns: number): { seed: number; numRuns: number } {
  const seed = Number(process.env.LORAHPO_FUZZ_SEED ?? 20261202);
  const runs = Number(process.env.LORAHPO_FUZZ_RUNS ?? defaultRuns);
  return { seed, numRuns: runs };
}
