import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { makeBatch } from '../../trainer/src/data/batches.ts';
import { adapterVariables, createAdapters, disposeAdapters, type AdapterSet } from '../../trainer/src/lora/inject.ts';
import { LlamaModel } from '../../trainer/src/model/llama.ts';
import type { GradientMode } from '../../trainer/src/model/ops.ts';
import { Rng } from '../../trainer/src/rng.ts';
import { batchLossSum } from '../../trainer/src/train/step.ts';
import { tinyCheckpoint, useWasm } from './fixture.ts';

const ALL = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
const batch = makeBatch(
  [
    { ids: [1, 40, 41, 300, 301, 302, 2], lossMask: [0, 0, 0, 1, 1, 1, 1] },
    { ids: [1, 77, 78, 79, 2], lossMask: [0, 1, 1, 1, 1] },
  ],
  0,
);

before(useWasm);

function withModel<T>(mode: GradientMode, body: (model: LlamaModel, adapters: AdapterSet) => T): T {
  const model = new LlamaModel(tinyCheckpoint(), mode);
  const adapters = createAdapters(model, ALL, { r: 4, alpha: 8, dropout: 0 }, new Rng(1));
  try {
    return body(model, adapters);
  } finally {
    disposeAdapters(adapters);
    model.dispose();
  }
}

/** Gives B random values so the adapters change the output (B starts at zero). */
function randomizeB(adapters: AdapterSet, seed: number): void {
  const rng = new Rng(seed);
  for (const a of adapters.values()) {
    const values = Float32Array.from({ length: a.bT.size }, () => 0.3 * rng.normal());
    a.bT.assign(tf.tensor(values, a.bT.shape));
  }
}

const logitsOf = (model: LlamaModel, adapters?: AdapterSet) =>
  tf.tidy(
    () =>
      model
        .forward(tf.tensor2d(batch.ids, [batch.batch, batch.seqLen], 'int32'), { adapters })
        .dataSync() as Float32Array,
  );

test('dora › at its start (B = 0, m = ‖W‖ per row) the model is exactly the base model, dropout on or off', () => {
  const model = new LlamaModel(tinyCheckpoint(), 'explicit');
  const adapters = createAdapters(model, ALL, { r: 4, alpha: 8, dropout: 0.5, dora: true }, new Rng(1));
  try {
    const q = adapters.get('model.layers.0.self_attn.q_proj')!;
    const weight = model.linear(0, 'q_proj').weight.arraySync();
    const norms = weight.map((row) => Math.fround(Math.hypot(...row)));
    const magnitudes = [...(q.magnitude!.dataSync() as Float32Array)];
    assert.ok(
      magnitudes.every((m, i) => Math.abs(m - norms[i]) <= 1e-6 * norms[i]),
      'm starts at the row norms',
    );
    assert.equal(adapterVariables(adapters).length, 3 * ALL.length * model.config.numLayers);
    const base = logitsOf(model);
    assert.deepEqual(logitsOf(model, adapters), base);
    const training = (seed: number) =>
      tf.tidy(
        () =>
          model
            .forward(tf.tensor2d(batch.ids, [batch.batch, batch.seqLen], 'int32'), {
              adapters,
              dropoutRng: new Rng(seed),
            })
            .dataSync() as Float32Array,
      );
    // PEFT's form: the frozen path undropped, the rescaled path on the dropped input, (m/‖·‖ − 1) = 0
    assert.deepEqual(training(7), base);
    q.magnitude!.assign(tf.mul(q.magnitude!, 1.1));
    assert.notDeepEqual(logitsOf(model, adapters), base);
    assert.notDeepEqual(training(7), logitsOf(model, adapters), 'dropout reaches the rescaled path');
  } finally {
    disposeAdapters(adapters);
    model.dispose();
  }
});

test('lora › with B = 0 the adapted model gives exactly the base logits', () => {
  withModel('explicit', (model, adapters) => {
    const base = logitsOf(model);
    assert.ok(base.some((v) => v !== 0));
    assert.deepEqual(logitsOf(model, adapters), base);
    randomizeB(adapters, 3);
    assert.notDeepEqual(logitsOf(model, adapters), base);
  });
});

test('model › explicit-transpose gradients equal autograd on logits and LoRA gradients', () => {
  const run = (mode: GradientMode) =>
    withModel(mode, (model, adapters) => {
      randomizeB(adapters, 5);
      const vars = adapterVariables(adapters);
      const { value, grads } = tf.variableGrads(() => batchLossSum(model, batch, adapters), vars);
      const out = {
        logits: logitsOf(model, adapters),
        loss: value.dataSync()[0],
        grads: vars.map((v) => grads[v.name].dataSync() as Float32Array),
      };
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    });
  const explicit = run('explicit');
  const autograd = run('autograd');
  const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
  assert.ok(maxDiff(explicit.logits, autograd.logits) < 1e-5);
  assert.ok(Math.abs(explicit.loss - autograd.loss) < 1e-4);
  // float32 rounding, relative to each gradient's scale (up to ~40 on the pretrained fixture)
  explicit.grads.forEach((g, i) => {
    const scale = autograd.grads[i].reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assert.ok(maxDiff(g, autograd.grads[i]) < 1e-5 * scale, `gradient ${i}`);
  });
});

