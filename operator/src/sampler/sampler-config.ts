/**
 * How a study samples: the algorithm, its seed and its options. One zod schema, so the LoraStudy
 * spec can embed it and the types follow from it.
 */
import { z } from 'zod';

const seed = z.number().int().optional().describe('Seed of every random stream (default 0). Same seed + same history → same suggestion.');

export const TpeOptionsSchema = z.object({
  startupTrials: z.number().int().min(0).default(10).describe('Finished trials sampled at random before TPE starts.'),
  candidates: z.number().int().min(1).default(24).describe('Draws from the good density scored per suggestion.'),
  multivariate: z.boolean().default(true).describe('Model the parameters jointly (true) or one at a time.'),
  bandwidth: z.enum(['scott', 'neighbour']).default('neighbour').describe('Kernel width rule of multivariate TPE.'),
  group: z.boolean().default(false).describe('Multivariate per group of parameters that always appear together.'),
  constantLiar: z.boolean().default(false).describe('Count running trials as bad, so parallel trials spread out.'),
  priorWeight: z.number().min(0).default(1).describe('Weight of the prior (uniform-like) kernel.'),
  considerEndpoints: z.boolean().default(false).describe('Let the extreme observations use their gap to the bounds.'),
  gammaRatio: z.number().gt(0).max(1).default(0.1).describe('Share of finished trials counted as good.'),
  gammaCap: z.number().int().min(1).default(25).describe('Most trials counted as good.'),
});

export const TpeSamplerConfigSchema = z.strictObject({ algorithm: z.literal('tpe'), seed, ...TpeOptionsSchema.shape });
export const RandomSamplerConfigSchema = z.strictObject({ algorithm: z.literal('random'), seed });
export const GridSamplerConfigSchema = z.strictObject({ algorithm: z.literal('grid'), seed });

export const SamplerConfigSchema = z.discriminatedUnion('algorithm', [
  TpeSamplerConfigSchema,
  RandomSamplerConfigSchema,
  GridSamplerConfigSchema,
]);

/** What a user writes (options optional). */
export type SamplerConfig = z.input<typeof SamplerConfigSchema>;
/** After defaults. */
export type ParsedSamplerConfig = z.output<typeof SamplerConfigSchema>;
export type TpeOptions = z.output<typeof TpeOptionsSchema>;
