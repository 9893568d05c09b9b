/**
 * A parameter in the samplers' internal space. Log parameters live on the log scale; stepped
 * floats and ints widen their bounds by half a step on each side (before the log), so each
 * allowed value owns an interval of equal prior mass and rounding a continuous draw is unbiased.
 */
import type { Parameter, ParamValue } from '../api/parameters.ts';

export interface NumericDomain {
  readonly kind: 'numeric';
  readonly name: string;
  /** Internal bounds, widened by half a step for discrete parameters. */
  readonly low: number;
  readonly high: number;
  readonly isLog: boolean;
  readonly isInt: boolean;
  /** 0 for a continuous parameter, else the step between allowed values (in the user's units). */
  readonly step: number;
  readonly min: number;
  readonly max: number;
}

export interface CategoricalDomain {
  readonly kind: 'categorical';
  readonly name: string;
  readonly values: readonly ParamValue[];
}

export type Domain = NumericDomain | CategoricalDomain;

function numericDomain(param: Extract<Parameter, { type: 'float' | 'int' }>): NumericDomain {
  const step = param.type === 'int' ? (param.step ?? 1) : (param.step ?? 0);
  const half = step / 2;
  const toScale = param.log ? Math.log : (x: number) => x;
  return Object.freeze({
    kind: 'numeric' as const,
    name: param.name,
    low: toScale(param.min - half),
    high: toScale(param.max + half),
    isLog: param.log,
    isInt: param.type === 'int',
    step,
    min: param.min,
    max: param.max,
  });
}

/** The internal description of a parsed parameter. */
export function toDomain(param: Parameter): Domain {
  if (param.type === 'categorical') {
    return Object.freeze({ kind: 'categorical' as const, name: param.name, values: param.values });
  }
  return numericDomain(param);
}

/** Tolerance when checking that a stored value still lies in (a possibly edited) space. */
const BOUND_TOLERANCE = 1e-9;

/**
 * A stored value in internal coordinates, or NaN when it is not a value of this domain (wrong
 * type, out of bounds): such observations are skipped. Categorical values map to their index.
 */
export function toInternal(domain: Domain, value: ParamValue | undefined): number {
  if (domain.kind === 'categorical') {
    const index = domain.values.indexOf(value as ParamValue);
    return index < 0 ? Number.NaN : index;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return Number.NaN;
  const slack = BOUND_TOLERANCE * Math.max(1, Math.abs(domain.max - domain.min));
  if (value < domain.min - slack || value > domain.max + slack) return Number.NaN;
  return domain.isLog ? Math.log(value) : value;
}

/** Rounds away floating-point noise such as 0.30000000000000004 from stepped floats. */
function cleanFloat(value: number): number {
  return Number.parseFloat(value.toPrecision(14));
}

/** The user-facing value of an internal coordinate: undoes the log, snaps to the step, clamps. */
export function fromInternal(domain: NumericDomain, x: number): number {
  const raw = domain.isLog ? Math.exp(x) : x;
  if (domain.step === 0) return Math.min(domain.max, Math.max(domain.min, raw));
  const count = Math.round((domain.max - domain.min) / domain.step);
  const index = Math.min(count, Math.max(0, Math.round((raw - domain.min) / domain.step)));
  const value = domain.min + index * domain.step;
  return domain.isInt ? Math.round(value) : cleanFloat(value);
}

/** Snaps an internal coordinate to the internal coordinate of the nearest allowed value. */
export function snapInternal(domain: NumericDomain, x: number): number {
  if (domain.step === 0) return Math.min(domain.high, Math.max(domain.low, x));
  const value = fromInternal(domain, x);
  return domain.isLog ? Math.log(value) : value;
}

/**
 * The internal interval owned by the allowed value at internal coordinate x (discrete domains):
 * [value − step/2, value + step/2], on the log scale for log ints. Writes [lower, upper] to out.
 */
export function valueInterval(domain: NumericDomain, x: number, out: Float64Array, at: number): void {
  const value = domain.isLog ? Math.round(Math.exp(x)) : x;
  const half = domain.step / 2;
  out[at] = domain.isLog ? Math.log(value - half) : value - half;
  out[at + 1] = domain.isLog ? Math.log(value + half) : value + half;
}
