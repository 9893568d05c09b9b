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
