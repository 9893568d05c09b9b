/**
 * One speed measurement of the bench, in its own process (a tfjs backend is process-wide):
 *   node bench/trainer/speed-variant.ts <variant> <steps> <cores>
 * variants: tensorflow-gpu, tensorflow, wasm-explicit, wasm-autograd, cpu-explicit, wasm-data-parallel.
 * Prints {"msPerStep" (best step), "medianMs", "tokensPerS"} after one warm-up step.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendChoice } from '../../trainer/src/backend.ts';
import { adapterVariables, createAdapters } from '../../trainer/src/lora/inject.ts';
import { LlamaModel } from '../../trainer/src/model/llama.ts';
import { AdamW } from '../../trainer/src/optim/adamw.ts';
import { Rng } from '../../trainer/src/rng.ts';
import { trainStep } from '../../trainer/src/train/step.ts';
import { SPEC, benchBatch, benchCheckpoint, timeSteps } from './bench-model.ts';

async function singleProcess(variant: string, steps: number) {
  const backend = (variant.startsWith('tensorflow-gpu') ? 'tensorflow-gpu' : variant.split('-')[0]) as BackendChoice;
  const grads = variant.endsWith('-autograd') ? 'autograd' : undefined;
  const selected = await selectBackend(backend, process.env, () => {});
  const mode = grads === 'autograd' || selected.gradientMode === 'autograd' ? 'autograd' : 'explicit';
  const model = new LlamaModel(benchCheckpoint(SPEC), mode);
  const adapters = createAdapters(
    model,
    SPEC.targetModules,
    { r: SPEC.loraR, alpha: SPEC.loraAlpha, dropout: 0 },
    new Rng(2),
  );
  const variables = adapterVariables(adapters);
  const ctx = { model, adapters, variables, optimizer: new AdamW(variables, { weightDecay: 0.01 }) };
  const batch = benchBatch(SPEC, 3);
  return timeSteps(steps, batch.tokens, () => trainStep(ctx, [batch], 1e-4, 1));
}

async function measure(variant: string, steps: number, cores: number) {
  if (variant === 'wasm-data-parallel') {
    const { dataParallelSpeed } = await import('./data-parallel-speed.ts');
    return dataParallelSpeed(SPEC, steps, cores);
  }
  return singleProcess(variant, steps);
}

if (import.meta.main) {
  const [variant, steps, cores] = process.argv.slice(2);
  try {
    const result = await measure(variant, Number(steps), Number(cores));
    process.stdout.write(JSON.stringify({ ...result, backend: tf.getBackend() }) + '\n');
  } catch (error) {
    process.stdout.write(JSON.stringify({ error: (error as Error).message.split('\n')[0] }) + '\n');
  }
}
