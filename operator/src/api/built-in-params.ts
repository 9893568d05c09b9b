/**
 * The built-in trainer's side of a search space: each parameter must be one of its
 * hyperparameters, and every value the sampler may give it must pass the very schema the trainer
 * parses its params with (HyperparametersSchema), so a float `loraR`, a `loraDropout` of 1.5 or a
 * scheduler `foo` is refused here rather than failing every trial. Training settings such as
 * `batchSize` are fixed in spec.training: the trainer does not take them as sampled params.
 */
import type { z } from 'zod';
import type { Issue } from '../errors.ts';
import type { Parameter, ParamValue } from './parameters.ts';
import { HyperparametersSchema } from '../../../trainer/src/contract/training.ts';

const FIELDS = HyperparametersSchema.shape as Record<string, z.ZodType>;
const KNOWN = Object.keys(FIELDS);

/** Values that stand for everything the sampler may draw: the bounds and a fractional point. */
function probes(param: Parameter): ParamValue[] {
  if (param.type === 'categorical') return [...param.values];
  if (param.type === 'int') return [param.min, param.max];
  return [param.min, param.max, param.min + (param.max - param.min) * 0.37];
}

function valueIssue(param: Parameter, path: string): Issue | undefined {
  const field = FIELDS[param.name];
  for (const value of probes(param)) {
    const parsed = field.safeParse(value);
    if (parsed.success) continue;
    const rule = parsed.error.issues[0]?.message ?? 'is refused';
    const which =
      param.type === 'float' && value !== param.min && value !== param.max
        ? `takes fractional values such as ${value}`
        : `may be ${JSON.stringify(value)}`;
    return {
      code: 'built_in_value',
      path,
      message: `${which} but the built-in trainer's ${param.name} must be: ${rule}`,
    };
  }
  return undefined;
}

/**
 * The trainer's warmupSteps wins over warmupRatio (docs/trainer.md): a sampled warmupRatio beside
 * a fixed or sampled warmupSteps would spend trials on values that are never used.
 */
function shadowedWarmupRatio(parameters: readonly Parameter[], training: Record<string, unknown>): Issue | undefined {
  const names = parameters.map((p) => p.name);
  if (!names.includes('warmupRatio')) return undefined;
  const where = names.includes('warmupSteps')
    ? 'warmupSteps is sampled too'
    : training.warmupSteps !== undefined
      ? 'spec.training sets warmupSteps'
      : undefined;
  if (where === undefined) return undefined;
  return {
    code: 'built_in_shadowed',
    path: 'spec.parameters[warmupRatio]',
    message: `is sampled but ${where}, and the built-in trainer's warmupSteps wins over warmupRatio: sample one of them`,
  };
}

/** Every built-in-trainer issue of these parameters (beside the study's fixed training settings). */
export function checkBuiltInParams(parameters: readonly Parameter[], training: Record<string, unknown>): Issue[] {
  const issues: Issue[] = [];
  for (const param of parameters) {
    const path = `spec.parameters[${param.name}]`;
    if (!Object.hasOwn(FIELDS, param.name)) {
      issues.push({
        code: 'unknown_hyperparameter',
        path: `${path}.name`,
        message: `is "${param.name}" but the built-in trainer does not know it (known: ${KNOWN.join(', ')}); set trialTemplate.command for a custom trainer`,
      });
      continue;
    }
    const found = valueIssue(param, path);
    if (found) issues.push(found);
  }
  const shadowed = shadowedWarmupRatio(parameters, training);
  if (shadowed) issues.push(shadowed);
  return issues;
}
