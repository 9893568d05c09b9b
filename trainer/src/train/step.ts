/**
 * One optimiser step: gradients of the LoRA variables only, accumulated over micro-batches and
 * normalised by the step's total target tokens (so accumulation equals one large batch), global-norm
 * clipping, then AdamW. Everything a step creates is disposed before it returns.
 */
import * as tf from '@tensorflow/tfjs';
import type { HostBatch } from '../data/batches.ts';
import type { AdapterSet } from '../lora/inject.ts';
import type { LlamaModel } from '../model/llama.ts';
import type { AdamW } from '../optim/adamw.ts';
import { clipByGlobalNorm } from '../optim/clip.ts';
import type { Rng } from '../rng.ts';
import { weightedNllSum } from './loss.ts';

export interface StepContext {
  model: LlamaModel;
  adapters: AdapterSet;
  variables: tf.Variable[];
  optimizer: AdamW;
  /** Adapter dropout seeds; absent means no dropout. */
  dropoutRng?: Rng;
}

/** Summed next-token loss of one batch (a scalar to differentiate). */
export function batchLossSum(
  model: LlamaModel,
  batch: HostBatch,
  adapters: AdapterSet | undefined,
  dropoutRng?: Rng,
): tf.Scalar {
  const ids = tf.tensor2d(batch.ids, [batch.batch, batch.seqLen], 'int32');
  const logits = model.forward(ids, { adapters, dropoutRng });
  return weightedNllSum(logits, tf.tensor1d(batch.targets, 'int32'), tf.tensor1d(batch.weights));
}

/**
 * Gradients of the mean loss over the step's target tokens (all micro-batches; `totalTokens`
 * when these are one worker's share of a larger step); the caller disposes them.
 */
export function accumulateGradients(
  ctx: Pick<StepContext, 'model' | 'adapters' | 'variables' | 'dropoutRng'>,
  micro: readonly HostBatch[],
  totalTokens = micro.reduce((n, b) => n + b.tokens, 0),
): { grads: tf.Tensor[]; loss: number } {
  let sums: tf.Tensor[] | undefined;
  let loss = 0;
  for (const batch of micro) {
    const { value, grads } = tf.variableGrads(
      () => tf.div(batchLossSum(ctx.model, batch, ctx.adapters, ctx.dropoutRng), totalTokens) as tf.Scalar,
      ctx.variables,
    );
    loss += value.dataSync()[0];
    value.dispose();
    const ordered = ctx.variables.map((v) => grads[v.name]);
    if (sums === undefined) sums = ordered;
    else {
      const previous = sums;
      sums = previous.map((s, i) => tf.add(s, ordered[i]));
      tf.dispose([...previous, ...ordered]);
    }
  }
  return { grads: sums ?? [], loss };
}

export interface StepResult {
  loss: number;
  gradNorm: number;
}

export function trainStep(
  ctx: StepContext,
  micro: readonly HostBatch[],
  learningRate: number,
  maxGradNorm: number,
): StepResult {
  const { grads, loss } = accumulateGradients(ctx, micro);
  const clipped = clipByGlobalNorm(grads, maxGradNorm);
  ctx.optimizer.step(clipped.grads, learningRate);
  tf.dispose([...grads, ...clipped.grads]);
  return { loss, gradNorm: clipped.norm };
}
