/**
 * Data parallelism over worker_threads for the CPU (wasm) backend, which is single-threaded in
 * Node: each worker computes the gradients of its rows of every micro-batch; this thread sums
 * them, clips and applies AdamW to its own LoRA variables, whose values go to the workers with
 * the next request. The step equals the single-thread step (same normaliser, same clipping).
 */
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { HostBatch } from '../data/batches.ts';
import { clipByGlobalNorm } from '../optim/clip.ts';
import type { StepContext, StepResult } from '../train/step.ts';
import type { GradientReply, GradientRequest, WorkerInit } from './messages.ts';
import { shardBatch } from './shard.ts';

function reply<T>(worker: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    worker.once('error', onError);
    worker.once('message', (message: T) => {
      worker.off('error', onError);
      resolve(message);
    });
  });
}

function defaultWorkerUrl(): URL {
  const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js'; // sources in a checkout, dist/ when installed
  return new URL(`./grad-worker.${extension}`, import.meta.url);
}

export class DataParallelStepper {
  private readonly workers: Worker[];

  private constructor(workers: Worker[]) {
    this.workers = workers;
  }

  /**
   * Starts `count` workers, each loading the model; resolves when all are ready. `workerUrl` is
   * the worker's entry script (default: grad-worker, which loads a model directory).
   */
  static async start<Source>(
    count: number,
    init: WorkerInit<Source>,
    workerUrl = defaultWorkerUrl(),
  ): Promise<DataParallelStepper> {
    const workers = Array.from({ length: count }, () => new Worker(workerUrl, { workerData: init }));
    await Promise.all(workers.map((w) => reply<string>(w)));
    return new DataParallelStepper(workers);
  }

  get size(): number {
    return this.workers.length;
  }

  async step(
    ctx: StepContext,
    micro: readonly HostBatch[],
    learningRate: number,
    maxGradNorm: number,
  ): Promise<StepResult> {
    const values = ctx.variables.map((v) => (v.dataSync() as Float32Array).slice());
    const totalTokens = micro.reduce((n, b) => n + b.tokens, 0);
    const shards: HostBatch[][] = this.workers.map(() => []);
    for (const batch of micro) for (const [k, s] of shardBatch(batch, this.workers.length).entries()) shards[k].push(s);
    const replies = await Promise.all(
      this.workers.map((worker, k) => {
        const request: GradientRequest = {
          values,
          shards: shards[k],
          totalTokens,
          dropoutSeed: ctx.dropoutRng?.int(2 ** 31),
        };
        const answer = reply<GradientReply>(worker);
        worker.postMessage(request);
        return answer;
      }),
    );
    const grads = ctx.variables.map((v, i) => {
      const sum = new Float32Array(v.size);
      for (const r of replies) for (let j = 0; j < sum.length; j++) sum[j] += r.grads[i][j];
      return tf.tensor(sum, v.shape);
    });
    const clipped = clipByGlobalNorm(grads, maxGradNorm);
    ctx.optimizer.step(clipped.grads, learningRate);
    tf.dispose([...grads, ...clipped.grads]);
    return { loss: replies.reduce((n, r) => n + r.loss, 0), gradNorm: clipped.norm };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
