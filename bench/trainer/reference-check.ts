/**
 * The reference check: the same tiny-fixture weights, the same token ids and the same initial
 * LoRA A (B = 0) through our trainer (wasm) and through the independent PyTorch implementation in
 * torch_reference.py; compares the logits, the loss and gradient norm of one AdamW step with
 * clipping, and the loss after that step.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { makeBatch, type HostBatch } from '../../trainer/src/data/batches.ts';
import { parseJsonl } from '../../trainer/src/data/dataset.ts';
import { encodeRecord } from '../../trainer/src/data/examples.ts';
import { loadTokenizer } from '../../trainer/src/data/tokenizer.ts';
import { loadCheckpoint } from '../../trainer/src/io/checkpoint.ts';
import { serializeSafetensors } from '../../trainer/src/io/safetensors.ts';
import { adapterVariables, createAdapters, disposeAdapters, type AdapterSet } from '../../trainer/src/lora/inject.ts';
import { peftState } from '../../trainer/src/lora/peft-state.ts';
import { LlamaModel } from '../../trainer/src/model/llama.ts';
import { linearModules } from '../../trainer/src/model/module-path.ts';
import { AdamW } from '../../trainer/src/optim/adamw.ts';
import { Rng } from '../../trainer/src/rng.ts';
import { batchLossSum, trainStep } from '../../trainer/src/train/step.ts';

const TINY = fileURLToPath(new URL('../../examples/tiny/', import.meta.url));
const MODEL = join(TINY, 'model');
const HYPER = { learningRate: 1e-2, weightDecay: 0.01, maxGradNorm: 0.1, loraR: 8, loraAlpha: 16 }; // clipping active
const TOLERANCE = 1e-4;

/** Four real dataset lines of different lengths: padding and answer-only masks are exercised. */
function fixtureBatch(): HostBatch {
  const read = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : undefined);
  const tokenizer = loadTokenizer(join(MODEL, 'tokenizer.json'), join(MODEL, 'tokenizer_config.json'), read);
  const records = parseJsonl(readFileSync(join(TINY, 'cncf-qa.jsonl'), 'utf8'), 'cncf-qa.jsonl', {
    skipBadLines: false,
    warn: () => {},
  }).slice(0, 4);
  const options = {
    promptTemplate: '### Question: {question}\n ### Answer: {answer}',
    lossOnAnswerOnly: true,
    maxSeqLength: 512,
    eosId: 2,
  };
  return makeBatch(
    records.map((r) => encodeRecord(r, tokenizer, options)),
    0,
  );
}

function ours(model: LlamaModel, adapters: AdapterSet, batch: HostBatch) {
  const logits = tf.tidy(
    () =>
      model
        .forward(tf.tensor2d(batch.ids, [batch.batch, batch.seqLen], 'int32'), { adapters })
        .dataSync() as Float32Array,
  );
  const variables = adapterVariables(adapters);
  const optimizer = new AdamW(variables, { weightDecay: HYPER.weightDecay });
  const step = trainStep({ model, adapters, variables, optimizer }, [batch], HYPER.learningRate, HYPER.maxGradNorm);
  const lossAfter = tf.tidy(() => batchLossSum(model, batch, adapters).dataSync()[0] / batch.tokens);
  return { logits, lossBefore: step.loss, gradNorm: step.gradNorm, lossAfter };
}

/** B random (±0.05) and each magnitude off by up to ±10 %. */
function moveOffStart(adapters: AdapterSet, rng: Rng): void {
  for (const adapter of adapters.values()) {
    const b = Float32Array.from({ length: adapter.bT.size }, () => (2 * rng.next() - 1) * 0.05);
    adapter.bT.assign(tf.tensor(b, adapter.bT.shape));
    const magnitude = adapter.magnitude;
    if (magnitude === undefined) continue;
    const factors = Float32Array.from({ length: magnitude.size }, () => 1 + (2 * rng.next() - 1) * 0.1);
    magnitude.assign(tf.tidy(() => tf.mul(magnitude, tf.tensor(factors, magnitude.shape))));
  }
}

export interface ReferenceComparison {
  maxLogitDiff: number;
  mine: { lossBefore: number; gradNorm: number; lossAfter: number };
  theirs: { lossBefore: number; gradNorm: number; lossAfter: number };
}

