/**
 * A run's fingerprint: a SHA-256 of everything its result depends on (trial, seed, split seed,
 * hyperparameters, training settings, the model's config.json and weight files' names and sizes,
 * the dataset's bytes). A checkpoint is resumed only by a run with the same fingerprint, so one left
 * by another trial, other params or another dataset is never continued.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSettings } from '../settings.ts';

export function runFingerprint(settings: RunSettings, datasetContent: string): string {
  const weights = readdirSync(settings.model)
    .filter((f) => f.endsWith('.safetensors') || f.endsWith('.json'))
    .sort()
    .map((f) => [f, statSync(join(settings.model, f)).size]);
  const identity = {
    trial: settings.trial,
    seed: settings.seed,
    splitSeed: settings.splitSeed,
    hyper: settings.hyper,
    training: settings.training,
    objective: settings.objective,
    model: { config: readFileSync(join(settings.model, 'config.json'), 'utf8'), files: weights },
    dataset: createHash('sha256').update(datasetContent).digest('hex'),
  };
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}
