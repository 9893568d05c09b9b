/**
 * Padded batches as plain arrays (no tensors: a batch is made into tensors only inside a step).
 * Padding is on the right, up to the longest sequence of the batch; a padded position has weight 0.
 * targets[t] is the token at t+1: the model predicts the next token.
 */
import type { Rng } from '../rng.ts';
import type { Sequence } from './examples.ts';

export interface HostBatch {
  batch: number;
  seqLen: number;
  ids: Int32Array;
  targets: Int32Array;
  /** 1 where the position's target counts in the loss. */
  weights: Float32Array;
  /** Number of positions that count (sum of weights). */
  tokens: number;
}

export function makeBatch(sequences: readonly Sequence[], padId: number): HostBatch {
  const seqLen = Math.max(...sequences.map((s) => s.ids.length));
  const batch = sequences.length;
  const ids = new Int32Array(batch * seqLen).fill(padId);
  const targets = new Int32Array(batch * seqLen).fill(padId);
  const weights = new Float32Array(batch * seqLen);
  let tokens = 0;
  sequences.forEach((s, b) => {
    for (let t = 0; t < s.ids.length; t++) {
      ids[b * seqLen + t] = s.ids[t];
      if (t + 1 < s.ids.length && s.lossMask[t + 1] === 1) {
        targets[b * seqLen + t] = s.ids[t + 1];
        weights[b * seqLen + t] = 1;
        tokens++;
      }
    }
  });
  return { batch, seqLen, ids, targets, weights, tokens };
}

/** Consecutive batches of `batchSize` (the last may be smaller). */
export function batchesOf(sequences: readonly Sequence[], batchSize: number, padId: number): HostBatch[] {
  const batches: HostBatch[] = [];
  for (let i = 0; i < sequences.length; i += batchSize)
    batches.push(makeBatch(sequences.slice(i, i + batchSize), padId));
  return batches;
}

/** One epoch's batches in a seeded order. */
export function epochBatches(sequences: readonly Sequence[], batchSize: number, padId: number, rng: Rng): HostBatch[] {
  return batchesOf(rng.shuffled(sequences), batchSize, padId);
}
