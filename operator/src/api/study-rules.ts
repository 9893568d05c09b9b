/**
 * The rules of a LoraStudy spec that the CRD schema cannot express: search-space rules (shared
 * with the sampler), which pruner options go with which algorithm, sampler/space fit, budget
 * consistency and what the built-in trainer needs. Runs on a spec that zod has already parsed.
 */
import { checkPodPolicy, defaultPodPolicy, type PodPolicy } from './pod-policy.ts';
import type { Issue } from '../errors.ts';
import { checkSearchSpace } from './search-space.ts';
import { checkGridSpace } from './grid-space.ts';
import { checkSamplerOptions } from './sampler-spec.ts';
import { checkBuiltInParams } from './built-in-params.ts';
import { checkParamEnvNames } from './param-env-names.ts';
import { checkWarmStartSpec } from './warm-start.ts';
import { parseDurationMs } from './common.ts';
import { StudyTrainingSchema, type InnerPrunerSpec, type PrunerAlgorithm, type StudySpec } from './study.ts';
import { findUnknownFields } from './unknown-fields.ts';
import { zodIssues } from '../../../trainer/src/contract/zod-issues.ts';

const PRUNER_OPTIONS: Record<PrunerAlgorithm, readonly string[]> = {
  none: [],
  median: ['startupTrials', 'warmupSteps', 'intervalSteps', 'minTrials'],
  percentile: ['startupTrials', 'warmupSteps', 'intervalSteps', 'minTrials', 'percentile'],
  asha: ['minResource', 'reductionFactor', 'minEarlyStoppingRate', 'bootstrapCount'],
  hyperband: ['minResource', 'maxResource', 'reductionFactor', 'bootstrapCount'],
  threshold: ['lower', 'upper', 'warmupSteps', 'intervalSteps'],
  patient: ['patience', 'minDelta', 'wrapped'],
};

/** Search-space codes that zod's structure cannot find (zod findings are worded elsewhere). */
const SPACE_RULE_CODES = new Set([
  'range_empty',
  'range_too_wide',
  'log_min_not_positive',
  'log_step',
  'step_not_dividing',
  'values_not_unique',
  'name_not_unique',
  'space_empty',
]);

function issue(code: string, path: string, message: string): Issue {
  return { code, path, message };
}

function checkPruner(pruner: InnerPrunerSpec & { wrapped?: InnerPrunerSpec }, path: string): Issue[] {
  const issues: Issue[] = [];
  const allowed = PRUNER_OPTIONS[pruner.algorithm];
  for (const [key, value] of Object.entries(pruner)) {
    if (key === 'algorithm' || value === undefined || allowed.includes(key)) continue;
    issues.push(
      issue(
        'pruner_option',
        `${path}.${key}`,
        `is set but applies only to ${prunersTaking(key)}, not ${pruner.algorithm}`,
      ),
    );
  }
  if (pruner.algorithm === 'percentile' && pruner.percentile === undefined)
    issues.push(issue('required', `${path}.percentile`, 'is required for the percentile pruner'));
  if (pruner.algorithm === 'patient' && pruner.patience === undefined)
    issues.push(issue('required', `${path}.patience`, 'is required for the patient pruner'));
  if (pruner.algorithm === 'threshold') issues.push(...checkThreshold(pruner, path));
  if (
    pruner.algorithm === 'hyperband' &&
    pruner.minResource !== undefined &&
    pruner.maxResource !== undefined &&
    !(pruner.maxResource > pruner.minResource)
  ) {
    issues.push(
      issue(
        'range_empty',
        `${path}.maxResource`,
        `is ${pruner.maxResource} but must be > minResource (${pruner.minResource})`,
      ),
    );
  }
  if (pruner.wrapped?.algorithm === 'patient')
    issues.push(
      issue(
        'pruner_nesting',
        `${path}.wrapped.algorithm`,
        'is "patient" but a patient pruner cannot wrap another patient pruner',
      ),
    );
  if (pruner.wrapped) issues.push(...checkPruner(pruner.wrapped, `${path}.wrapped`));
  return issues;
}

function checkThreshold(pruner: InnerPrunerSpec, path: string): Issue[] {
  if (pruner.lower === undefined && pruner.upper === undefined)
    return [issue('required', `${path}.lower`, 'is required for the threshold pruner (or upper, or both)')];
  if (pruner.lower !== undefined && pruner.upper !== undefined && !(pruner.upper > pruner.lower)) {
    return [issue('range_empty', `${path}.upper`, `is ${pruner.upper} but must be > lower (${pruner.lower})`)];
  }
  return [];
}

