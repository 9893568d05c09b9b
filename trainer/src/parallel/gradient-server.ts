/**
 * A gradient worker's service: its own tfjs wasm instance and copy of the frozen model; per
 * request it takes the current LoRA values and its shards and returns the gradients of its share
 * of the step's mean loss. The training thread sums them, clips and applies AdamW. Where the model
 * comes from is the entry script's choice (grad-worker.ts: a directory; the bench: a random one).
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { Checkpoint } from '../io/checkpoint.ts';
import { adapterVariables, createAdapters } from '../lora/inject.ts';
import { LlamaModel } from '../model/llama.ts';
import { Rng } from '../rng.ts';
import { accumulateGradients } from '../train/step.ts';
import type { GradientReply, GradientRequest, WorkerInit } from './messages.ts';

/** Loads the model once the wasm backend is set, then answers gradient requests until terminated. */
export async function serveGradients<Source>(
  init: WorkerInit<Source>,
  load: (source: Source) => Checkpoint,
): Promise<void> {
  await tf.setBackend('wasm');
  const model = new LlamaModel(load(init.source), 'explicit');
  const adapters = createAdapters(model, init.targets, init.lora, new Rng(0));
  const variables = adapterVariables(adapters);
  parentPort!.on('message', (request: GradientRequest) => {
    for (const [i, v] of variables.entries()) v.assign(tf.tensor(request.values[i], v.shape));
    const dropoutRng = request.dropoutSeed === undefined ? undefined : new Rng(request.dropoutSeed);
    const ctx = { model, adapters, variables, dropoutRng };
    let reply: GradientReply = { grads: variables.map((v) => new Float32Array(v.size)), loss: 0 };
    if (request.shards.length > 0) {
      const { grads, loss } = accumulateGradients(ctx, request.shards, request.totalTokens);
      reply = { grads: grads.map((g) => g.dataSync() as Float32Array), loss };
      tf.dispose(grads);
    }
    parentPort!.postMessage(
      reply,
      reply.grads.map((g) => g.buffer as ArrayBuffer),
    );
  });
  parentPort!.postMessage('ready');
}
