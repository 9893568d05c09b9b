/**
 * How a trial runs locally: the command (trialTemplate.command + args, `--trainer`, or the
 * built-in trainer), and its environment per the trainer contract. The image is ignored.
 * Relative `training.model`/`training.dataset` paths resolve against the manifest's folder.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StudySpec } from '../api/study.ts';
import type { LoraTrial } from '../api/trial.ts';
import { trialEnvironment, type TrialInput } from '../../../trainer/src/contract/env.ts';
import { nameOf } from '../api/object-name.ts';

export interface TrialCommand {
  command: string;
  args: string[];
}

/** The built-in trainer's entry: the sources in a checkout, the build in an installed package. */
export function builtInTrainerEntry(): string {
  const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return fileURLToPath(new URL(`../../../trainer/src/main.${extension}`, import.meta.url));
}

const SCRIPT = /\.(ts|js|mjs|cjs)$/;

/** `--trainer` overrides the command: a .ts/.js file runs with this Node, anything else as is. */
export function trialCommand(spec: StudySpec, trainerOverride: string | undefined, cwd: string): TrialCommand {
  const args = spec.trialTemplate?.args ?? [];
  if (trainerOverride !== undefined) {
    const path = resolve(cwd, trainerOverride);
    if (SCRIPT.test(trainerOverride)) return { command: process.execPath, args: [path, ...args] };
    return { command: existsSync(path) ? path : trainerOverride, args: [...args] };
  }
  const command = spec.trialTemplate?.command ?? [];
  if (command.length > 0) return { command: command[0], args: [...command.slice(1), ...args] };
  return { command: process.execPath, args: [builtInTrainerEntry(), ...args] };
}

/** LORAHPO_TRAINING: the study's training settings with its objective and early stopping. */
export function trainingSettings(spec: StudySpec, manifestDir: string): TrialInput['training'] {
  const training = { ...(spec.training ?? {}) };
  for (const key of ['model', 'dataset'] as const) {
    const path = training[key];
    if (typeof path === 'string' && !isAbsolute(path)) training[key] = resolve(manifestDir, path);
  }
  return {
    ...training,
    objective: { metric: spec.objective.metric, direction: spec.objective.direction },
    ...(spec.earlyStopping ? { earlyStopping: spec.earlyStopping } : {}),
  } as TrialInput['training'];
}

export interface TrialPaths {
  logFile: string;
  resultFile: string;
  outputDir: string;
}

/**
 * The trial's whole environment: the runner's own, the template's `env` values, then the contract.
 * `attempt` counts the runs of this trial across runner restarts, as the operator counts Jobs.
 */
export function trialEnv(
  spec: StudySpec,
  trial: LoraTrial,
  paths: TrialPaths,
  manifestDir: string,
  base: NodeJS.ProcessEnv,
  attempt: number,
): NodeJS.ProcessEnv {
  const fromTemplate = Object.fromEntries(
    (spec.trialTemplate?.env ?? []).flatMap((entry) => (entry.value === undefined ? [] : [[entry.name, entry.value]])),
  );
  const contract = trialEnvironment({
    trial: nameOf(trial),
    seed: trial.spec.seed,
    params: trial.spec.params as TrialInput['params'],
    training: trainingSettings(spec, manifestDir),
    resultFile: paths.resultFile,
    outputDir: paths.outputDir,
    attempt,
  });
  return { ...base, ...fromTemplate, ...contract };
}
