/**
 * Grid search: every combination of the allowed values (categorical values, stepped floats,
 * ints), visited in a seeded shuffled order. Which points are taken is read from the history
 * (running, complete and pruned trials; a failed point may be tried again), so it survives
 * restarts and works with any number of parallel asks.
 */
import { LorahpoError, SpecInvalidError } from '../errors.ts';
import type { Parameter, Params, ParamValue } from '../api/parameters.ts';
import type { TrialRecord } from '../trial-record.ts';
import { fromInternal, toDomain } from './domain.ts';
import { trialRng } from './rng.ts';
import type { SampleContext, Sampler } from './sampler.ts';
import { checkGridSpace, gridValueCount } from '../api/grid-space.ts';

const SHUFFLE_PURPOSE = 0x67726964;

function allowedValues(param: Parameter): ParamValue[] | undefined {
  if (param.type === 'categorical') return [...param.values];
  const count = gridValueCount(param);
  const domain = toDomain(param);
  if (count === undefined || domain.kind !== 'numeric') return undefined;
  return Array.from({ length: count }, (_, index) =>
    fromInternal({ ...domain, isLog: false }, domain.min + index * domain.step),
  );
}

interface Grid {
  readonly values: ParamValue[][];
  readonly order: Uint32Array;
}

export class GridSampler implements Sampler {
  private readonly seed: number;
  private cachedKey = '';
  private cachedGrid: Grid | undefined;

  constructor(seed: number) {
    this.seed = seed;
  }

  sample(context: SampleContext): Params {
    const grid = this.grid(context.space);
    const taken = takenPoints(context.space, grid, context.trials);
    for (const point of grid.order) {
      if (!taken.has(point)) return pointParams(context.space, grid, point);
    }
    throw new LorahpoError(
      'LORAHPO_GRID_EXHAUSTED',
      `every one of the ${grid.order.length} grid points has been tried or is running`,
      { hint: 'the study is complete; widen the space or pick another sampler to go on' },
    );
  }

  isExhausted(space: readonly Parameter[], trials: readonly TrialRecord[]): boolean {
    const grid = this.grid(space);
    return takenPoints(space, grid, trials).size >= grid.order.length;
  }

  /** The grid and its shuffled order depend only on (space, seed); kept for the next call. */
  private grid(space: readonly Parameter[]): Grid {
    const key = JSON.stringify(space);
    if (this.cachedGrid !== undefined && key === this.cachedKey) return this.cachedGrid;
    const issues = checkGridSpace(space);
    if (issues.length > 0) {
      throw new SpecInvalidError('search space cannot be gridded:', issues, 'LORAHPO_SEARCH_SPACE_INVALID');
    }
    const values = space.map((param) => allowedValues(param) as ParamValue[]);
    const size = values.reduce((product, list) => product * list.length, 1);
    this.cachedGrid = { values, order: shuffledOrder(size, this.seed) };
    this.cachedKey = key;
    return this.cachedGrid;
  }
}

function shuffledOrder(size: number, seed: number): Uint32Array {
  const order = new Uint32Array(size);
  for (let i = 0; i < size; i++) order[i] = i;
  const rng = trialRng(seed, 0, SHUFFLE_PURPOSE);
  for (let i = size - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const swap = order[i];
    order[i] = order[j];
    order[j] = swap;
  }
  return order;
}

/** Mixed-radix index of a trial's point, or -1 when its params are not a point of this grid. */
function pointIndex(space: readonly Parameter[], grid: Grid, params: Params): number {
  let index = 0;
  for (let d = 0; d < space.length; d++) {
    const position = grid.values[d].indexOf(params[space[d].name]);
    if (position < 0) return -1;
    index = index * grid.values[d].length + position;
  }
  return index;
}

function takenPoints(space: readonly Parameter[], grid: Grid, trials: readonly TrialRecord[]): Set<number> {
  const taken = new Set<number>();
  for (const trial of trials) {
    if (trial.state === 'failed') continue;
    const index = pointIndex(space, grid, trial.params);
    if (index >= 0) taken.add(index);
  }
  return taken;
}

function pointParams(space: readonly Parameter[], grid: Grid, point: number): Params {
  const params: Params = {};
  for (let d = space.length - 1; d >= 0; d--) {
    const radix = grid.values[d].length;
    params[space[d].name] = grid.values[d][point % radix];
    point = Math.floor(point / radix);
  }
  const ordered: Params = {};
  for (const param of space) ordered[param.name] = params[param.name];
  return ordered;
}