test('lora › gradients of A and B match central finite differences', () => {
  withModel('explicit', (model, adapters) => {
    randomizeB(adapters, 7);
    const vars = adapterVariables(adapters);
    const loss = () => tf.tidy(() => batchLossSum(model, batch, adapters).dataSync()[0] / batch.tokens);
    const { grads } = tf.variableGrads(
      () => tf.div(batchLossSum(model, batch, adapters), batch.tokens) as tf.Scalar,
      vars,
    );
    const eps = 1e-2;
    for (const v of [vars[0], vars[1], vars[vars.length - 2], vars[vars.length - 1]]) {
      const g = grads[v.name].dataSync();
      const original = v.dataSync().slice();
      const largest = [...g.keys()].sort((i, j) => Math.abs(g[j]) - Math.abs(g[i]))[0];
      const at = (delta: number) => {
        const values = original.slice();
        values[largest] += delta;
        v.assign(tf.tensor(values, v.shape));
        return loss();
      };
      const numeric = (at(eps) - at(-eps)) / (2 * eps);
      v.assign(tf.tensor(original, v.shape));
      assert.ok(
        Math.abs(numeric - g[largest]) <= 0.02 * Math.abs(g[largest]) + 1e-4,
        `${v.name}[${largest}]: analytic ${g[largest]}, numeric ${numeric}`,
      );
    }
    tf.dispose(Object.values(grads));
  });
});

test('gradient accumulation › two micro-batches give the gradients of one batch holding both', async () => {
  const { accumulateGradients } = await import('../../trainer/src/train/step.ts');
  const rows = [
    { ids: [1, 40, 41, 300, 301, 302, 2], lossMask: [0, 0, 0, 1, 1, 1, 1] },
    { ids: [1, 77, 78, 79, 2], lossMask: [0, 1, 1, 1, 1] },
    { ids: [1, 90, 91, 2], lossMask: [0, 0, 1, 1] },
  ];
  withModel('explicit', (model, adapters) => {
    randomizeB(adapters, 11);
    const variables = adapterVariables(adapters);
    const ctx = { model, adapters, variables };
    const split = accumulateGradients(ctx, [makeBatch(rows.slice(0, 2), 0), makeBatch(rows.slice(2), 0)]);
    const whole = accumulateGradients(ctx, [makeBatch(rows, 0)]);
    assert.ok(Math.abs(split.loss - whole.loss) < 1e-5, `${split.loss} vs ${whole.loss}`);
    split.grads.forEach((g, i) => {
      const a = g.dataSync();
      const b = whole.grads[i].dataSync();
      assert.ok(
        a.every((v, j) => Math.abs(v - b[j]) < 1e-6),
        variables[i].name,
      );
    });
    tf.dispose([...split.grads, ...whole.grads]);
  });
});

test('loss › gather and log-sum-exp give the one-hot cross-entropy and its gradient', async () => {
  const { weightedNllSum } = await import('../../trainer/src/train/loss.ts');
  const rng = new Rng(11);
  const logits = tf.tensor2d(
    Float32Array.from({ length: 5 * 7 }, () => 3 * rng.normal()),
    [5, 7],
  );
  const targets = tf.tensor1d([0, 6, 3, 3, 1], 'int32');
  const weights = tf.tensor1d([1, 1, 0, 1, 1]);
  const oneHot = (x: tf.Tensor2D) =>
    tf.neg(tf.sum(tf.mul(tf.sum(tf.mul(tf.logSoftmax(x), tf.oneHot(targets, 7)), 1), weights))) as tf.Scalar;
  const ours = tf.valueAndGrad((x: tf.Tensor) => weightedNllSum(x as tf.Tensor2D, targets, weights))(logits);
  const theirs = tf.valueAndGrad((x: tf.Tensor) => oneHot(x as tf.Tensor2D))(logits);
  assert.ok(Math.abs(ours.value.dataSync()[0] - theirs.value.dataSync()[0]) < 1e-5);
  const a = ours.grad.dataSync();
  const b = theirs.grad.dataSync();
  assert.ok(a.every((v, i) => Math.abs(v - b[i]) < 1e-6));
  tf.dispose([logits, targets, weights, ours.value, ours.grad, theirs.value, theirs.grad]);
});

test('model › full-parameter gradients (trainable weights) in explicit mode equal autograd', () => {
  const gradients = (mode: GradientMode) => {
    const model = new LlamaModel(tinyCheckpoint(), mode, { trainable: true });
    try {
      const { value, grads } = tf.variableGrads(
        () => batchLossSum(model, batch, undefined),
        [...model.weights.values()],
      );
      value.dispose();
      return new Map([...model.weights].map(([name, v]) => [name, grads[v.name].dataSync() as Float32Array]));
    } finally {
      model.dispose();
    }
  };
  const autograd = gradients('autograd');
  const explicit = gradients('explicit');
  assert.equal(autograd.size, 1 + 1 + 2 * 9); // embeddings, final norm, 2 layers × (7 linears + 2 norms)
  for (const [name, a] of autograd) {
    const e = explicit.get(name) ?? new Float32Array();
    const scale = Math.max(...a.map(Math.abs));
    assert.ok(scale > 0, `${name} has a gradient`);
    const worst = Math.max(...a.map((x, i) => Math.abs(x - e[i])));
    assert.ok(worst <= 1e-5 * scale, `${name}: ${worst} vs scale ${scale}`);
  }
});
