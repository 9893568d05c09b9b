import type { TrialRecord, TrialState } from '../../../operator/src/trial-record.ts';
import type { PruneContext } from '../../../operator/src/pruner/pruner.ts';

/** A trial whose curve is `values[i]` at step `i + 1` (or at the given steps). */
export function trial(number: number, state: TrialState, values: number[], steps?: number[]): TrialRecord {
  return {
    number,
    params: {},
    state,
    value: state === 'complete' ? values.at(-1) : undefined,
    intermediate: values.map((value, i) => ({ step: steps?.[i] ?? i + 1, value })),
  };
}

/** The context for judging `running` at its last step. */
export function judge(
  running: TrialRecord,
  history: TrialRecord[],
  direction: 'minimize' | 'maximize' = 'minimize',
): PruneContext {
  const step = Math.max(...running.intermediate.map((point) => point.step));
  return { trial: running, step, history, direction, study: 'demo' };
}
