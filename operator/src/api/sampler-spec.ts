/**
 * How a study samples: `spec.sampler` of a LoraStudy and the `sampler` of the ask-and-tell
 * `Study`, one schema for both. Flat, so the CRD can describe it: the TPE options sit beside
 * `algorithm` and are rejected (`checkSamplerOptions`) with any other algorithm.
 */
import { z } from 'zod';
import type { Issue } from '../errors.ts';
import { findUnknownFields } from './unknown-fields.ts';
import { zodIssues } from '../../../trainer/src/contract/zod-issues.ts';

/**
 * gp: Gaussian-process Bayesian optimisation, for small budgets; auto: gp for the first 30
 * complete trials, tpe after (see docs/sampler.md).
 */
export const SAMPLER_ALGORITHMS = ['tpe', 'random', 'grid', 'gp', 'auto'] as const;

export interface TpeOptions {
  startupTrials: number;
  candidates: number;
  multivariate: boolean;
  bandwidth: 'scott' | 'neighbour';
  group: boolean;
  constantLiar: boolean;
  priorWeight: number;
  considerEndpoints: boolean;
  gammaRatio: number;
  gammaCap: number;
}

/** The TPE options a spec leaves out: Optuna's defaults, but multivariate. */
export function defaultTpeOptions(): TpeOptions {
  return {
    startupTrials: 10,
    candidates: 24,
    multivariate: true,
    bandwidth: 'neighbour',
    group: false,
    constantLiar: false,
    priorWeight: 1,
    considerEndpoints: false,
    gammaRatio: 0.1,
    gammaCap: 25,
  };
}

function tpe<T extends z.ZodType>(schema: T, key: keyof TpeOptions, text: string) {
  return schema.optional().describe(`TPE: ${text} (default ${JSON.stringify(defaultTpeOptions()[key])}).`);
}

const tpeOptionsShape = {
  startupTrials: tpe(z.number().int().min(0), 'startupTrials', 'Finished trials sampled at random before TPE starts'),
  candidates: tpe(z.number().int().min(1), 'candidates', 'Draws from the good density scored per suggestion'),
  multivariate: tpe(z.boolean(), 'multivariate', 'Model the parameters jointly (true) or one at a time'),
  bandwidth: tpe(z.enum(['scott', 'neighbour']), 'bandwidth', 'Kernel width rule of multivariate TPE'),
  group: tpe(z.boolean(), 'group', 'Multivariate per group of parameters that always appear together'),
  constantLiar: tpe(z.boolean(), 'constantLiar', 'Count running trials as bad, so parallel trials spread out'),
  priorWeight: tpe(z.number().min(0), 'priorWeight', 'Weight of the prior (uniform-like) kernel'),
  considerEndpoints: tpe(z.boolean(), 'considerEndpoints', 'Let the extreme observations use their gap to the bounds'),
  gammaRatio: tpe(z.number().gt(0).max(1), 'gammaRatio', 'Share of finished trials counted as good'),
  gammaCap: tpe(z.number().int().min(1), 'gammaCap', 'Most trials counted as good'),
} satisfies Record<keyof TpeOptions, z.ZodType>; // the schema and TpeOptions name the same options

export const TPE_OPTION_NAMES = Object.keys(tpeOptionsShape) as (keyof TpeOptions)[];

export const SamplerSpecSchema = z
  .object({
    algorithm: z
      .enum(SAMPLER_ALGORITHMS)
      .default('auto')
      .describe(
        'auto (default: gp for the first 30 complete trials, then tpe; see docs/sampler.md), tpe, gp (Gaussian-process BO, for small budgets), random or grid.',
      ),
    seed: z.number().int().min(0).default(0).describe('Seeds every trial: trial n draws from a stream of (seed, n).'),
    ...tpeOptionsShape,
  })
  .describe('How hyperparameters are chosen.');

/** After defaults: `algorithm` and `seed` always set, the TPE options as written. */
export type SamplerSpec = z.output<typeof SamplerSpecSchema>;
/** What a user writes (every field optional). */
export type SamplerSpecInput = z.input<typeof SamplerSpecSchema>;
export type SamplerAlgorithm = (typeof SAMPLER_ALGORITHMS)[number];

/** The TPE options of a spec, the ones it leaves out at their defaults. */
export function tpeOptionsOf(spec: SamplerSpec): TpeOptions {
  const options = defaultTpeOptions();
  for (const key of TPE_OPTION_NAMES) {
    const value = spec[key];
    if (value !== undefined) (options as Record<keyof TpeOptions, unknown>)[key] = value;
  }
  return options;
}

/** The algorithms that run TPE at some point, and so read the TPE options. */
const TPE_PHASE_ALGORITHMS: readonly SamplerAlgorithm[] = ['tpe', 'auto'];

export function hasTpePhase(algorithm: SamplerAlgorithm): boolean {
  return TPE_PHASE_ALGORITHMS.includes(algorithm);
}

/** TPE options set on an algorithm without a TPE phase: they would be ignored, so they are refused. */
export function checkSamplerOptions(spec: SamplerSpec, path: string): Issue[] {
  if (hasTpePhase(spec.algorithm)) return [];
  return TPE_OPTION_NAMES.filter((key) => spec[key] !== undefined).map((key) => ({
    code: 'sampler_option',
    path: `${path}.${key}`,
    message: `is set but applies only to algorithms ${TPE_PHASE_ALGORITHMS.join(' and ')}, not ${spec.algorithm}`,
  }));
}

export interface SamplerSpecCheck {
  spec?: SamplerSpec;
  issues: Issue[];
}

/** Every issue of a sampler spec as written, in the project's wording, paths under `path`. */
export function checkSamplerSpec(raw: unknown, path: string): SamplerSpecCheck {
  const written = raw ?? {};
  const under = (found: Issue): Issue => ({ ...found, path: found.path === '' ? path : `${path}.${found.path}` });
  const parsed = SamplerSpecSchema.safeParse(written);
  const unknown = findUnknownFields(SamplerSpecSchema, written).map(under);
  if (!parsed.success) return { issues: [...zodIssues(parsed.error, written).map(under), ...unknown] };
  const issues = [...unknown, ...checkSamplerOptions(parsed.data, path)];
  return issues.length === 0 ? { spec: parsed.data, issues } : { issues };
}
