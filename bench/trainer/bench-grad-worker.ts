/** A gradient worker for the bench: serves gradients of the bench's seeded random model. */
import { workerData } from 'node:worker_threads';
import { serveGradients } from '../../trainer/src/parallel/gradient-server.ts';
import type { WorkerInit } from '../../trainer/src/parallel/messages.ts';
import { benchCheckpoint, type BenchSpec } from './bench-model.ts';

await serveGradients(workerData as WorkerInit<BenchSpec>, (spec) => benchCheckpoint(spec));
