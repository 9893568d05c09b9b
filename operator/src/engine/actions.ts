/** What `plan` asks a runner to do. Runners apply actions idempotently (names are keys). */
import type { CompletionReason, StudyPhase } from '../api/study.ts';
import type { LoraTrial, TrialStatus } from '../api/trial.ts';
import type { Params } from '../api/parameters.ts';

/** Create this trial (the operator: LoraTrial then Job; locally: a child process). */
export interface StartAction {
  type: 'start';
  name: string;
  number: number;
  params: Params;
  seed: number;
  /** Trials numbered below this are the trial's whole history (see engine/history.ts). */
  historyCutoff: number;
  /** The LoraTrial to create, spec and Pending status filled in (owner references are the runner's). */
  trial: LoraTrial;
}

/** The pruner stopped this trial at `step`: write `status`, then stop its process/Job. */
export interface PruneAction {
  type: 'prune';
  name: string;
  number: number;
  step: number;
  value?: number;
  message: string;
  /** The trial's status from now on (trial-endings.ts): runners write it as it is. */
  status: TrialStatus;
}

/** The study is finishing (goal, timeout, failures): write `status`, then stop this running trial. */
export interface StopAction {
  type: 'stop';
  name: string;
  number: number;
  reason: CompletionReason;
  message: string;
  /** The trial's status from now on (trial-endings.ts): runners write it as it is. */
  status: TrialStatus;
}

/** The study is done; emitted on every plan once it is. */
export interface FinishAction {
  type: 'finish';
  reason: CompletionReason;
  phase: StudyPhase;
}

export type PlanAction = StartAction | PruneAction | StopAction | FinishAction;