function prunersTaking(option: string): string {
  return Object.entries(PRUNER_OPTIONS)
    .filter(([, options]) => options.includes(option))
    .map(([name]) => name)
    .join('/');
}

function checkSampler(spec: StudySpec): Issue[] {
  const issues = checkSamplerOptions(spec.sampler, 'spec.sampler');
  if (spec.sampler.algorithm === 'grid') issues.push(...checkGridSpace(spec.parameters, 'spec.parameters'));
  return issues;
}

function checkBudget(spec: StudySpec): Issue[] {
  const { maxTrials, parallelTrials, maxFailedTrials, noImprovementTrials, timeout } = spec.budget;
  const issues: Issue[] = [];
  if (parallelTrials > maxTrials)
    issues.push(
      issue('budget', 'spec.budget.parallelTrials', `is ${parallelTrials} but must be <= maxTrials (${maxTrials})`),
    );
  if (maxFailedTrials !== undefined && maxFailedTrials >= maxTrials)
    issues.push(
      issue(
        'budget',
        'spec.budget.maxFailedTrials',
        `is ${maxFailedTrials} but must be < maxTrials (${maxTrials}) to ever take effect`,
      ),
    );
  if (noImprovementTrials !== undefined && noImprovementTrials >= maxTrials)
    issues.push(
      issue(
        'budget',
        'spec.budget.noImprovementTrials',
        `is ${noImprovementTrials} but must be < maxTrials (${maxTrials}) to ever take effect`,
      ),
    );
  if (timeout !== undefined && parseDurationMs(timeout) === Number.POSITIVE_INFINITY)
    issues.push(issue('budget', 'spec.budget.timeout', `is "${timeout.slice(0, 40)}" but must be a finite duration`));
  if (timeout !== undefined && !(parseDurationMs(timeout) > 0))
    issues.push(issue('budget', 'spec.budget.timeout', `is "${timeout}" but must be longer than 0`));
  return issues;
}

/** spec.training against the built-in trainer's own schema (the trainer parses it the same way). */
function checkBuiltInTraining(training: Record<string, unknown>): Issue[] {
  const root = { spec: { training } };
  const parsed = StudyTrainingSchema.safeParse(training);
  const structural = parsed.success ? [] : zodIssues(parsed.error, root, ['spec', 'training']);
  const unknown = findUnknownFields(StudyTrainingSchema, training).map((found) => ({
    ...found,
    path: `spec.training.${found.path}`,
  }));
  return [...structural, ...unknown];
}

/** The built-in trainer needs a model and a dataset and knows a fixed set of settings and hyperparameters. */
function checkBuiltInTrainer(spec: StudySpec): Issue[] {
  if ((spec.trialTemplate?.command ?? []).length > 0) return [];
  const issues: Issue[] = checkBuiltInTraining(spec.training ?? {});
  const why = 'by the built-in trainer (no trialTemplate.command)';
  if (spec.training?.model === undefined) issues.push(issue('required', 'spec.training.model', `is required ${why}`));
  if (spec.training?.dataset === undefined)
    issues.push(issue('required', 'spec.training.dataset', `is required ${why}`));
  issues.push(...checkBuiltInParams(spec.parameters, spec.training ?? {}));
  return issues;
}

/** The search-space rules on the parameters as written (each parameter zod accepts is checked). */
export function checkSpaceRules(rawParameters: unknown): Issue[] {
  if (!Array.isArray(rawParameters)) return [];
  return checkSearchSpace(rawParameters, 'spec.parameters').filter((found) => SPACE_RULE_CODES.has(found.code));
}

export interface RuleOptions {
  /** The trials run another trainer than the spec says (`lorahpo run --trainer`). */
  hasTrainerOverride?: boolean;
  /** What the trial pods may hold; default defaultPodPolicy() (the operator passes its flags'). */
  podPolicy?: PodPolicy;
}

/** Every other rule issue of a spec zod has parsed. */
export function checkStudyRules(spec: StudySpec, options: RuleOptions = {}): Issue[] {
  const trainer = options.hasTrainerOverride ? [] : checkBuiltInTrainer(spec);
  return [
    ...checkPruner(spec.pruner, 'spec.pruner'),
    ...checkSampler(spec),
    ...checkBudget(spec),
    ...checkParamEnvNames(spec.parameters),
    ...checkWarmStartSpec(spec.parameters, spec.warmStart, spec.budget.maxTrials),
    ...trainer,
    ...checkPodPolicy(spec, options.podPolicy ?? defaultPodPolicy()),
  ];
}
