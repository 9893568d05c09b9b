/**
 * spec.warmStart in the engine. Enqueued parameter sets are tied to trial numbers (trial n takes
 * set n), so a restart that finds trial n recorded never tries set n again. The earlier studies'
 * trials come in as an argument (the runner reads them) and are turned into history afresh on
 * every plan, so nothing accumulates and nothing is counted twice.
 */
import type { Parameter, Params } from '../api/parameters.ts';
import type { StudySpec } from '../api/study.ts';
import type { LoraTrial } from '../api/trial.ts';
import { fitsSpace, type WarmStartStatus } from '../api/warm-start.ts';
import type { TrialRecord } from '../trial-record.ts';
import { toRecord } from './history.ts';

export interface WarmHistory {
  /** Complete and pruned trials of the earlier studies that fit the space, numbered −k … −1 (oldest evidence). */
  records: readonly TrialRecord[];
  /** Complete and pruned trials of those studies whose params do not fit the space. */
  skipped: number;
}

/** The parameter set enqueued for trial `number`, if any. */
export function enqueuedParams(spec: StudySpec, number: number): Params | undefined {
  return spec.warmStart?.parameters?.[number] as Params | undefined;
}

/**
 * The earlier studies' complete and pruned trials (with a value; failed ones teach the samplers
 * nothing) as history, as the sampler would see them in their own study (a pruned trial keeps its
 * curve), in the order of spec.warmStart.fromStudies and then by trial number, so the history is
 * the same whatever order they were read in.
 */
export function warmHistory(
  spec: StudySpec,
  study: string,
  space: readonly Parameter[],
  earlierTrials: readonly LoraTrial[],
): WarmHistory {
  // Never the study itself (validation refuses it; a spec from the API server may still say so).
  const studies = (spec.warmStart?.fromStudies ?? []).filter((name) => name !== study);
  const complete = earlierTrials
    .filter((trial) => studies.includes(trial.spec.study))
    .map((trial) => ({ study: studies.indexOf(trial.spec.study), record: toRecord(trial) }))
    .filter(({ record }) => (record.state === 'complete' || record.state === 'pruned') && Number.isFinite(record.value))
    .sort((a, b) => a.study - b.study || a.record.number - b.record.number);
  const fitting = complete.filter(({ record }) => fitsSpace(space, record.params));
  const records = fitting.map(({ record }, i) => Object.freeze({ ...record, number: i - fitting.length }));
  return { records: Object.freeze(records), skipped: complete.length - fitting.length };
}

/** status.warmStart, or undefined when the spec has no warm start. */
export function warmStartStatus(
  spec: StudySpec,
  trials: readonly LoraTrial[],
  history: WarmHistory,
): WarmStartStatus | undefined {
  if (spec.warmStart === undefined) return undefined;
  const enqueued = spec.warmStart.parameters?.length ?? 0;
  return {
    enqueued,
    enqueuedTried: trials.filter((trial) => trial.spec.number < enqueued).length,
    history: history.records.length,
    skipped: history.skipped,
  };
}
