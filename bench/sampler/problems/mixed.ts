/** Mixed spaces: ints, log-scaled floats, stepped floats, categoricals, and their interactions. */
import type { ParameterInput, Params } from '../../../operator/src/index.ts';
import { num, type Problem } from './problem.ts';

const intsAndFloats: Problem = {
  name: 'Ints and floats 6D',
  family: 'mixed',
  space: [
    { name: 'x1', type: 'float', min: -5, max: 5 },
    { name: 'x2', type: 'float', min: -5, max: 5 },
    { name: 'x3', type: 'float', min: -5, max: 5 },
    { name: 'n1', type: 'int', min: -10, max: 10 },
    { name: 'n2', type: 'int', min: -10, max: 10 },
    { name: 'n3', type: 'int', min: -10, max: 10 },
  ],
  f(p) {
    return (
      (num(p, 'x1') - 1.7) ** 2 +
      (num(p, 'x2') + 3.1) ** 2 +
      (num(p, 'x3') - 0.4) ** 2 +
      0.5 * ((num(p, 'n1') - 3) ** 2 + (num(p, 'n2') + 7) ** 2 + (num(p, 'n3') - 6) ** 2)
    );
  },
  optimum: { params: { x1: 1.7, x2: -3.1, x3: 0.4, n1: 3, n2: -7, n3: 6 }, value: 0 },
};

const LOG_WEIGHTS = [1, 0.5, 2, 0.1];
const LOG_CENTRES = [-4.3, -2, -5.1, -0.7];

const logFloats: Problem = {
  name: 'Log-scaled floats 4D',
  family: 'mixed',
  space: LOG_WEIGHTS.map((_, i) => ({ name: `p${i + 1}`, type: 'float' as const, min: 1e-6, max: 1, log: true })),
  f: (p) => LOG_WEIGHTS.reduce((t, w, i) => t + w * (Math.log10(num(p, `p${i + 1}`)) - LOG_CENTRES[i]) ** 2, 0),
  optimum: { params: Object.fromEntries(LOG_CENTRES.map((c, i) => [`p${i + 1}`, 10 ** c])), value: 0 },
};

/** Each optimiser has its own best (x1, x2) and its own floor: the categorical decides where to look. */
const BASINS: Record<string, { floor: number; centre: [number, number] }> = {
  adamw: { floor: 0.1, centre: [0.2, 0.7] },
  sgd: { floor: 0.3, centre: [0.8, 0.8] },
  lion: { floor: 0, centre: [0.65, 0.15] },
  adafactor: { floor: 0.2, centre: [0.35, 0.3] },
};

const categoricalBasins: Problem = {
  name: 'Categorical picks the basin',
  family: 'mixed',
  space: [
    { name: 'optimizer', type: 'categorical', values: Object.keys(BASINS) },
    { name: 'x1', type: 'float', min: 0, max: 1 },
    { name: 'x2', type: 'float', min: 0, max: 1 },
    { name: 'k', type: 'int', min: 1, max: 16 },
  ],
  f(p) {
    const basin = BASINS[p.optimizer as string];
    return (
      basin.floor +
      4 * ((num(p, 'x1') - basin.centre[0]) ** 2 + (num(p, 'x2') - basin.centre[1]) ** 2) +
      0.01 * (num(p, 'k') - 11) ** 2
    );
  },
  optimum: { params: { optimizer: 'lion', x1: 0.65, x2: 0.15, k: 11 }, value: 0 },
};

const steppedAndLogInts: Problem = {
  name: 'Stepped floats and log ints',
  family: 'mixed',
  space: [
    { name: 'batch', type: 'int', min: 1, max: 1024, log: true },
    { name: 's', type: 'float', min: 0, max: 1, step: 0.05 },
    { name: 'k', type: 'int', min: 1, max: 20 },
    { name: 'flag', type: 'categorical', values: [true, false] },
  ],
  f(p) {
    // Without the flag the best k moves: the categorical interacts with an int.
    const bestK = p.flag === true ? 13 : 5;
    return (
      0.3 * Math.log2(num(p, 'batch') / 80) ** 2 +
      4 * (num(p, 's') - 0.35) ** 2 +
      0.02 * (num(p, 'k') - bestK) ** 2 +
      (p.flag === true ? 0 : 0.25)
    );
  },
  optimum: { params: { batch: 80, s: 0.35, k: 13, flag: true }, value: 0 },
};

/** Six categoricals with fixed costs per value, and a pairwise interaction between the first two. */
const CATEGORY_COSTS: number[][] = [
  [0.3, 0.1, 0.5, 0.2],
  [0.4, 0.0, 0.2, 0.6, 0.3],
  [0.2, 0.0, 0.1],
  [0.5, 0.3, 0.4, 0.0, 0.2, 0.6],
  [0.1, 0.3, 0.0, 0.2],
  [0.0, 0.2, 0.4],
];
/** cost(a, b) interaction: the independently best pair (1, 1) is not the best pair. */
const PAIR_BONUS = (a: number, b: number) => (a === 2 && b === 3 ? -0.9 : a === 1 && b === 1 ? 0.2 : 0);

const categoricalSpace: ParameterInput[] = CATEGORY_COSTS.map((costs, i) => ({
  name: `c${i + 1}`,
  type: 'categorical',
  values: costs.map((_, j) => `v${j}`),
}));

function categoricalCost(indices: number[]): number {
  return indices.reduce((t, j, i) => t + CATEGORY_COSTS[i][j], 0) + PAIR_BONUS(indices[0], indices[1]);
}

const indicesOf = (p: Params) => CATEGORY_COSTS.map((_, i) => Number((p[`c${i + 1}`] as string).slice(1)));

/** Exhaustive search (4320 points) for the optimum, so the table cannot be wrong about it. */
function categoricalOptimum(): { params: Params; value: number } {
  let best = { indices: [] as number[], value: Infinity };
  const walk = (prefix: number[]) => {
    if (prefix.length === CATEGORY_COSTS.length) {
      const value = categoricalCost(prefix);
      if (value < best.value) best = { indices: [...prefix], value };
      return;
    }
    for (let j = 0; j < CATEGORY_COSTS[prefix.length].length; j++) walk([...prefix, j]);
  };
  walk([]);
  return { params: Object.fromEntries(best.indices.map((j, i) => [`c${i + 1}`, `v${j}`])), value: best.value };
}

const categoricalsOnly: Problem = {
  name: 'Six categoricals with an interaction',
  family: 'mixed',
  space: categoricalSpace,
  f: (p) => categoricalCost(indicesOf(p)),
  optimum: categoricalOptimum(),
};

export const MIXED: Problem[] = [intsAndFloats, logFloats, categoricalBasins, steppedAndLogInts, categoricalsOnly];
