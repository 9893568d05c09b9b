/**
 * Search-space validation: the rules zod's structure cannot express. Detection (the issue codes
 * and paths) is kept apart from wording (`describe*` helpers), and every issue is reported at once.
 */
import { SpecInvalidError, type Issue } from '../errors.ts';
import { zodIssues } from '../../../trainer/src/contract/zod-issues.ts';
import {
  ParameterSchema,
  type CategoricalParameter,
  type FloatParameter,
  type IntParameter,
  type Parameter,
  type ParameterInput,
} from './parameters.ts';

/** Relative tolerance for "step divides max - min" with floating-point steps such as 0.1. */
const STEP_TOLERANCE = 1e-9;

/** Renders a number the way people write it in a spec: 1e-5 rather than 0.00001. */
export function formatNumber(value: number): string {
  const magnitude = Math.abs(value);
  if (value !== 0 && Number.isFinite(value) && (magnitude < 1e-3 || magnitude >= 1e6)) {
    return value.toExponential();
  }
  return String(value);
}

function formatValue(value: unknown): string {
  return typeof value === 'number' ? formatNumber(value) : JSON.stringify(value);
}

function parameterPath(prefix: string, input: unknown, index: number): string {
  const name = (input as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== '' ? `${prefix}[${name}]` : `${prefix}[${index}]`;
}

function issue(code: string, path: string, message: string): Issue {
  return { code, path, message };
}

function checkNumericRange(param: FloatParameter | IntParameter, path: string): Issue[] {
  const issues: Issue[] = [];
  if (!(param.max > param.min)) {
    issues.push(
      issue(
        'range_empty',
        `${path}.max`,
        `max is ${formatNumber(param.max)} but must be > min (${formatNumber(param.min)})`,
      ),
    );
  }
  // Past this, max - min overflows to Infinity and every sample lands on a bound.
  if (param.type === 'float' && !Number.isFinite(param.max - param.min)) {
    issues.push(
      issue(
        'range_too_wide',
        `${path}.max`,
        `max - min is beyond the largest float (${formatNumber(param.min)} to ${formatNumber(param.max)}); narrow the range`,
      ),
    );
  }
  if (param.log && !(param.min > 0)) {
    issues.push(
      issue(
        'log_min_not_positive',
        `${path}.min`,
        `min is ${formatNumber(param.min)} but must be > 0 when log is true`,
      ),
    );
  }
  return issues;
}

function checkStep(param: FloatParameter | IntParameter, path: string): Issue[] {
  const step = param.step;
  if (step === undefined) return [];
  if (param.log && param.type === 'int' && step !== 1) {
    return [
      issue(
        'log_step',
        `${path}.step`,
        `step is ${formatNumber(step)} but must be 1 when log is true (a log int parameter takes every integer)`,
      ),
    ];
  }
  if (param.log && param.type === 'float') {
    return [
      issue('log_step', `${path}.step`, `step is ${formatNumber(step)} but a float with log: true cannot have a step`),
    ];
  }
  const range = param.max - param.min;
  if (!(range > 0)) return [];
  const ratio = range / step;
  if (Math.abs(ratio - Math.round(ratio)) > STEP_TOLERANCE * Math.max(1, ratio) || Math.round(ratio) < 1) {
    return [
      issue(
        'step_not_dividing',
        `${path}.step`,
        `step is ${formatNumber(step)} but must divide max - min (${formatNumber(range)})`,
      ),
    ];
  }
  return [];
}

function checkCategorical(param: CategoricalParameter, path: string): Issue[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const value of param.values) {
    const key = `${typeof value}:${String(value)}`;
    if (seen.has(key)) repeated.add(formatValue(value));
    seen.add(key);
  }
  if (repeated.size === 0) return [];
  return [issue('values_not_unique', `${path}.values`, `values repeat ${[...repeated].join(', ')} but must be unique`)];
}

function checkParameter(param: Parameter, path: string): Issue[] {
  if (param.type === 'categorical') return checkCategorical(param, path);
  return [...checkNumericRange(param, path), ...checkStep(param, path)];
}

function checkUniqueNames(parameters: readonly unknown[], prefix: string): Issue[] {
  const firstIndex = new Map<string, number>();
  const issues: Issue[] = [];
  parameters.forEach((input, index) => {
    const name = (input as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') return;
    const first = firstIndex.get(name);
    if (first === undefined) firstIndex.set(name, index);
    else
      issues.push(
        issue(
          'name_not_unique',
          `${prefix}[${index}].name`,
          `name is ${JSON.stringify(name)} but must be unique (also used by ${prefix}[${first}])`,
        ),
      );
  });
  return issues;
}

/**
 * Every issue of a search space, never throwing: structural ones from the zod schema, then the
 * rules (min < max, log needs min > 0, step divides the range, int log needs step 1, float log
 * has no step, unique category values, unique names). Paths look like `parameters[lr].max`.
 */
export function checkSearchSpace(parameters: ParameterInput[] | Parameter[], pathPrefix = 'parameters'): Issue[] {
  if (!Array.isArray(parameters)) {
    return [issue('invalid_type', pathPrefix, `is ${formatValue(parameters)} but must be a list of parameters`)];
  }
  const issues: Issue[] = [];
  if (parameters.length === 0) {
    issues.push(issue('space_empty', pathPrefix, 'is empty but must hold at least one parameter'));
  }
  parameters.forEach((input, index) => {
    const path = parameterPath(pathPrefix, input, index);
    const parsed = ParameterSchema.safeParse(input);
    if (!parsed.success) {
      for (const found of zodIssues(parsed.error, input)) {
        issues.push(issue(found.code, found.path === '' ? path : `${path}.${found.path}`, found.message));
      }
      return;
    }
    issues.push(...checkParameter(parsed.data, path));
  });
  return [...issues, ...checkUniqueNames(parameters, pathPrefix)];
}

/** Parses and checks a search space; throws `SpecInvalidError` (LORAHPO_SEARCH_SPACE_INVALID) listing every issue. */
export function parseSearchSpace(parameters: ParameterInput[] | Parameter[], pathPrefix = 'parameters'): Parameter[] {
  const issues = checkSearchSpace(parameters, pathPrefix);
  if (issues.length > 0) {
    throw new SpecInvalidError('search space is invalid:', issues, 'LORAHPO_SEARCH_SPACE_INVALID');
  }
  return parameters.map((input) => Object.freeze(ParameterSchema.parse(input)));
}
