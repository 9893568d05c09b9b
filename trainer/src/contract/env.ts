/**
 * The trainer contract's input: environment variables, never a shell string.
 * Both sides use this file: the runners build the environment, the trainer reads it.
 */
import { z } from 'zod';
import { formatIssue } from './format-issue.ts';
import { TrainingSettingsSchema, type TrainingSettingsInput } from './training.ts';
import { zodIssues } from './zod-issues.ts';

export type ParamValue = string | number | boolean;

export const ENV = {
  params: 'LORAHPO_PARAMS',
  paramPrefix: 'LORAHPO_PARAM_',
  training: 'LORAHPO_TRAINING',
  trial: 'LORAHPO_TRIAL',
  seed: 'LORAHPO_SEED',
  resultFile: 'LORAHPO_RESULT_FILE',
  outputDir: 'LORAHPO_OUTPUT_DIR',
  /** 1-based attempt of the trial; every attempt keeps the same output directory (resume clause). */
  attempt: 'LORAHPO_ATTEMPT',
} as const;

export const DEFAULT_RESULT_FILE = '/dev/termination-log';

/** `learningRate` → `LORAHPO_PARAM_LEARNING_RATE`; `lora_r` → `LORAHPO_PARAM_LORA_R`. */
export function paramEnvName(name: string): string {
  const snake = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toUpperCase();
  return ENV.paramPrefix + snake;
}

export interface TrialInput {
  trial: string;
  seed: number;
  params: Record<string, ParamValue>;
  training?: TrainingSettingsInput;
  resultFile?: string;
  outputDir?: string;
  /** The attempt, from 1; a disrupted trial runs again with the next one (the operator sets it). */
  attempt?: number;
}

/** The environment variables a runner sets for one trial (added to the trial's own env). */
export function trialEnvironment(input: TrialInput): Record<string, string> {
  const env: Record<string, string> = {
    [ENV.params]: JSON.stringify(input.params),
    [ENV.training]: JSON.stringify(input.training ?? {}),
    [ENV.trial]: input.trial,
    [ENV.seed]: String(input.seed),
  };
  for (const [name, value] of Object.entries(input.params)) env[paramEnvName(name)] = String(value);
  if (input.resultFile !== undefined) env[ENV.resultFile] = input.resultFile;
  if (input.outputDir !== undefined) env[ENV.outputDir] = input.outputDir;
  if (input.attempt !== undefined) env[ENV.attempt] = String(input.attempt);
  return env;
}

const ParamsSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

/** What a trainer reads back from its environment; throws naming the variable that is wrong. */
export function readTrialEnvironment(env: NodeJS.ProcessEnv) {
  const json = (name: string, fallback: string): unknown => {
    try {
      return JSON.parse(env[name] ?? fallback);
    } catch (error) {
      throw new Error(`${name} is not valid JSON: ${(error as Error).message}`);
    }
  };
  const params = ParamsSchema.safeParse(json(ENV.params, '{}'));
  if (!params.success) throw new Error(`${ENV.params} must be a JSON object of strings, numbers or booleans`);
  const rawTraining = json(ENV.training, '{}');
  const training = TrainingSettingsSchema.safeParse(rawTraining);
  if (!training.success) {
    const issues = zodIssues(training.error, { [ENV.training]: rawTraining }, [ENV.training]);
    throw new Error(issues.map(formatIssue).join('; '));
  }
  const seed = Number(env[ENV.seed] ?? 0);
  if (!Number.isInteger(seed)) throw new Error(`${ENV.seed} must be an integer, got ${env[ENV.seed]}`);
  const attempt = Number(env[ENV.attempt] ?? 1);
  if (!Number.isInteger(attempt) || attempt < 1)
    throw new Error(`${ENV.attempt} must be a positive integer, got ${env[ENV.attempt]}`);
  return {
    trial: env[ENV.trial] ?? 'trial',
    seed,
    params: params.data,
    training: training.data,
    resultFile: env[ENV.resultFile] ?? DEFAULT_RESULT_FILE,
    outputDir: env[ENV.outputDir],
    attempt,
  };
}
