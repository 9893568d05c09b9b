/** Splits a batch by rows into at most `parts` shards (data parallelism: one shard per worker). */
import type { HostBatch } from '../data/batches.ts';

export function shardBatch(batch: HostBatch, parts: number): HostBatch[] {
  const shards: HostBatch[] = [];
  const rowsPer = Math.ceil(batch.batch / parts);
  for (let start = 0; start < batch.batch; start += rowsPer) {
    const rows = Math.min(rowsPer, batch.batch - start);
    const from = start * batch.seqLen;
    const to = (start + rows) * batch.seqLen;
    const weights = batch.weights.slice(from, to);
    shards.push({
      batch: rows,
      seqLen: batch.seqLen,
      ids: batch.ids.slice(from, to),
      targets: batch.targets.slice(from, to),
      weights,
      tokens: weights.reduce((n, w) => n + w, 0),
    });
  }
  return shards;
}
