/**
 * One run's settings, from the contract's environment with command-line flags on top. A trial's
 * sampled params override the study's fixed training settings of the same name.
 */
import { LorahpoError } from './contract/errors.ts';
import { formatIssues } from './contract/format-issue.ts';
import { zodIssues } from './contract/zod-issues.ts';
import { ENV, readTrialEnvironment } from './contract/env.ts';
import {
  HyperparametersSchema,
  type Direction,
  type Hyperparameters,
  type TrainingSettings,
} from './contract/training.ts';

export const REPORTED_METRICS = ['eval_loss', 'perplexity', 'train_loss'] as const;

export interface Flags {
  params?: string;
  training?: string;
  trial?: string;
  seed?: string;
  resultFile?: string;
  outputDir?: string;
  model?: string;
  dataset?: string;
  epochs?: string;
  maxSteps?: string;
  batchSize?: string;
  evalSteps?: string;
  backend?: string;
  skipBadLines?: boolean;
  splitSeed?: string;
  workers?: string;
}

export interface RunSettings {
  trial: string;
  seed: number;
  splitSeed: number;
  resultFile: string;
  outputDir?: string;
  /** LORAHPO_ATTEMPT: 1 for a trial's first run, 2 after its pod was preempted once, … */
  attempt: number;
  model: string;
  dataset: string;
  training: TrainingSettings;
  hyper: Hyperparameters;
  objective: { metric: string; direction: Direction };
  /** Gradient worker threads (data parallelism on the wasm backend); 1 = none. */
  workers: number;
}

function flagNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n))
    throw new LorahpoError('LORAHPO_SPEC_INVALID', `--${name} must be a number, got ${JSON.stringify(value)}`);
  return n;
}

/** The training JSON (flag or env) with the single-setting flags applied over it. */
function trainingJson(env: NodeJS.ProcessEnv, flags: Flags): string {
  const source = flags.training ?? env[ENV.training] ?? '{}';
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(source);
  } catch (error) {
    throw new LorahpoError(
      'LORAHPO_SPEC_INVALID',
      `${flags.training ? '--training' : ENV.training} is not valid JSON: ${(error as Error).message}`,
    );
  }
  const overrides: Record<string, unknown> = {
    model: flags.model,
    dataset: flags.dataset,
    backend: flags.backend,
    skipBadLines: flags.skipBadLines,
    epochs: flagNumber('epochs', flags.epochs),
    maxSteps: flagNumber('max-steps', flags.maxSteps),
    batchSize: flagNumber('batch-size', flags.batchSize),
    evalSteps: flagNumber('eval-steps', flags.evalSteps),
  };
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) raw[key] = value;
  return JSON.stringify(raw);
}

function hyperparameters(
  training: TrainingSettings,
  params: Record<string, unknown>,
  warn: (m: string) => void,
): Hyperparameters {
  const known = Object.keys(HyperparametersSchema.shape);
  const fromTraining = Object.fromEntries(
    known
      .filter((k) => (training as Record<string, unknown>)[k] !== undefined)
      .map((k) => [k, (training as Record<string, unknown>)[k]]),
  );
  for (const name of Object.keys(params))
    if (!known.includes(name)) warn(`parameter ${name} is not a hyperparameter of the built-in trainer; ignored`);
  const fromParams = Object.fromEntries(Object.entries(params).filter(([k]) => known.includes(k)));
  const merged = { ...fromTraining, ...fromParams };
  const parsed = HyperparametersSchema.safeParse(merged);
  if (!parsed.success) {
    const header = `invalid hyperparameters (${ENV.params} over ${ENV.training}):`;
    throw new LorahpoError('LORAHPO_SPEC_INVALID', formatIssues(header, zodIssues(parsed.error, merged)));
  }
  if (merged.warmupSteps !== undefined && merged.warmupRatio !== undefined)
    warn(
      `warmupSteps ${merged.warmupSteps} wins over warmupRatio ${merged.warmupRatio} (as transformers' warmup_steps)`,
    );
  return parsed.data;
}

function workerCount(env: NodeJS.ProcessEnv, flags: Flags): number {
  const raw = flags.workers ?? env.LORAHPO_WORKERS ?? '1';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new LorahpoError(
      'LORAHPO_SPEC_INVALID',
      `--workers / LORAHPO_WORKERS must be a positive integer, got ${JSON.stringify(raw)}`,
    );
  return n;
}

export function resolveSettings(env: NodeJS.ProcessEnv, flags: Flags, warn: (m: string) => void): RunSettings {
  const merged: NodeJS.ProcessEnv = { ...env, [ENV.training]: trainingJson(env, flags) };
  if (flags.params !== undefined) merged[ENV.params] = flags.params;
  if (flags.trial !== undefined) merged[ENV.trial] = flags.trial;
  if (flags.seed !== undefined) merged[ENV.seed] = flags.seed;
  if (flags.resultFile !== undefined) merged[ENV.resultFile] = flags.resultFile;
  if (flags.outputDir !== undefined) merged[ENV.outputDir] = flags.outputDir;
  let read: ReturnType<typeof readTrialEnvironment>;
  try {
    read = readTrialEnvironment(merged);
  } catch (error) {
    throw new LorahpoError('LORAHPO_SPEC_INVALID', (error as Error).message);
  }
  const { training } = read;
  if (training.model === undefined)
    throw new LorahpoError(
      'LORAHPO_SPEC_INVALID',
      'training.model is required (a directory with config.json, *.safetensors and tokenizer.json); pass --model',
    );
  if (training.dataset === undefined)
    throw new LorahpoError('LORAHPO_SPEC_INVALID', 'training.dataset is required (a JSONL file); pass --dataset');
  const objective = {
    metric: training.objective?.metric ?? 'eval_loss',
    direction: training.objective?.direction ?? 'minimize',
  };
  if (!(REPORTED_METRICS as readonly string[]).includes(objective.metric)) {
    throw new LorahpoError(
      'LORAHPO_SPEC_INVALID',
      `training.objective.metric is ${objective.metric} but the built-in trainer reports ${REPORTED_METRICS.join(', ')}`,
    );
  }
  return {
    trial: read.trial,
    seed: read.seed,
    splitSeed: flagNumber('split-seed', flags.splitSeed) ?? 0,
    resultFile: read.resultFile,
    outputDir: read.outputDir,
    attempt: read.attempt,
    model: training.model,
    dataset: training.dataset,
    training,
    hyper: hyperparameters(training, read.params, warn),
    objective,
    workers: workerCount(env, flags),
  };
}