/**
 * One model directory, one batch, LoRA (r 8, B = 0, seeded A) on every linear layer: our logits,
 * loss, gradient norm and loss after one AdamW step beside the PyTorch reference's. Throws where
 * the reference fails.
 */
export async function compareWithReference(
  python: string,
  modelDir: string,
  batch: HostBatch,
  options: { dora?: boolean } = {},
): Promise<ReferenceComparison> {
  if (tf.getBackend() !== 'wasm') await tf.setBackend('wasm');
  const model = new LlamaModel(loadCheckpoint(modelDir), 'explicit');
  const adapters = createAdapters(
    model,
    linearModules(model.config),
    { r: HYPER.loraR, alpha: HYPER.loraAlpha, dropout: 0, dora: options.dora },
    new Rng(5),
  );
  // DoRA at its start is the base model (B = 0, m = ‖W‖): move both, so the logits test it
  if (options.dora) moveOffStart(adapters, new Rng(11));
  const dir = mkdtempSync(join(tmpdir(), 'lorahpo-ref-'));
  writeFileSync(join(dir, 'lora_init.safetensors'), serializeSafetensors(peftState(adapters, model.storedName)));
  writeFileSync(
    join(dir, 'request.json'),
    JSON.stringify({
      model: modelDir,
      hyper: HYPER,
      batch: batch.batch,
      seqLen: batch.seqLen,
      ids: [...batch.ids],
      targets: [...batch.targets],
      weights: [...batch.weights],
    }),
  );
  const mine = ours(model, adapters, batch);
  disposeAdapters(adapters);
  model.dispose();
  const child = spawnSync(python, [fileURLToPath(new URL('./torch_reference.py', import.meta.url)), 'check', dir], {
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`PyTorch reference failed: ${child.stderr}`);
  const theirs = JSON.parse(readFileSync(join(dir, 'check.json'), 'utf8')) as ReferenceComparison['theirs'];
  const raw = readFileSync(join(dir, 'logits.f32'));
  const theirLogits = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  if (theirLogits.length !== mine.logits.length) throw new Error('the reference returned logits of another shape');
  const maxLogitDiff = mine.logits.reduce((m, v, i) => Math.max(m, Math.abs(v - theirLogits[i])), 0);
  const { logits: _, ...mineScalars } = mine;
  return { maxLogitDiff, mine: mineScalars, theirs };
}

export async function referenceCheck(python: string): Promise<string> {
  const batch = fixtureBatch();
  let comparison: ReferenceComparison;
  try {
    comparison = await compareWithReference(python, MODEL, batch);
  } catch (error) {
    return (error as Error).message;
  }
  const { maxLogitDiff, mine, theirs } = comparison;
  const rows: [string, number, number, number][] = [
    ['logits (max abs over all)', Number.NaN, Number.NaN, maxLogitDiff],
    ['loss before the step', mine.lossBefore, theirs.lossBefore, Math.abs(mine.lossBefore - theirs.lossBefore)],
    ['LoRA gradient norm (before clipping)', mine.gradNorm, theirs.gradNorm, Math.abs(mine.gradNorm - theirs.gradNorm)],
    ['loss after one AdamW step', mine.lossAfter, theirs.lossAfter, Math.abs(mine.lossAfter - theirs.lossAfter)],
  ];
  const cell = (x: number) => (Number.isNaN(x) ? '—' : x.toPrecision(8));
  const lines = [
    `batch ${batch.batch}×${batch.seqLen} (${batch.tokens} target tokens), r ${HYPER.loraR} on all 7 modules, lr ${HYPER.learningRate}, weight decay ${HYPER.weightDecay}, maxGradNorm ${HYPER.maxGradNorm}`,
    '',
    '| quantity | lorahpo (tfjs wasm) | PyTorch | abs diff | within 1e-4 |',
    '|---|---|---|---|---|',
    ...rows.map(
      ([name, a, b, d]) =>
        `| ${name} | ${cell(a)} | ${cell(b)} | ${d.toExponential(2)} | ${d <= TOLERANCE ? 'yes' : 'NO'} |`,
    ),
  ];
  return lines.join('\n');
}
