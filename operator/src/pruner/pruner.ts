/**
 * The pruner role (SAMPLER.md, Optuna semantics): given one running trial's curve up to `step`
 * and the history the decision may depend on, say whether to stop the trial. Pruners keep no
 * state: successive-halving rungs and hyperband brackets are derived from the history, so a
 * restarted operator decides the same.
 */
import type { Direction } from '../api/study.ts';
import type { TrialRecord } from '../trial-record.ts';

export interface PruneContext {
  /** The trial being judged; its curve holds only steps up to `step`. */
  trial: TrialRecord;
  /** The step being judged: the trial's last reported step. */
  step: number;
  /** The other trials the decision may depend on (never the judged trial itself). */
  history: readonly TrialRecord[];
  direction: Direction;
  /** The study's name (hyperband hashes it with the trial number). */
  study: string;
}

export interface Pruner {
  shouldPrune(context: PruneContext): boolean;
  /** Hyperband: the part of the history the sampler may see for trial `number`. */
  samplerHistory?(number: number, history: readonly TrialRecord[], study: string): TrialRecord[];
}

/** The curve's values as a step → value map, in step order. */
export function curveUpTo(trial: TrialRecord, step: number): readonly { step: number; value: number }[] {
  const curve = trial.intermediate;
  let isSortedAndWithin = true;
  for (let i = 0; i < curve.length && isSortedAndWithin; i += 1)
    isSortedAndWithin = curve[i].step <= step && (i === 0 || curve[i - 1].step < curve[i].step);
  if (isSortedAndWithin) return curve;
  return curve.filter((point) => point.step <= step).sort((a, b) => a.step - b.step);
}

/** The value a trial reported at `step`, if any. */
export function valueAt(trial: TrialRecord, step: number): number | undefined {
  return trial.intermediate.find((point) => point.step === step)?.value;
}

export function lastStep(trial: TrialRecord): number | undefined {
  let last: number | undefined;
  for (const point of trial.intermediate) if (last === undefined || point.step > last) last = point.step;
  return last;
}

/**
 * Optuna's `_is_first_in_interval_step`: true when `step` is the first reported step at or after
 * the latest interval boundary, so a pruner checks once per interval even with irregular steps.
 */
export function isFirstInInterval(
  step: number,
  steps: readonly number[],
  warmupSteps: number,
  intervalSteps: number,
): boolean {
  const nearestBoundary = Math.floor((step - warmupSteps) / intervalSteps) * intervalSteps + warmupSteps;
  let secondLast = -1;
  for (const other of steps) if (other > secondLast && other !== step) secondLast = other;
  return secondLast < nearestBoundary;
}

/** A trial that is a candidate for comparisons: finished with a value. */
export function isComplete(trial: TrialRecord): boolean {
  return trial.state === 'complete';
}

/** The lowest-numbered complete trial: a stable, restart-safe reference for "auto" settings. */
export function firstComplete(history: readonly TrialRecord[]): TrialRecord | undefined {
  let first: TrialRecord | undefined;
  for (const trial of history)
    if (isComplete(trial) && (first === undefined || trial.number < first.number)) first = trial;
  return first;
}
