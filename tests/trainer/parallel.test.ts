import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeBatch } from '../../trainer/src/data/batches.ts';
import { adapterVariables, createAdapters } from '../../trainer/src/lora/inject.ts';
import { LlamaModel } from '../../trainer/src/model/llama.ts';
import { AdamW } from '../../trainer/src/optim/adamw.ts';
import { DataParallelStepper } from '../../trainer/src/parallel/data-parallel.ts';
import { shardBatch } from '../../trainer/src/parallel/shard.ts';
import { Rng } from '../../trainer/src/rng.ts';
import { trainStep } from '../../trainer/src/train/step.ts';
import { TINY_MODEL, tinyCheckpoint, useWasm } from './fixture.ts';

before(useWasm);

const micro = [
  makeBatch(
    [
      { ids: [1, 5, 6, 7, 2], lossMask: [0, 1, 1, 1, 1] },
      { ids: [1, 8, 9, 2], lossMask: [0, 0, 1, 1] },
      { ids: [1, 30, 31, 32, 33, 2], lossMask: [0, 0, 0, 1, 1, 1] },
    ],
    0,
  ),
  makeBatch([{ ids: [1, 40, 41, 2], lossMask: [0, 1, 1, 1] }], 0),
];

test('shards › rows split evenly, token counts follow the weights', () => {
  const shards = shardBatch(micro[0], 2);
  assert.deepEqual(
    shards.map((s) => s.batch),
    [2, 1],
  );
  assert.equal(shards[0].tokens + shards[1].tokens, micro[0].tokens);
  assert.deepEqual([...shards[1].ids], [...micro[0].ids.slice(2 * micro[0].seqLen)]);
});

test('data parallelism › two workers give the single-thread step (loss, norm and updated LoRA)', async () => {
  const lora = { r: 4, alpha: 8, dropout: 0 };
  const targets = ['q_proj', 'v_proj', 'down_proj'] as const;
  const setup = () => {
    const model = new LlamaModel(tinyCheckpoint(), 'explicit');
    const adapters = createAdapters(model, targets, lora, new Rng(9));
    const variables = adapterVariables(adapters);
    return { model, adapters, variables, optimizer: new AdamW(variables, { weightDecay: 0.01 }) };
  };
  const single = setup();
  const parallel = setup();
  const pool = await DataParallelStepper.start(2, {
    source: { kind: 'directory', path: TINY_MODEL },
    targets: [...targets],
    lora,
  });
  try {
    for (let step = 0; step < 2; step++) {
      const a = trainStep(single, micro, 5e-3, 0.5);
      const b = await pool.step(parallel, micro, 5e-3, 0.5);
      assert.ok(Math.abs(a.loss - b.loss) < 1e-6, `${a.loss} vs ${b.loss}`);
      assert.ok(Math.abs(a.gradNorm - b.gradNorm) < 1e-6);
    }
    single.variables.forEach((v, i) => {
      const x = v.dataSync();
      const y = parallel.variables[i].dataSync();
      assert.ok(
        x.every((value, j) => Math.abs(value - y[j]) < 1e-6),
        v.name,
      );
    });
  } finally {
    await pool.close();
  }
});
