/**
 * What the pruner compared a trial against, redrawn from the study's pruner settings and the
 * other trials' curves: the percentile (median) of the complete trials' values at each step, or
 * the successive-halving rungs. It mirrors the pruners' rules for display only (with their percentile
 * and defaults); the decisions themselves stay in operator/src/pruner. Pure.
 */
import { defaultPercentileOptions } from '../api/pruner-defaults.ts';
import type { Direction, PrunerSpec } from '../api/study.ts';
import { percentileOfSorted } from '../pruner/percentile-pruner.ts';

export interface ReferenceCurve {
  step: number;
  value: number;
}

export interface CurveTrial {
  number: number;
  /** Succeeded or EarlyStopped: the trials a percentile pruner compares against. */
  isComplete: boolean;
  completionTime?: string;
  points: readonly ReferenceCurve[];
}

export interface PruneComparison {
  /** What the trial was judged against, e.g. "median of 6 complete trials at step 20". */
  against: string;
  /** The threshold it was worse than, where the rule has one. */
  threshold?: number;
}

/** The pruner as it acts: a patient pruner's comparison is its wrapped one's. */
function actingPruner(pruner: PrunerSpec): PrunerSpec {
  return pruner.algorithm === 'patient' && pruner.wrapped ? { ...pruner.wrapped } : pruner;
}

/** The percentile the pruner cuts at, in the objective's order; undefined for other pruners. */
export function cutPercentile(pruner: PrunerSpec, direction: Direction): number | undefined {
  const acting = actingPruner(pruner);
  // The pruner's own defaults: median is the percentile pruner at its default percentile.
  const { percentile: fallback } = defaultPercentileOptions();
  const percentile =
    acting.algorithm === 'median'
      ? fallback
      : acting.algorithm === 'percentile'
        ? (acting.percentile ?? fallback)
        : undefined;
  if (percentile === undefined) return undefined;
  return direction === 'maximize' ? 100 - percentile : percentile;
}

function valuesAtStep(trials: readonly CurveTrial[]): Map<number, number[]> {
  const byStep = new Map<number, number[]>();
  for (const trial of trials) {
    for (const point of trial.points) {
      if (!Number.isFinite(point.value)) continue;
      const values = byStep.get(point.step);
      if (values) values.push(point.value);
      else byStep.set(point.step, [point.value]);
    }
  }
  for (const values of byStep.values()) values.sort((a, b) => a - b);
  return byStep;
}

/** The percentile pruner's line over all complete trials, per step; empty for other pruners. */
export function percentileLine(
  pruner: PrunerSpec,
  direction: Direction,
  trials: readonly CurveTrial[],
): ReferenceCurve[] {
  const percentile = cutPercentile(pruner, direction);
  if (percentile === undefined) return [];
  const byStep = valuesAtStep(trials.filter((trial) => trial.isComplete));
  return [...byStep.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([step, values]) => ({ step, value: percentileOfSorted(values, percentile) }));
}

/** Successive-halving rung steps up to `maxStep` (asha and hyperband with a known minResource). */
export function rungSteps(pruner: PrunerSpec, maxStep: number): number[] {
  const acting = actingPruner(pruner);
  if ((acting.algorithm !== 'asha' && acting.algorithm !== 'hyperband') || acting.minResource === undefined) return [];
  const eta = acting.reductionFactor ?? (acting.algorithm === 'asha' ? 4 : 3);
  const steps: number[] = [];
  for (let step = acting.minResource * eta ** (acting.minEarlyStoppingRate ?? 0); step <= maxStep; step *= eta)
    steps.push(step);
  return steps;
}

/** Why a trial pruned at `step` was stopped, judged against the trials complete before it ended. */
export function pruneComparison(
  pruner: PrunerSpec,
  direction: Direction,
  pruned: CurveTrial,
  step: number,
  others: readonly CurveTrial[],
): PruneComparison {
  const acting = actingPruner(pruner);
  const percentile = cutPercentile(pruner, direction);
  if (percentile !== undefined) {
    const before = others.filter(
      (other) => other.isComplete && other.number !== pruned.number && endedBefore(other, pruned),
    );
    const values = before.flatMap((other) => valueAt(other, step)).sort((a, b) => a - b);
    const name = acting.algorithm === 'median' ? 'median' : `${acting.percentile ?? 25}th percentile`;
    const threshold = percentileOfSorted(values, percentile);
    return {
      against: `${name} of ${values.length} complete trials at step ${step}`,
      ...(Number.isFinite(threshold) ? { threshold } : {}),
    };
  }
  if (acting.algorithm === 'asha' || acting.algorithm === 'hyperband') {
    const rung = rungSteps(pruner, step).at(-1);
    const eta = acting.reductionFactor ?? (acting.algorithm === 'asha' ? 4 : 3);
    return {
      against: `${acting.algorithm} rung${rung === undefined ? '' : ` at step ${rung}`}: not in the top 1/${eta}`,
    };
  }
  if (acting.algorithm === 'threshold') {
    const bounds = [
      acting.lower === undefined ? '' : `below ${acting.lower}`,
      acting.upper === undefined ? '' : `above ${acting.upper}`,
    ];
    return { against: `threshold: ${bounds.filter(Boolean).join(' or ') || 'NaN'}` };
  }
  return { against: `${pruner.algorithm} pruner` };
}

function valueAt(trial: CurveTrial, step: number): number[] {
  const point = trial.points.find((candidate) => candidate.step === step);
  return point !== undefined && Number.isFinite(point.value) ? [point.value] : [];
}

/** Ended before the other trial ended (no times known: counted, as at report time). */
function endedBefore(other: CurveTrial, trial: CurveTrial): boolean {
  if (other.completionTime === undefined || trial.completionTime === undefined) return true;
  return other.completionTime <= trial.completionTime;
}
