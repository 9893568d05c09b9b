/**
 * The reconciler's view of the engine: given the study and its trials, what to do and what the
 * status is. The engine issue's `plan` is adapted to this shape in one place (planner-adapter.ts),
 * so the controller does not depend on its internals.
 */
import type { CompletionReason, LoraStudy, StudyStatus } from '../api/study.ts';
import type { LoraTrial } from '../api/trial.ts';
import type { Params } from '../api/parameters.ts';

export type PlanAction =
  | { type: 'startTrial'; number: number; params: Params; seed: number }
  | { type: 'pruneTrial'; name: string; step: number; value?: number; message?: string }
  | { type: 'finishStudy'; reason: CompletionReason; message?: string };

export interface Plan {
  actions: PlanAction[];
  status: StudyStatus;
}

export type Planner = (study: LoraStudy, trials: readonly LoraTrial[], nowMs: number) => Plan;
