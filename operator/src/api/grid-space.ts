/**
 * Whether a search space can be gridded: every float needs a step, and the grid must stay small
 * enough to hold its shuffled order in memory. A spec rule (`lorahpo validate` reports it) that
 * the grid sampler relies on.
 */
import type { Issue } from '../errors.ts';
import type { Parameter } from './parameters.ts';

/** Larger grids are refused: the shuffled order is held in memory. */
export const MAX_GRID_POINTS = 1_000_000;

/** How many values a parameter takes on a grid; undefined for a continuous float. */
export function gridValueCount(param: Parameter): number | undefined {
  if (param.type === 'categorical') return param.values.length;
  const step = param.type === 'int' ? (param.step ?? 1) : param.step;
  if (step === undefined || step === 0) return undefined;
  return Math.round((param.max - param.min) / step) + 1;
}

/** Issues that keep a space from being gridded: continuous floats and oversized grids. */
export function checkGridSpace(space: readonly Parameter[], pathPrefix = 'parameters'): Issue[] {
  const issues: Issue[] = [];
  let size = 1;
  for (const param of space) {
    const count = gridValueCount(param);
    if (count === undefined) {
      issues.push({
        code: 'grid_needs_step',
        path: `${pathPrefix}[${param.name}].step`,
        message: 'is missing but grid sampling needs a step for every float parameter',
      });
    } else size *= count;
  }
  // NaN and Infinity (a range of 1e308 over a step of 1e-12) are too large as well.
  if (issues.length === 0 && !(size <= MAX_GRID_POINTS)) {
    const points = Number.isFinite(size) ? `${size}` : 'more than 1e308';
    issues.push({
      code: 'grid_too_large',
      path: pathPrefix,
      message: `grid has ${points} points but grid sampling allows at most ${MAX_GRID_POINTS}`,
    });
  }
  return issues;
}
