/**
 * The contour plot's surface for two parameters: the objective on a grid, smoothed from the
 * trials by a Gaussian kernel (Nadaraya–Watson) in the parameters' unit scale, so the plot shows
 * where good values lie without a fitted model. Categorical axes keep their values as cells and
 * only pool trials of the same value. Pure.
 */
import type { Parameter, ParamValue } from '../api/parameters.ts';
import { type ImportanceTrial, unitScale } from './ped-anova.ts';

export interface SurfaceAxis {
  name: string;
  /** The cells' labels (numbers as the parameter's values, categories as written). */
  labels: string[];
  /** Each cell's position in unit scale (categorical: its index). */
  positions: number[];
  isCategorical: boolean;
}

export interface ContourSurface {
  x: SurfaceAxis;
  y: SurfaceAxis;
  /** [xIndex, yIndex, value] for every cell. */
  cells: [number, number, number][];
  /** The trials on the same grid: [xIndex, yIndex, value, trial number]. */
  points: [number, number, number, number][];
}

const NUMERIC_CELLS = 24;
/** Kernel width in unit scale: about a sixth of the axis. */
const BANDWIDTH = 0.15;

export function contourSurface(
  xParameter: Parameter,
  yParameter: Parameter,
  trials: readonly (ImportanceTrial & { number: number })[],
): ContourSurface | undefined {
  const x = axisOf(xParameter);
  const y = axisOf(yParameter);
  const placed = trials.flatMap((trial) => {
    const px = positionOf(xParameter, trial.params[xParameter.name]);
    const py = positionOf(yParameter, trial.params[yParameter.name]);
    return px === undefined || py === undefined || !Number.isFinite(trial.value) ? [] : [{ px, py, trial }];
  });
  if (placed.length === 0) return undefined;
  const cells: [number, number, number][] = [];
  for (let i = 0; i < x.positions.length; i += 1) {
    for (let j = 0; j < y.positions.length; j += 1) {
      let weights = 0;
      let sum = 0;
      for (const { px, py, trial } of placed) {
        const weight = kernel(x, px, x.positions[i]) * kernel(y, py, y.positions[j]);
        weights += weight;
        sum += weight * trial.value;
      }
      if (weights > 1e-12) cells.push([i, j, sum / weights]);
    }
  }
  const points = placed.map(({ px, py, trial }): [number, number, number, number] => [
    nearest(x, px),
    nearest(y, py),
    trial.value,
    trial.number,
  ]);
  return { x, y, cells, points };
}

function axisOf(parameter: Parameter): SurfaceAxis {
  if (parameter.type === 'categorical') {
    return {
      name: parameter.name,
      labels: parameter.values.map(String),
      positions: parameter.values.map((_, i) => i),
      isCategorical: true,
    };
  }
  const positions = Array.from({ length: NUMERIC_CELLS }, (_, i) => i / (NUMERIC_CELLS - 1));
  return {
    name: parameter.name,
    labels: positions.map((u) => formatNumber(fromUnit(parameter, u))),
    positions,
    isCategorical: false,
  };
}

function positionOf(parameter: Parameter, value: unknown): number | undefined {
  if (parameter.type !== 'categorical') return unitScale(parameter, value);
  const index = parameter.values.indexOf(value as ParamValue);
  return index < 0 ? undefined : index;
}

function kernel(axis: SurfaceAxis, at: number, cell: number): number {
  if (axis.isCategorical) return at === cell ? 1 : 0;
  return Math.exp(-0.5 * ((at - cell) / BANDWIDTH) ** 2);
}

function nearest(axis: SurfaceAxis, position: number): number {
  if (axis.isCategorical) return position;
  return Math.round(position * (axis.positions.length - 1));
}

function fromUnit(parameter: Exclude<Parameter, { type: 'categorical' }>, u: number): number {
  if (!parameter.log) return parameter.min + u * (parameter.max - parameter.min);
  return 10 ** (Math.log10(parameter.min) + u * (Math.log10(parameter.max) - Math.log10(parameter.min)));
}

function formatNumber(value: number): string {
  return String(Number(value.toPrecision(3)));
}
