/**
 * Warm starts of the ask-and-tell study: parameter sets to try first (Optuna's `enqueue_trial`)
 * and finished trials of earlier studies over the same space, given to the sampler as history.
 * Both live in the study's configuration, not in its records, so `Study.fromTrials` with the same
 * configuration continues exactly where the live study was (trial n < enqueue.length takes
 * enqueue[n]; the history is the same every time).
 */
import type { Issue } from '../errors.ts';
import type { Parameter, Params } from '../api/parameters.ts';
import { checkParamSet } from '../api/warm-start.ts';
import type { TrialRecord } from '../trial-record.ts';

export interface WarmStart {
  /** Parameter sets the first trials take, in order; each names every parameter of the space. */
  enqueue?: Params[];
  /** Finished trials of earlier studies (complete, with their objective value). */
  history?: { params: Params; value: number }[];
}

/** A set must name every parameter (a LoraStudy's may leave some to the sampler; api/warm-start.ts). */
function checkParams(space: readonly Parameter[], params: Params, path: string): Issue[] {
  const missing = space
    .filter((param) => !Object.hasOwn(params ?? {}, param.name))
    .map((param) => ({
      code: 'warm_start_value',
      path: `${path}.${param.name}`,
      message: 'is missing but every parameter needs a value here',
    }));
  return [...checkParamSet(space, params ?? {}, path), ...missing];
}

/** Every issue of a warm start against a parsed space (paths under `warmStart`). */
export function checkWarmStart(space: readonly Parameter[], warmStart: WarmStart | undefined): Issue[] {
  if (warmStart === undefined) return [];
  const issues: Issue[] = [];
  (warmStart.enqueue ?? []).forEach((params, i) => {
    issues.push(...checkParams(space, params, `warmStart.enqueue[${i}]`));
  });
  (warmStart.history ?? []).forEach((trial, i) => {
    issues.push(...checkParams(space, trial.params, `warmStart.history[${i}].params`));
    if (typeof trial.value !== 'number' || !Number.isFinite(trial.value)) {
      issues.push({
        code: 'warm_start_value',
        path: `warmStart.history[${i}].value`,
        message: `is ${JSON.stringify(trial.value)} but must be a finite number`,
      });
    }
  });
  return issues;
}

/**
 * The history as frozen complete records numbered −k … −1: older than every trial of this study,
 * so samplers that weigh by age (TPE) treat it as the oldest evidence.
 */
export function warmHistory(warmStart: WarmStart | undefined): readonly TrialRecord[] {
  const history = warmStart?.history ?? [];
  return Object.freeze(
    history.map((trial, i) =>
      Object.freeze({
        number: i - history.length,
        params: Object.freeze({ ...trial.params }),
        state: 'complete' as const,
        value: trial.value,
        intermediate: Object.freeze([]) as unknown as TrialRecord['intermediate'],
      }),
    ),
  );
}
