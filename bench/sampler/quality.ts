/**
 * Search quality: best value after 50 and 100 trials, over many seeds, for every contender on
 * every problem; a Mann–Whitney U p-value of ours against Optuna's same mode, and the share of
 * same-seed pairs where each beats random.
 */
import { mannWhitneyU } from './mann-whitney.ts';
import type { Contender } from './contenders.ts';
import type { Problem } from './problems.ts';
import { formatFixed, mean, median, winRate } from './stats.ts';

export interface QualityOptions {
  seeds: number;
  budgets: number[];
  log: (line: string) => void;
}

type Results = Map<string, number[][]>; // contender → per seed → best-so-far curve

async function collect(problem: Problem, contenders: Contender[], options: QualityOptions): Promise<Results> {
  const trials = Math.max(...options.budgets);
  const results: Results = new Map();
  for (const contender of contenders) {
    const started = performance.now();
    const curves: number[][] = [];
    for (let seed = 0; seed < options.seeds; seed++) curves.push(await contender.run(problem, seed, trials));
    results.set(contender.label, curves);
    options.log(`  ${problem.name} · ${contender.label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return results;
}

function rows(problem: Problem, contenders: Contender[], results: Results, budgets: number[]): string[] {
  const lines: string[] = [];
  for (const budget of budgets) {
    const at = (label: string) => (results.get(label) ?? []).map((curve) => curve[budget - 1]);
    const random = at('random');
    for (const contender of contenders) {
      const values = at(contender.label);
      const peer =
        contender.peerLabel !== undefined && results.has(contender.peerLabel) ? at(contender.peerLabel) : undefined;
      const test =
        peer === undefined
          ? ''
          : formatFixed(mannWhitneyU(values, peer).p, 3) +
            (mean(values) < mean(peer) ? ' (ours lower)' : ' (ours higher)');
      const vsRandom = contender.label === 'random' ? '' : `${Math.round(winRate(values, random) * 100)} %`;
      lines.push(
        `| ${problem.name} | ${budget} | ${contender.label} | ${formatFixed(mean(values))} | ${formatFixed(median(values))} | ${vsRandom} | ${test} |`,
      );
    }
  }
  return lines;
}

export async function qualityTable(
  problems: Problem[],
  contenders: Contender[],
  options: QualityOptions,
): Promise<string> {
  const lines = [
    `Best value (noise-free value of the best observed trial; lower is better) over ${options.seeds} seeds.`,
    '',
    '| problem | trials | sampler | mean | median | beats random (same seed) | U-test p vs Optuna same mode |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const problem of problems) {
    const results = await collect(problem, contenders, options);
    lines.push(...rows(problem, contenders, results, options.budgets));
  }
  return lines.join('\n');
}
