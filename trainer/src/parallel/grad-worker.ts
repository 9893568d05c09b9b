/** The trainer's gradient worker: serves gradients of the model in the trial's model directory. */
import { workerData } from 'node:worker_threads';
import { loadCheckpoint } from '../io/checkpoint.ts';
import { serveGradients } from './gradient-server.ts';
import type { ModelDirectory, WorkerInit } from './messages.ts';

await serveGradients(workerData as WorkerInit<ModelDirectory>, (source) => loadCheckpoint(source.path));
