// The package's public surface. Each area adds its exports here.
export * from './errors.ts';
export * from './api/parameters.ts';
export type { TrialRecord, TrialState, IntermediateValue } from './study/trial.ts';
