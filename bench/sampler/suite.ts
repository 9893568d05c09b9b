/**
 * The quality suite: every contender on every task (problem × noise level), in each mode
 * (sequential, k in parallel), over many seeds; scored at each budget by regret (noise-free value
 * of the best observed trial minus the optimum). Per task: mean regret, and a two-sided
 * Mann–Whitney U test of each of our modes against Optuna's same mode. In aggregate: mean
 * normalised regret (regret over the task's scale, the median regret of a random point), mean
 * rank among the contenders, and the count of tasks where a contender is significantly better or
 * worse than Optuna's same mode, than Optuna's default, than each newer Optuna's default (where
 * one runs) and than random.
 */
import type { Contender } from './contenders.ts';
import { mannWhitneyU } from './mann-whitney.ts';
import type { Task } from './problems/problem.ts';
import type { RunRecord } from './record.ts';
import { formatFixed, mean } from './stats.ts';

export interface SuiteOptions {
  seeds: number;
  budgets: number[];
  /** 1 = sequential; k > 1 keeps k trials running. */
  modes: number[];
  /** Label of the contender the rule calls "Optuna's default" (compared with every one of ours). */
  peerDefault?: string;
  /** Labels of further references (a newer Optuna's default) each one gets a column against. */
  alsoVersus?: string[];
  significance: number;
  /** Cells run at once (each Optuna cell in its own peer process). */
  jobs: number;
  /** Where finished cells are kept, and taken from instead of running again. */
  record?: RunRecord;
  /** Run nothing: tables of the tasks whose every cell the record holds (a run still going on). */
  recordOnly?: boolean;
  log: (line: string) => void;
}

/** contender label → budget → regret per seed. */
type Regrets = Map<string, Map<number, number[]>>;

export interface TaskResult {
  task: Task;
  parallel: number;
  regrets: Regrets;
}

/** The budgets a contender runs to (the GP stops at its cap). */
const budgetsOf = (contender: Contender, budgets: number[]) =>
  budgets.filter((budget) => budget <= (contender.budgetCap ?? Infinity));

/** Every seed of one contender on one task in one mode: regret per seed at each budget. */
async function runCell(task: Task, parallel: number, contender: Contender, budgets: number[], seeds: number) {
  const trials = Math.max(...budgets);
  const regrets: Record<string, number[]> = Object.fromEntries(budgets.map((budget) => [budget, []]));
  for (let seed = 0; seed < seeds; seed++) {
    // let the other cells' peers have their replies between two of our (synchronous) studies
    await new Promise((resolve) => setImmediate(resolve));
    const curve = await contender.run(task, seed, trials, parallel);
    for (const budget of budgets) regrets[budget]?.push((curve[budget - 1] as number) - task.problem.optimum.value);
  }
  return regrets;
}

/**
 * Runs every cell (task × contender) of one mode, `jobs` at a time, taking from the record the
 * cells it already holds and adding each new one to it as it ends.
 */
async function runMode(tasks: Task[], parallel: number, contenders: Contender[], options: SuiteOptions) {
  const regrets = tasks.map((): Regrets => new Map());
  const cells = tasks.flatMap((task, t) => contenders.map((contender) => ({ task, t, contender })));
  const missing = new Set<number>();
  let done = 0;
  let next = 0;
  const worker = async () => {
    while (next < cells.length) {
      const { task, t, contender } = cells[next++] as (typeof cells)[number];
      const budgets = budgetsOf(contender, options.budgets);
      const key = {
        mode: parallel,
        task: task.name,
        contender: contender.label,
        version: contender.version ?? '',
        seeds: options.seeds,
      };
      let found = options.record?.find(key, budgets);
      if (found === undefined && options.recordOnly) {
        missing.add(t);
        continue;
      }
      if (found === undefined) {
        const started = performance.now();
        const cell = { ...key, regrets: await runCell(task, parallel, contender, budgets, options.seeds), seconds: 0 };
        cell.seconds = Number(((performance.now() - started) / 1000).toFixed(2));
        options.record?.add(cell);
        found = { ...cell, fingerprint: '' };
      }
      const byBudget = new Map(budgets.map((budget) => [budget, found.regrets[budget] ?? []]));
      regrets[t]?.set(contender.label, byBudget);
      done++;
      options.log(`  [${done}/${cells.length}] ${task.name} ×${parallel} ${contender.label}: ${found.seconds}s`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.jobs) }, worker));
  return tasks.flatMap((task, t): TaskResult[] =>
    missing.has(t) ? [] : [{ task, parallel, regrets: regrets[t] as Regrets }],
  );
}

