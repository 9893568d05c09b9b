/**
 * The conditions generic tools read to tell whether a study is done: kstatus (Flux's health
 * checks, `kubectl wait`, cli-utils), Argo CD's health script (deploy/argocd/health.lua) and
 * people. `Ready` is the normal-true summary: True only once the study has succeeded. kstatus
 * itself reads the abnormal-true pair, so they are set while they hold and left out otherwise:
 * `Reconciling` while trials are still to run (kstatus: InProgress), `Stalled` when the study
 * failed or its spec is invalid (kstatus: Failed), nothing once it succeeded (kstatus: Current,
 * given status.observedGeneration equals metadata.generation).
 */
import type { StudyPhase } from '../api/study.ts';
import type { ConditionInput } from './conditions.ts';

export interface Readiness {
  phase: StudyPhase;
  /** One CamelCase word: the completion reason, or why the study cannot go on (SpecInvalid). */
  reason?: string;
  message: string;
  /** The spec failed validation: nothing runs until it is fixed. */
  isInvalid?: boolean;
}

export const READINESS_CONDITION_TYPES = ['Ready', 'Reconciling', 'Stalled'] as const;

export function readinessConditions(state: Readiness): ConditionInput[] {
  const { phase, message } = state;
  const notReady = (reason: string, abnormal: 'Reconciling' | 'Stalled'): ConditionInput[] => [
    { type: 'Ready', status: 'False', reason, message },
    { type: abnormal, status: 'True', reason, message },
  ];
  if (state.isInvalid) return notReady(state.reason ?? 'SpecInvalid', 'Stalled');
  if (phase === 'Succeeded') return [{ type: 'Ready', status: 'True', reason: state.reason ?? 'Succeeded', message }];
  if (phase === 'Failed') return notReady(state.reason ?? 'Failed', 'Stalled');
  return notReady(phase === 'Running' ? 'TrialsRunning' : 'Pending', 'Reconciling');
}
