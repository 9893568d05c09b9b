/**
 * Each parameter reaches the trainer as LORAHPO_PARAM_<UPPER_SNAKE_NAME>. Names that differ only
 * in case or separators (`learningRate`, `learning_rate`, `LEARNING_RATE`) map to one variable,
 * and only the last would arrive: such a space is refused, naming both.
 */
import type { Issue } from '../errors.ts';
import type { Parameter } from './parameters.ts';
import { paramEnvName } from '../../../trainer/src/contract/env.ts';

export function checkParamEnvNames(parameters: readonly Parameter[]): Issue[] {
  const first = new Map<string, string>();
  const issues: Issue[] = [];
  for (const param of parameters) {
    const env = paramEnvName(param.name);
    const earlier = first.get(env);
    if (earlier === undefined) first.set(env, param.name);
    else if (earlier !== param.name) {
      issues.push({
        code: 'env_name_not_unique',
        path: `spec.parameters[${param.name}].name`,
        message: `is "${param.name}" but reaches the trainer as ${env}, like "${earlier}": rename one`,
      });
    }
  }
  return issues;
}
