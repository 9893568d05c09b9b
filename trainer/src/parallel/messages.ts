/** Messages between the training thread and its gradient workers (data parallelism on CPU). */
import type { HostBatch } from '../data/batches.ts';
import type { LoraOptions } from '../lora/lora-linear.ts';
import type { TargetModule } from '../model/module-path.ts';

/** Where the trainer's workers load the model from. */
export interface ModelDirectory {
  kind: 'directory';
  path: string;
}

/** What a worker starts with; `Source` is whatever its entry script knows how to load. */
export interface WorkerInit<Source = ModelDirectory> {
  source: Source;
  targets: TargetModule[];
  lora: LoraOptions;
}

export interface GradientRequest {
  /** Current LoRA values, in the adapters' variable order. */
  values: Float32Array[];
  /** This worker's shard of each micro-batch of the step (possibly none). */
  shards: HostBatch[];
  /** Target tokens of the whole step, over all workers: the loss normaliser. */
  totalTokens: number;
  /** Seeds this worker's adapter dropout for the step; absent means no dropout. */
  dropoutSeed?: number;
}

export interface GradientReply {
  grads: Float32Array[];
  loss: number;
}
