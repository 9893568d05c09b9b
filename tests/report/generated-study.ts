/**
 * A generated study of any size for the report's browser test and bench: a known objective over
 * five LoRA parameters (learning rate matters most, then the scheduler; dropout not at all), with
 * curves, pruned, early-stopped, failed and running trials, as LoraStudy/LoraTrial objects the
 * way the operator writes them. Seeded, so every run draws the same study.
 */
import { LoraStudySchema, type LoraStudy } from '../../operator/src/api/study.ts';
import type { LoraTrial, TrialPhase } from '../../operator/src/api/trial.ts';

/** mulberry32: a small seeded generator (the study must not differ between runs). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STEPS = 30;
const START = Date.parse('2026-01-01T00:00:00Z');

export function generatedStudy(count: number, seed = 7): { study: LoraStudy; trials: LoraTrial[] } {
  const study = LoraStudySchema.parse({
    apiVersion: 'lorahpo.io/v1alpha1',
    kind: 'LoraStudy',
    metadata: { name: `generated-${count}`, namespace: 'hpo' },
    spec: {
      objective: { metric: 'eval_loss', direction: 'minimize' },
      pruner: { algorithm: 'median', startupTrials: 5, warmupSteps: 5 },
      budget: { maxTrials: count, parallelTrials: 8 },
      parameters: [
        { name: 'learningRate', type: 'float', min: 1e-5, max: 1e-3, log: true },
        { name: 'weightDecay', type: 'float', min: 1e-6, max: 1e-2, log: true },
        { name: 'loraR', type: 'categorical', values: [8, 16, 32, 64] },
        { name: 'loraDropout', type: 'float', min: 0, max: 0.1 },
        { name: 'scheduler', type: 'categorical', values: ['cosine', 'linear', 'constant'] },
      ],
      trialTemplate: { resources: { limits: { 'nvidia.com/gpu': 1 } } },
    },
    status: { phase: 'Running', conditions: [] },
  });
  const next = random(seed);
  const trials = Array.from({ length: count }, (_, number) => generatedTrial(study, number, next, count));
  return { study, trials };
}

function generatedTrial(study: LoraStudy, number: number, next: () => number, count: number): LoraTrial {
  const logLr = -5 + 2 * next();
  const params = {
    learningRate: Number((10 ** logLr).toPrecision(4)),
    weightDecay: Number((10 ** (-6 + 4 * next())).toPrecision(4)),
    loraR: [8, 16, 32, 64][Math.floor(next() * 4)],
    loraDropout: Number((0.1 * next()).toFixed(4)),
    scheduler: ['cosine', 'linear', 'constant'][Math.floor(next() * 3)],
  };
  const floor = 0.8 + 1.5 * (logLr + 3.7) ** 2 + (params.scheduler === 'constant' ? 0.3 : 0) + 0.05 * next();
  const roll = next();
  const phase: TrialPhase =
    number >= count - 4
      ? 'Running'
      : roll < 0.35
        ? 'Pruned'
        : roll < 0.45
          ? 'EarlyStopped'
          : roll < 0.48
            ? 'Failed'
            : 'Succeeded';
  const lastStep =
    phase === 'Pruned'
      ? 5 + Math.floor(next() * 15)
      : phase === 'EarlyStopped'
        ? 15 + Math.floor(next() * 10)
        : phase === 'Failed'
          ? 3
          : STEPS;
  const intermediateValues = Array.from({ length: lastStep }, (_, i) => ({
    step: i + 1,
    value: floor + 2.5 / (i + 1) + 0.02 * next(),
  }));
  const startMs = START + number * 60_000;
  const endMs = startMs + lastStep * 20_000;
  const last = intermediateValues.at(-1)?.value;
  const name = `${study.metadata.name}-${number}`;
  const ended = phase === 'Running' ? {} : { completionTime: new Date(endMs).toISOString() };
  const outcome = {
    Succeeded: { value: last, adapterPath: `/adapters/${name}` },
    EarlyStopped: {
      value: last,
      stoppedAtEpoch: Math.ceil(lastStep / 10),
      bestEpoch: Math.ceil(lastStep / 10) - 1,
      adapterPath: `/adapters/${name}`,
    },
    Pruned: { value: last, prunedAtStep: lastStep, reason: 'Pruned' },
    Failed: { reason: 'TrainerFailed', message: 'trainer exited with code 3' },
    Running: {},
    Pending: {},
  }[phase];
  return {
    apiVersion: 'lorahpo.io/v1alpha1',
    kind: 'LoraTrial',
    metadata: { name, namespace: 'hpo' },
    spec: { study: study.metadata.name as string, number, params, seed: number },
    status: { phase, intermediateValues, startTime: new Date(startMs).toISOString(), ...ended, ...outcome },
  };
}
