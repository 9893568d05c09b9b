// The package's public surface. Each area adds its exports here.
export * from './errors.ts';
export * from './api/parameters.ts';
export type { TrialRecord, TrialState, IntermediateValue } from './study/trial.ts';
// Samplers and the ask-and-tell study (issue #2).
export { Study, type StudyConfig, type AskedTrial, type TellOutcome } from './study/study.ts';
export { checkSearchSpace, parseSearchSpace, formatNumber } from './sampler/search-space.ts';
export { createSampler, parseSamplerConfig, type Sampler, type SampleContext, type Direction } from './sampler/sampler.ts';
export {
  SamplerConfigSchema, TpeOptionsSchema, TpeSamplerConfigSchema, RandomSamplerConfigSchema, GridSamplerConfigSchema,
  type SamplerConfig, type ParsedSamplerConfig, type TpeOptions,
} from './sampler/sampler-config.ts';
export { RandomSampler } from './sampler/random.ts';
export { GridSampler, checkGridSpace, MAX_GRID_POINTS } from './sampler/grid.ts';
export { TpeSampler, type TpeSamplerOptions } from './sampler/tpe/tpe-sampler.ts';
export { trialRng, type Rng } from './sampler/rng.ts';
// The LoraStudy/LoraTrial API, the engine and the pruners (issue #3).
export * from './api/common.ts';
export * from './api/study.ts';
export * from './api/trial.ts';
export { checkStudySpec, checkStudyManifest, parseStudyManifest, MAX_STUDY_NAME_LENGTH } from './api/validate-study.ts';
export { renderAllCrds, renderCrd, buildCrd, CRD_DEFINITIONS } from './api/crd-gen.ts';
export { formatIssue, formatIssues } from './format-issue.ts';
export { plan, samplerConfig, type StudyInput, type Plan, type Planner, type PlanOptions } from './engine/plan.ts';
export type { PlanAction, StartAction, PruneAction, StopAction, FinishAction } from './engine/actions.ts';
export { TRIAL_REASONS, type TrialReason } from './engine/trial-endings.ts';
export { createPruner } from './pruner/create-pruner.ts';
export type { Pruner, PruneContext } from './pruner/pruner.ts';
// The local runner behind `lorahpo run` (issue #3).
export { LocalRunner, type LocalRunnerOptions, type RunnerEvent, type RunOutcome } from './runner/local-runner.ts';
