/**
 * The reconciler's view of the engine: given the study and its trials, what to do and what the
 * status is. The engine issue's `plan` is adapted to this shape in one place (planner-adapter.ts),
 * so the controller does not depend on its internals.
 */
import type { CompletionReason, LoraStudy, StudyStatus } from '../api/study.ts';
import type { LoraTrial } from '../api/trial.ts';
import type { Params } from '../api/parameters.ts';

export type PlanAction =
  /** `trial`: the LoraTrial to create as the engine filled it in (spec, labels); owner added here. */
  | { type: 'startTrial'; number: number; params: Params; seed: number; trial?: LoraTrial }
  | { type: 'pruneTrial'; name: string; step: number; value?: number; message?: string }
  | { type: 'stopTrial'; name: string; reason: CompletionReason; message: string }
  | { type: 'finishStudy'; reason: CompletionReason; message?: string };

export interface Plan {
  actions: PlanAction[];
  status: StudyStatus;
  /** Plan again after this long even if nothing changes (the study's timeout). */
  requeueAfterMs?: number;
}

/** `study` has passed validation (checkStudyManifest). */
export type Planner = (study: LoraStudy, trials: readonly LoraTrial[], nowMs: number) => Plan;
