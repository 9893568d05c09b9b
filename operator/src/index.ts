// The package's public surface. Each area adds its exports here.
export * from './errors.ts';
export * from './api/parameters.ts';
export type { TrialRecord, TrialState, IntermediateValue } from './trial-record.ts';
// Samplers and the ask-and-tell study.
export { Study, type StudyConfig, type AskedTrial, type TellOutcome } from './study/study.ts';
export type { WarmStart } from './study/warm-start.ts';
export { checkSearchSpace, parseSearchSpace, formatNumber } from './api/search-space.ts';
export { checkGridSpace, gridValueCount, MAX_GRID_POINTS } from './api/grid-space.ts';
export * from './api/sampler-spec.ts';
export type { Sampler, SampleContext } from './sampler/sampler.ts';
export { createSampler } from './sampler/create-sampler.ts';
export { RandomSampler } from './sampler/random.ts';
export { GridSampler } from './sampler/grid.ts';
export { GpSampler, type GpSamplerOptions } from './sampler/gp/gp-sampler.ts';
export { TpeSampler, type TpeSamplerOptions } from './sampler/tpe/tpe-sampler.ts';
export { trialRng, type Rng } from './sampler/rng.ts';
// The LoraStudy/LoraTrial API, the engine and the pruners.
export * from './api/common.ts';
export * from './api/study.ts';
export * from './api/trial.ts';
export { checkStudySpec, checkStudyManifest, parseStudyManifest, MAX_STUDY_NAME_LENGTH } from './api/validate-study.ts';
export { renderAllCrds, renderCrd, buildCrd, CRD_DEFINITIONS } from './api/crd-gen.ts';
export { formatIssue, formatIssues } from '../../trainer/src/contract/format-issue.ts';
export { plan, samplerConfig, type StudyInput, type Plan, type Planner, type PlanOptions } from './engine/plan.ts';
export type { PlanAction, StartAction, PruneAction, StopAction, FinishAction } from './engine/actions.ts';
export { TRIAL_REASONS, type TrialReason } from './engine/trial-endings.ts';
export { createPruner } from './pruner/create-pruner.ts';
export type { Pruner, PruneContext } from './pruner/pruner.ts';
// The local runner behind `lorahpo run`.
export { LocalRunner, type LocalRunnerOptions, type RunnerEvent, type RunOutcome } from './runner/local-runner.ts';