const at = (regrets: Regrets, label: string, budget: number) => regrets.get(label)?.get(budget) ?? [];

/** −1: a significantly lower (better) than b; +1: significantly higher; 0: no significant difference. */
function compare(a: number[], b: number[], alpha: number): -1 | 0 | 1 {
  if (a.length === 0 || b.length === 0) return 0;
  if (mannWhitneyU(a, b).p >= alpha) return 0;
  return mean(a) < mean(b) ? -1 : 1;
}

/** Averaged ranks (1 = lowest) of the values, ties sharing their mean rank. */
function ranks(values: number[]): number[] {
  return values.map((v) => {
    const below = values.filter((w) => w < v).length;
    const equal = values.filter((w) => w === v).length;
    return below + (equal + 1) / 2;
  });
}

function formatRegret(value: number): string {
  if (value === 0) return '0';
  if (Math.abs(value) >= 100 || Math.abs(value) < 0.001) return value.toExponential(2);
  return value.toPrecision(3);
}

/** The contenders that ran to this budget. */
const reaching = (contenders: Contender[], budget: number) =>
  contenders.filter((c) => (c.budgetCap ?? Infinity) >= budget);

function perTaskTable(results: TaskResult[], all: Contender[], budget: number, alpha: number): string[] {
  const contenders = reaching(all, budget);
  const header = ['task', ...contenders.map((c) => c.label)];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const { regrets, task } of results) {
    const cells = contenders.map((contender) => {
      const values = at(regrets, contender.label, budget);
      let mark = '';
      if (contender.peerLabel !== undefined && regrets.has(contender.peerLabel)) {
        const peer = at(regrets, contender.peerLabel, budget);
        const p = mannWhitneyU(values, peer).p;
        const verdict = compare(values, peer, alpha);
        mark = ` (p ${p < 0.001 ? '<0.001' : p.toFixed(3)}${verdict < 0 ? ' ▼' : verdict > 0 ? ' ▲' : ''})`;
      }
      return formatRegret(mean(values)) + mark;
    });
    lines.push(`| ${task.name} | ${cells.join(' | ')} |`);
  }
  return lines;
}

interface Aggregate {
  normalised: number;
  rank: number;
  vsPeer: [number, number];
  vsDefault: [number, number];
  vsRandom: [number, number];
  /** Against each of alsoVersus, by label. */
  vsOthers: Map<string, [number, number]>;
}

/** The alsoVersus references that take part at this budget, each a column of the aggregate. */
function referencesAmong(contenders: Contender[], options: Pick<SuiteOptions, 'alsoVersus'>): string[] {
  return (options.alsoVersus ?? []).filter((label) => contenders.some((c) => c.label === label));
}

