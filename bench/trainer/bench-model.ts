/** The bench's model and batch: a seeded random Llama at the TRAINER.md config (bench-spec.json). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { HostBatch } from '../../trainer/src/data/batches.ts';
import { randomLlamaWeights } from '../../trainer/src/fixture/make-tiny-fixture.ts';
import type { Checkpoint } from '../../trainer/src/io/checkpoint.ts';
import { parseLlamaConfig } from '../../trainer/src/model/config.ts';
import type { TargetModule } from '../../trainer/src/model/module-path.ts';
import { Rng } from '../../trainer/src/rng.ts';

export interface BenchSpec {
  model: Record<string, unknown>;
  batch: number;
  seqLen: number;
  loraR: number;
  loraAlpha: number;
  targetModules: TargetModule[];
}

export const SPEC: BenchSpec = JSON.parse(
  readFileSync(fileURLToPath(new URL('./bench-spec.json', import.meta.url)), 'utf8'),
);

export function benchCheckpoint(spec: BenchSpec): Checkpoint {
  const tensors = randomLlamaWeights(spec.model, 1);
  return { config: parseLlamaConfig(spec.model, 'bench-spec.json'), tensors: new Map(Object.entries(tensors)) };
}

/** A batch of random tokens, every position counted (as the PyTorch peer does). */
export function benchBatch(spec: BenchSpec, seed: number, rows = spec.batch): HostBatch {
  const rng = new Rng(seed);
  const n = rows * spec.seqLen;
  const vocab = spec.model.vocab_size as number;
  const ids = Int32Array.from({ length: n }, () => rng.int(vocab));
  const targets = Int32Array.from({ length: n }, () => rng.int(vocab));
  return { batch: rows, seqLen: spec.seqLen, ids, targets, weights: new Float32Array(n).fill(1), tokens: n };
}

/** Times `steps` calls after one warm-up: the best step (least disturbed on a shared machine) and the median. */
export async function timeSteps(
  steps: number,
  tokens: number,
  step: () => unknown,
): Promise<{ msPerStep: number; medianMs: number; tokensPerS: number }> {
  await step();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const start = performance.now();
    await step();
    times.push(performance.now() - start);
  }
  const best = Math.min(...times);
  return {
    msPerStep: best,
    medianMs: times.sort((a, b) => a - b)[Math.floor(times.length / 2)],
    tokensPerS: tokens / (best / 1000),
  };
}
