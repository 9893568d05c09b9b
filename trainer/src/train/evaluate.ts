/** Token-weighted mean next-token loss over the evaluation batches (no dropout). */
import * as tf from '@tensorflow/tfjs';
import type { HostBatch } from '../data/batches.ts';
import type { AdapterSet } from '../lora/inject.ts';
import type { LlamaModel } from '../model/llama.ts';
import { batchLossSum } from './step.ts';

export function evaluateLoss(
  model: LlamaModel,
  adapters: AdapterSet | undefined,
  batches: readonly HostBatch[],
): number {
  let sum = 0;
  let tokens = 0;
  for (const batch of batches) {
    sum += tf.tidy(() => batchLossSum(model, batch, adapters).dataSync()[0]);
    tokens += batch.tokens;
  }
  return sum / tokens;
}