export function aggregate(
  results: TaskResult[],
  all: Contender[],
  budget: number,
  options: Pick<SuiteOptions, 'peerDefault' | 'alsoVersus' | 'significance'>,
): Map<string, Aggregate> {
  const contenders = reaching(all, budget);
  const others = referencesAmong(contenders, options);
  const totals = new Map<string, Aggregate>(
    contenders.map((c) => [
      c.label,
      {
        normalised: 0,
        rank: 0,
        vsPeer: [0, 0],
        vsDefault: [0, 0],
        vsRandom: [0, 0],
        vsOthers: new Map(others.map((label) => [label, [0, 0] as [number, number]])),
      },
    ]),
  );
  const tally = (into: [number, number], verdict: number) => {
    if (verdict < 0) into[0]++;
    if (verdict > 0) into[1]++;
  };
  for (const { regrets, task } of results) {
    const means = contenders.map((c) => mean(at(regrets, c.label, budget)));
    const taskRanks = ranks(means);
    contenders.forEach((contender, i) => {
      const total = totals.get(contender.label) as Aggregate;
      const values = at(regrets, contender.label, budget);
      total.normalised += means[i] / task.scale / results.length;
      total.rank += taskRanks[i] / results.length;
      if (contender.peerLabel !== undefined)
        tally(total.vsPeer, compare(values, at(regrets, contender.peerLabel, budget), options.significance));
      if (options.peerDefault !== undefined && contender.label !== options.peerDefault)
        tally(total.vsDefault, compare(values, at(regrets, options.peerDefault, budget), options.significance));
      if (contender.label !== 'random')
        tally(total.vsRandom, compare(values, at(regrets, 'random', budget), options.significance));
      for (const [label, into] of total.vsOthers)
        if (label !== contender.label) tally(into, compare(values, at(regrets, label, budget), options.significance));
    });
  }
  return totals;
}

function aggregateTable(results: TaskResult[], all: Contender[], budget: number, options: SuiteOptions) {
  const contenders = reaching(all, budget);
  const totals = aggregate(results, contenders, budget, options);
  const wl = ([wins, losses]: [number, number]) => `${wins} / ${losses}`;
  // Without the peer (--peer off or Optuna missing) the comparisons with it stay empty.
  const hasPeer = options.peerDefault !== undefined;
  const others = referencesAmong(contenders, options);
  return [
    `| sampler | mean normalised regret | mean rank | better / worse than Optuna same mode | better / worse than ${options.peerDefault ?? 'Optuna default'} | ${others.map((label) => `better / worse than ${label} | `).join('')}better / worse than random |`,
    `|---|---|---|---|---|${'---|'.repeat(others.length)}---|`,
    ...contenders.map((c) => {
      const t = totals.get(c.label) as Aggregate;
      const vsPeer = c.peerLabel === undefined || !hasPeer ? '' : wl(t.vsPeer);
      const vsDefault = c.label === options.peerDefault || !hasPeer ? '' : wl(t.vsDefault);
      const vsOthers = others
        .map((label) => `${label === c.label ? '' : wl(t.vsOthers.get(label) ?? [0, 0])} | `)
        .join('');
      return `| ${c.label} | ${formatFixed(t.normalised, 4)} | ${formatFixed(t.rank, 2)} | ${vsPeer} | ${vsDefault} | ${vsOthers}${c.label === 'random' ? '' : wl(t.vsRandom)} |`;
    }),
  ];
}

/**
 * Runs the suite and returns the markdown: per mode and budget, the aggregate table, then the
 * per-task table (mean regret; ▼/▲: significantly lower/higher than Optuna's same mode).
 */
export async function runSuite(
  tasks: Task[],
  contendersOf: (parallel: number) => Contender[],
  options: SuiteOptions,
): Promise<string> {
  const out: string[] = [
    `Regret = noise-free value of the best observed trial − the optimum; ${options.seeds} seeds per cell;` +
      ` ${tasks.length} tasks; significance: two-sided Mann–Whitney U, p < ${options.significance}.`,
  ];
  for (const parallel of options.modes) {
    const contenders = contendersOf(parallel);
    const results = await runMode(tasks, parallel, contenders, options);
    const mode = parallel === 1 ? 'sequential' : `${parallel} trials in parallel`;
    const left = tasks.length - results.length;
    if (left > 0) out.push('', `${mode}: ${left} of ${tasks.length} tasks not yet in the record, left out.`);
    if (results.length === 0) continue;
    for (const budget of options.budgets) {
      out.push('', `### ${mode}, ${budget} trials: aggregate over ${results.length} tasks`, '');
      out.push(...aggregateTable(results, contenders, budget, options));
    }
    for (const budget of options.budgets) {
      out.push(
        '',
        `### ${mode}, ${budget} trials: mean regret per task (▼/▲ significantly lower/higher than Optuna's same mode)`,
        '',
      );
      out.push(...perTaskTable(results, contenders, budget, options.significance));
    }
  }
  return out.join('\n');
}
