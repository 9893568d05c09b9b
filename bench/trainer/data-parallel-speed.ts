/** Speed of the data-parallel step (wasm workers) at the bench config; used by speed-variant.ts. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { adapterVariables, createAdapters } from '../../trainer/src/lora/inject.ts';
import { LlamaModel } from '../../trainer/src/model/llama.ts';
import { AdamW } from '../../trainer/src/optim/adamw.ts';
import { DataParallelStepper } from '../../trainer/src/parallel/data-parallel.ts';
import { Rng } from '../../trainer/src/rng.ts';
import { benchBatch, benchCheckpoint, timeSteps, type BenchSpec } from './bench-model.ts';

export async function dataParallelSpeed(spec: BenchSpec, steps: number, workers: number) {
  await tf.setBackend('wasm');
  const lora = { r: spec.loraR, alpha: spec.loraAlpha, dropout: 0 };
  const model = new LlamaModel(benchCheckpoint(spec), 'explicit');
  const adapters = createAdapters(model, spec.targetModules, lora, new Rng(2));
  const variables = adapterVariables(adapters);
  const ctx = { model, adapters, variables, optimizer: new AdamW(variables, { weightDecay: 0.01 }) };
  const init = { source: spec, targets: spec.targetModules, lora };
  const pool = await DataParallelStepper.start(workers, init, new URL('./bench-grad-worker.ts', import.meta.url));
  const batch = benchBatch(spec, 3);
  const timing = await timeSteps(steps, batch.tokens, () => pool.step(ctx, [batch], 1e-4, 1));
  await pool.close();
  return timing;
}
