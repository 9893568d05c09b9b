/**
 * A gradient worker: its own tfjs wasm instance and copy of the frozen model; per request it
 * takes the current LoRA values and its shards and returns the gradients of its share of the
 * step's mean loss. The training thread sums them, clips and applies AdamW.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { randomLlamaWeights } from '../fixture/make-tiny-fixture.ts';
import { loadCheckpoint, type Checkpoint } from '../io/checkpoint.ts';
import { adapterVariables, createAdapters } from '../lora/inject.ts';
import { parseLlamaConfig } from '../model/config.ts';
import { LlamaModel } from '../model/llama.ts';
import { Rng } from '../rng.ts';
import { accumulateGradients } from '../train/step.ts';
import type { GradientReply, GradientRequest, WorkerInit } from './messages.ts';

function checkpointOf(init: WorkerInit): Checkpoint {
  if (init.source.kind === 'directory') return loadCheckpoint(init.source.path);
  const tensors = randomLlamaWeights(init.source.config, init.source.seed);
  return { config: parseLlamaConfig(init.source.config, 'config'), tensors: new Map(Object.entries(tensors)) };
}

async function serve(init: WorkerInit): Promise<void> {
  await tf.setBackend('wasm');
  const model = new LlamaModel(checkpointOf(init), 'explicit');
  const adapters = createAdapters(model, init.targets, init.lora, new Rng(0));
  const variables = adapterVariables(adapters);
  parentPort!.on('message', (request: GradientRequest) => {
    variables.forEach((v, i) => v.assign(tf.tensor(request.values[i], v.shape)));
    const dropoutRng = request.dropoutSeed === undefined ? undefined : new Rng(request.dropoutSeed);
    const ctx = { model, adapters, variables, dropoutRng };
    let reply: GradientReply = { grads: variables.map((v) => new Float32Array(v.size)), loss: 0 };
    if (request.shards.length > 0) {
      const { grads, loss } = accumulateGradients(ctx, request.shards, request.totalTokens);
      reply = { grads: grads.map((g) => g.dataSync() as Float32Array), loss };
      tf.dispose(grads);
    }
    parentPort!.postMessage(reply, reply.grads.map((g) => g.buffer as ArrayBuffer));
  });
  parentPort!.postMessage('ready');
}

await serve(workerData as WorkerInit);
