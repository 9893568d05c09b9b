/** Messages between the training thread and its gradient workers (data parallelism on CPU). */
import type { HostBatch } from '../data/batches.ts';
import type { LoraOptions } from '../lora/lora-linear.ts';
import type { TargetModule } from '../model/llama.ts';

export type ModelSource =
  | { kind: 'directory'; path: string }
  /** A seeded random model from a config (the bench). */
  | { kind: 'random'; config: Record<string, unknown>; seed: number };

export interface WorkerInit {
  source: ModelSource;
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
