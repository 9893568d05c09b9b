/**
 * Kubernetes-style conditions. A condition's lastTransitionTime moves only when its status
 * changes, so a plan that changes nothing writes nothing new.
 */
import type { Condition } from '../api/common.ts';

export interface ConditionInput {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

export function setConditions(
  previous: readonly Condition[],
  next: readonly ConditionInput[],
  nowIso: string,
  generation?: number,
): Condition[] {
  return next.map((condition) => {
    const old = previous.find((candidate) => candidate.type === condition.type);
    const lastTransitionTime = old !== undefined && old.status === condition.status ? old.lastTransitionTime : nowIso;
    return {
      ...condition,
      lastTransitionTime,
      ...(generation === undefined ? {} : { observedGeneration: generation }),
    };
  });
}
