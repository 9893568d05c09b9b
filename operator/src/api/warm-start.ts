/**
 * spec.warmStart: parameter sets the first trials take (Optuna's `enqueue_trial`) and earlier
 * studies whose finished trials the sampler learns from, and whether a parameter set fits a
 * search space. The engine reads both; who fetches the earlier trials is the runner's business
 * (docs/sampler.md, "Warm starts").
 */
import { z } from 'zod';
import type { Issue } from '../errors.ts';
import type { Parameter } from './parameters.ts';
import { freeFormList } from './common.ts';
import { formatNumber } from './search-space.ts';

/** Tolerance when checking a value against a bound or a step (as the samplers round). */
const TOLERANCE = 1e-9;

export const WarmStartSpecSchema = z
  .object({
    parameters: freeFormList(
      'Parameter sets the first trials take, in order (trial n takes set n); a parameter left out is sampled.',
    ).optional(),
    fromStudies: z
      .array(
        z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label: lower-case letters, digits and -'),
      )
      .optional()
      .describe(
        'Earlier studies (same namespace; for lorahpo run, state directories beside this one) whose complete and pruned trials the sampler sees as history; trials outside this search space are skipped.',
      ),
  })
  .describe('Start from what is known: parameter sets to try first and the trials of earlier studies.');

export const WarmStartStatusSchema = z
  .object({
    enqueued: z.number().int().min(0).describe('Parameter sets in spec.warmStart.parameters.'),
    enqueuedTried: z.number().int().min(0).describe('How many of them have become trials.'),
    history: z
      .number()
      .int()
      .min(0)
      .describe('Complete and pruned trials of spec.warmStart.fromStudies the sampler sees.'),
    skipped: z
      .number()
      .int()
      .min(0)
      .describe('Complete and pruned trials of those studies left out: outside this search space.'),
  })
  .describe('What the warm start contributes.');

export type WarmStartSpec = z.infer<typeof WarmStartSpecSchema>;
export type WarmStartStatus = z.infer<typeof WarmStartStatusSchema>;

function onStep(value: number, min: number, step: number): boolean {
  const ratio = (value - min) / step;
  return Math.abs(ratio - Math.round(ratio)) <= TOLERANCE * Math.max(1, Math.abs(ratio));
}

/** Why `value` is not a value of `param` (the rule part of "is X but must be …"), or undefined. */
export function paramValueRule(param: Parameter, value: unknown): string | undefined {
  if (param.type === 'categorical') {
    return param.values.includes(value as never)
      ? undefined
      : `one of ${param.values.map((choice) => JSON.stringify(choice)).join(', ')}`;
  }
  const range = `${formatNumber(param.min)} to ${formatNumber(param.max)}`;
  if (typeof value !== 'number' || !Number.isFinite(value)) return `a number from ${range}`;
  if (param.type === 'int' && !Number.isInteger(value)) return `an integer from ${range}`;
  const slack = TOLERANCE * Math.max(1, Math.abs(param.max - param.min));
  if (value < param.min - slack || value > param.max + slack) return `within ${range}`;
  if (param.step !== undefined && !onStep(value, param.min, param.step))
    return `on the step ${formatNumber(param.step)} from ${formatNumber(param.min)}`;
  return undefined;
}

function formatValue(value: unknown): string {
  return typeof value === 'number' ? formatNumber(value) : JSON.stringify(value);
}

/** Every issue of one parameter set: unknown names and values outside their parameter. */
export function checkParamSet(space: readonly Parameter[], params: Record<string, unknown>, path: string): Issue[] {
  const issues: Issue[] = [];
  for (const [name, value] of Object.entries(params)) {
    const param = space.find((entry) => entry.name === name);
    const rule = param ? paramValueRule(param, value) : undefined;
    if (!param)
      issues.push({
        code: 'warm_start_unknown',
        path: `${path}.${name}`,
        message: `is not a parameter of the search space (known: ${space.map((entry) => entry.name).join(', ')})`,
      });
    else if (rule)
      issues.push({
        code: 'warm_start_value',
        path: `${path}.${name}`,
        message: `is ${formatValue(value)} but must be ${rule}`,
      });
  }
  return issues;
}

/** Whether a finished trial's params are a point of this space: every parameter, nothing else. */
export function fitsSpace(space: readonly Parameter[], params: Record<string, unknown>): boolean {
  const names = Object.keys(params);
  return (
    names.length === space.length &&
    space.every((param) => Object.hasOwn(params, param.name) && paramValueRule(param, params[param.name]) === undefined)
  );
}

/** The warm-start rules of a parsed spec (paths start with `spec.warmStart`). */
export function checkWarmStartSpec(
  space: readonly Parameter[],
  warmStart: WarmStartSpec | undefined,
  maxTrials: number,
): Issue[] {
  const sets = warmStart?.parameters ?? [];
  const issues = sets.flatMap((params, i) => checkParamSet(space, params, `spec.warmStart.parameters[${i}]`));
  if (sets.length > maxTrials)
    issues.push({
      code: 'budget',
      path: 'spec.warmStart.parameters',
      message: `has ${sets.length} sets but must have at most maxTrials (${maxTrials}): the sets past it would never run`,
    });
  return issues;
}

/** A study cannot warm-start from itself: its own trials would count twice. */
export function checkWarmStartName(name: string, warmStart: WarmStartSpec | undefined): Issue[] {
  // Called on the spec as written too (before zod has accepted it), so the list is checked.
  const studies: unknown = warmStart?.fromStudies;
  const i = Array.isArray(studies) ? studies.indexOf(name) : -1;
  return i < 0
    ? []
    : [
        {
          code: 'warm_start_study',
          path: `spec.warmStart.fromStudies[${i}]`,
          message: `is "${name}" but must name another study: its own trials are its history already`,
        },
      ];
}
