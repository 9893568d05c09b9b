/**
 * The sampler role: given the search space, the direction and a frozen history, suggest the
 * parameters of trial `number`. Samplers keep no state between calls beyond their configuration,
 * so a restarted operator (or the engine passing a filtered history) gets the same decisions.
 */
import { SpecInvalidError, type Issue } from '../errors.ts';
import type { Parameter, Params } from '../api/parameters.ts';
import type { TrialRecord } from '../trial-record.ts';
import { SamplerConfigSchema, type ParsedSamplerConfig, type SamplerConfig } from './sampler-config.ts';
import { RandomSampler } from './random.ts';
import { GridSampler } from './grid.ts';
import { TpeSampler } from './tpe/tpe-sampler.ts';

export type Direction = 'minimize' | 'maximize';
export type { SamplerConfig, ParsedSamplerConfig } from './sampler-config.ts';

export interface SampleContext {
  /** The parsed, checked search space (see `parseSearchSpace`). */
  space: readonly Parameter[];
  direction: Direction;
  /** The history the suggestion may depend on, in any order. */
  trials: readonly TrialRecord[];
  /** The number of the trial being sampled: selects its random stream. */
  number: number;
}

export interface Sampler {
  sample(context: SampleContext): Params;
  /** Samplers with a finite space (grid) say whether any suggestion is left for this history. */
  isExhausted?(space: readonly Parameter[], trials: readonly TrialRecord[]): boolean;
}

/** Parses a sampler configuration; throws `SpecInvalidError` naming each bad field under `pathPrefix`. */
export function parseSamplerConfig(config: SamplerConfig | undefined, pathPrefix = 'sampler'): ParsedSamplerConfig {
  const parsed = SamplerConfigSchema.safeParse(config ?? { algorithm: 'tpe' });
  if (parsed.success) return parsed.data;
  const issues: Issue[] = parsed.error.issues.map((zodIssue) => ({
    code: zodIssue.code,
    path: [pathPrefix, ...zodIssue.path.map(String)].join('.'),
    message: zodIssue.message,
  }));
  throw new SpecInvalidError('sampler configuration is invalid:', issues);
}

/** The sampler a configuration asks for. */
export function createSampler(config: SamplerConfig | ParsedSamplerConfig): Sampler {
  const parsed = parseSamplerConfig(config);
  const seed = parsed.seed ?? 0;
  switch (parsed.algorithm) {
    case 'random':
      return new RandomSampler(seed);
    case 'grid':
      return new GridSampler(seed);
    case 'tpe':
      return new TpeSampler({ ...parsed, seed });
  }
}
