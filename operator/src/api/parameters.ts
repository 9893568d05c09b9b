/**
 * The search space: one named entry per hyperparameter. These zod schemas are the single source
 * of the TypeScript types and of the CRD's `spec.parameters` schema. Rules zod cannot express
 * structurally (min < max, log ranges, step divides the range, unique names and values) live in
 * `checkSearchSpace` (operator/src/sampler/search-space.ts), shared by `Study` and `lorahpo validate`.
 */
import { z } from 'zod';

const name = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'must start with a letter and hold only letters, digits and _')
  .describe('Parameter name, handed to the trainer as a key of LORAHPO_PARAMS.');

export const FloatParameterSchema = z.object({
  name,
  type: z.literal('float'),
  min: z.number().describe('Lower bound (inclusive).'),
  max: z.number().describe('Upper bound (inclusive).'),
  log: z.boolean().default(false).describe('Sample on a log scale (min must be > 0).'),
  step: z.number().positive().optional().describe('Discretisation step; must divide max - min.'),
});

export const IntParameterSchema = z.object({
  name,
  type: z.literal('int'),
  min: z.number().int(),
  max: z.number().int(),
  log: z.boolean().default(false),
  step: z.number().int().positive().default(1).describe('Step between allowed values; must divide max - min.'),
});

export const CategoryValueSchema = z.union([z.string(), z.number(), z.boolean()]);
export type CategoryValue = z.infer<typeof CategoryValueSchema>;

export const CategoricalParameterSchema = z.object({
  name,
  type: z.literal('categorical'),
  values: z.array(CategoryValueSchema).min(1).describe('The choices: strings, numbers or booleans.'),
});

export const ParameterSchema = z.discriminatedUnion('type', [
  FloatParameterSchema,
  IntParameterSchema,
  CategoricalParameterSchema,
]);

export type FloatParameter = z.infer<typeof FloatParameterSchema>;
export type IntParameter = z.infer<typeof IntParameterSchema>;
export type CategoricalParameter = z.infer<typeof CategoricalParameterSchema>;
export type Parameter = z.infer<typeof ParameterSchema>;
export type ParameterInput = z.input<typeof ParameterSchema>;
export type ParamValue = CategoryValue;
export type Params = Record<string, ParamValue>;
