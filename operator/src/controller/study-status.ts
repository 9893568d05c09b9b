/**
 * Merging the engine's status into the study's: conditions keep their lastTransitionTime while
 * their status holds (so an unchanged study writes nothing), start and completion times stay
 * as first written, and the operator's own conditions (Valid, SpecAccepted) are added.
 */
import type { Condition } from '../api/common.ts';
import type { LoraStudy, StudyStatus } from '../api/study.ts';
import { READINESS_CONDITION_TYPES, readinessConditions } from '../engine/readiness.ts';

export function mergeConditions(previous: readonly Condition[] | undefined, next: readonly Condition[]): Condition[] {
  return next.map((condition) => {
    const old = previous?.find((candidate) => candidate.type === condition.type);
    return old && old.status === condition.status
      ? { ...condition, lastTransitionTime: old.lastTransitionTime }
      : condition;
  });
}

export function setCondition(conditions: readonly Condition[], condition: Condition): Condition[] {
  return [...conditions.filter((existing) => existing.type !== condition.type), condition];
}

export function condition(
  type: string,
  isTrue: boolean,
  reason: string,
  message: string,
  nowMs: number,
  generation?: number,
): Condition {
  return {
    type,
    status: isTrue ? 'True' : 'False',
    reason,
    message,
    lastTransitionTime: new Date(nowMs).toISOString(),
    ...(generation === undefined ? {} : { observedGeneration: generation }),
  };
}

/** The status to write: the engine's, with the operator's conditions and stable timestamps. */
export function desiredStudyStatus(
  study: LoraStudy,
  planned: StudyStatus,
  extra: readonly import('../api/common.ts').Condition[],
): StudyStatus {
  const previous = study.status;
  let conditions = planned.conditions ?? [];
  for (const own of extra) conditions = setCondition(conditions, own);
  const status: StudyStatus = {
    ...planned,
    conditions: mergeConditions(previous?.conditions, conditions),
    observedGeneration: study.metadata.generation,
  };
  if (previous?.startTime) status.startTime = previous.startTime;
  if (previous?.completionTime && isFinished(previous) && isFinished(status))
    status.completionTime = previous.completionTime;
  return status;
}

/**
 * The status of a study whose spec is invalid: Valid=False with the issues, Ready=False and
 * Stalled=True (readiness.ts), the spec generation it was judged at; the rest stays as it was.
 */
export function invalidSpecStatus(
  previous: StudyStatus | undefined,
  message: string,
  nowMs: number,
  generation?: number,
): StudyStatus {
  const phase = previous?.phase ?? 'Pending';
  const replaced = new Set<string>(['Valid', ...READINESS_CONDITION_TYPES]);
  const readiness = readinessConditions({ phase, message, isInvalid: true }).map((c) =>
    condition(c.type, c.status === 'True', c.reason, c.message, nowMs, generation),
  );
  const own = [condition('Valid', false, 'SpecInvalid', message, nowMs, generation), ...readiness];
  const conditions = [...(previous?.conditions ?? []).filter((c) => !replaced.has(c.type)), ...own];
  return {
    ...(previous ?? { conditions: [] }),
    phase,
    conditions: mergeConditions(previous?.conditions, conditions),
    ...(generation === undefined ? {} : { observedGeneration: generation }),
  };
}

export function isFinished(status: StudyStatus | undefined): boolean {
  return status?.phase === 'Succeeded' || status?.phase === 'Failed';
}
