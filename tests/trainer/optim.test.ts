import { spawnSync } from 'node:child_process';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { AdamW } from '../../trainer/src/optim/adamw.ts';
import { clipByGlobalNorm } from '../../trainer/src/optim/clip.ts';
import { learningRateAt, scheduleFor, warmupSteps, type Schedule } from '../../trainer/src/optim/schedule.ts';
import { EarlyStopping } from '../../trainer/src/train/early-stopping.ts';
import { useWasm } from './fixture.ts';
import { findTorchPython } from '../../bench/trainer/bench.ts';

const torchPython = findTorchPython();

before(useWasm);

const close = (actual: ArrayLike<number>, expected: number[], tolerance = 1e-6) =>
  expected.forEach((e, i) => assert.ok(Math.abs(actual[i] - e) <= tolerance, `[${i}] ${actual[i]} ≠ ${e}`));

test('adamw › the first step moves each weight by lr·sign(g) after decoupled decay', () => {
  const p = tf.variable(tf.tensor1d([1, -2]));
  const adamw = new AdamW([p], { weightDecay: 0.01 });
  adamw.step([tf.tensor1d([0.5, -0.1])], 0.1);
  // decay: 1·(1 − 0.1·0.01) = 0.999; m̂ = g, v̂ = g², so the step is 0.1·g/(|g| + 1e-8)
  close(p.dataSync(), [0.999 - 0.1 * (0.5 / (0.5 + 1e-8)), -1.998 + 0.1 * (0.1 / (0.1 + 1e-8))]);
  adamw.dispose();
  p.dispose();
});

test('adamw › the second step uses bias-corrected moments (PyTorch formula by hand)', () => {
  const p = tf.variable(tf.tensor1d([0.3]));
  const adamw = new AdamW([p], { weightDecay: 0.1 });
  adamw.step([tf.tensor1d([0.2])], 0.01);
  adamw.step([tf.tensor1d([-0.4])], 0.005);
  // by hand: after step 1, p1 = 0.3·(1 − 0.001) − 0.01·0.2/(0.2 + 1e-8) = 0.2897
  // m2 = 0.9·0.02 + 0.1·(−0.4) = −0.022;  v2 = 0.999·0.00004 + 0.001·0.16 = 0.00019996
  // p2 = p1·(1 − 0.0005) − (0.005/0.19)·m2/(√v2/√0.001999 + 1e-8)
  const p1 = 0.3 * 0.999 - 0.01 * (0.2 / (0.2 + 1e-8));
  const p2 =
    p1 * (1 - 0.005 * 0.1) - (0.005 / (1 - 0.81)) * (-0.022 / (Math.sqrt(0.00019996) / Math.sqrt(1 - 0.998001) + 1e-8));
  close(p.dataSync(), [p2]);
  assert.equal(adamw.stepCount, 2);
  adamw.dispose();
  p.dispose();
});

test('clipping › scales all gradients by maxNorm / (norm + 1e-6) when the global norm is larger', () => {
  const grads = [tf.tensor1d([3, 4]), tf.tensor1d([12])];
  const clipped = clipByGlobalNorm(grads, 1);
  assert.ok(Math.abs(clipped.norm - 13) < 1e-5);
  const coefficient = 1 / (13 + 1e-6);
  close(clipped.grads[0].dataSync(), [3 * coefficient, 4 * coefficient]);
  close(clipped.grads[1].dataSync(), [12 * coefficient]);
  const unclipped = clipByGlobalNorm(grads, 100);
  close(unclipped.grads[0].dataSync(), [3, 4]);
  tf.dispose([...grads, ...clipped.grads, ...unclipped.grads]);
});

test('schedules › warm-up then cosine, linear and constant at chosen steps', () => {
  const base: Schedule = { peak: 1, scheduler: 'cosine', warmupSteps: warmupSteps(0.1, 10), totalSteps: 10 };
  assert.equal(base.warmupSteps, 1);
  assert.equal(warmupSteps(0.25, 10), 3); // ceil(2.5), as transformers rounds
  assert.equal(learningRateAt(0, base), 0);
  assert.equal(learningRateAt(1, base), 1);
  close([learningRateAt(5, base)], [0.5 * (1 + Math.cos((Math.PI * 4) / 9))]);
  close([learningRateAt(10, base)], [0]);
  close([learningRateAt(5, { ...base, scheduler: 'linear' })], [5 / 9]);
  assert.equal(learningRateAt(9, { ...base, scheduler: 'constant' }), 1);
  // transformers' constant has no warm-up; constant_with_warmup has
  assert.equal(learningRateAt(0, { ...base, scheduler: 'constant' }), 1);
  assert.equal(learningRateAt(0, { ...base, scheduler: 'constant_with_warmup' }), 0);
  assert.equal(learningRateAt(9, { ...base, scheduler: 'constant_with_warmup' }), 1);
  const warm = { ...base, warmupSteps: 3, peak: 2e-4 };
  close([learningRateAt(1, warm), learningRateAt(2, warm)], [2e-4 / 3, 4e-4 / 3], 1e-12);
});

test('schedules › cosine and linear decay to peak × minLrRatio (transformers cosine_with_min_lr)', () => {
  const s: Schedule = { peak: 2, scheduler: 'cosine', warmupSteps: 2, totalSteps: 12, minLrRatio: 0.1 };
  // the warm-up is untouched by the floor
  assert.deepEqual([learningRateAt(0, s), learningRateAt(1, s)], [0, 1]);
  // transformers: factor = 0.5 (1 + cos(π progress)); factor (1 − 0.1) + 0.1
  close([learningRateAt(2, s), learningRateAt(7, s), learningRateAt(12, s)], [2, 2 * (0.5 * 0.9 + 0.1), 0.2], 1e-12);
  const linear = { ...s, scheduler: 'linear' as const };
  close([learningRateAt(7, linear), learningRateAt(12, linear)], [2 * (0.5 * 0.9 + 0.1), 0.2], 1e-12);
  // constant and constant_with_warmup have nothing to decay
  assert.equal(learningRateAt(11, { ...s, scheduler: 'constant' }), 2);
  assert.equal(learningRateAt(11, { ...s, scheduler: 'constant_with_warmup' }), 2);
  // the default floor is 0, as before
  close([learningRateAt(12, { ...s, minLrRatio: undefined })], [0], 1e-12);
});

test('schedules › warmupSteps wins over warmupRatio; the ratio counts when steps are not set', async () => {
  const { HyperparametersSchema } = await import('../../trainer/src/contract/training.ts');
  const h = HyperparametersSchema.parse({ warmupRatio: 0.5, warmupSteps: 3, minLrRatio: 0.2 });
  assert.deepEqual(scheduleFor(h, 100), {
    peak: 2e-4,
    scheduler: 'cosine',
    warmupSteps: 3,
    totalSteps: 100,
    minLrRatio: 0.2,
  });
  assert.equal(scheduleFor(HyperparametersSchema.parse({ warmupRatio: 0.5 }), 100).warmupSteps, 50);
  assert.equal(scheduleFor(HyperparametersSchema.parse({ warmupSteps: 0 }), 100).warmupSteps, 0);
  assert.equal(learningRateAt(0, scheduleFor(h, 100)), 0);
  close([learningRateAt(2, scheduleFor(h, 100))], [(2e-4 * 2) / 3], 1e-15);
});

test('hyperparameters › Adam betas, epsilon, minLrRatio and warmupSteps are range-checked', async () => {
  const { HyperparametersSchema } = await import('../../trainer/src/contract/training.ts');
  const defaults = HyperparametersSchema.parse({});
  assert.deepEqual(
    [defaults.adamBeta1, defaults.adamBeta2, defaults.adamEpsilon, defaults.minLrRatio, defaults.warmupSteps],
    [0.9, 0.999, 1e-8, 0, undefined],
  );
  for (const bad of [
    { adamBeta1: 1 },
    { adamBeta2: -0.1 },
    { adamEpsilon: 0 },
    { minLrRatio: 1.5 },
    { warmupSteps: 2.5 },
    { warmupSteps: -1 },
  ])
    assert.equal(HyperparametersSchema.safeParse(bad).success, false, JSON.stringify(bad));
  assert.equal(HyperparametersSchema.safeParse({ adamBeta1: 0, adamBeta2: 0.95, minLrRatio: 1 }).success, true);
});

test('adamw › betas and epsilon as given: three steps by the PyTorch formula in float64', () => {
  const [beta1, beta2, eps, lr, decay] = [0.8, 0.95, 1e-3, 0.05, 0.1];
  const grads = [0.3, -0.2, 0.05];
  const p = tf.variable(tf.tensor1d([0.7]));
  const adamw = new AdamW([p], { weightDecay: decay, beta1, beta2, epsilon: eps });
  let [x, m, v] = [0.7, 0, 0];
  grads.forEach((g, i) => {
    adamw.step([tf.tensor1d([g])], lr);
    const t = i + 1;
    x *= 1 - lr * decay;
    m = beta1 * m + (1 - beta1) * g;
    v = beta2 * v + (1 - beta2) * g * g;
    x -= (lr / (1 - beta1 ** t)) * (m / (Math.sqrt(v) / Math.sqrt(1 - beta2 ** t) + eps));
  });
  close(p.dataSync(), [x]);
  // the defaults (0.9, 0.999, 1e-8) would land elsewhere: the options are used
  const q = tf.variable(tf.tensor1d([0.7]));
  const plain = new AdamW([q], { weightDecay: decay });
  for (const g of grads) plain.step([tf.tensor1d([g])], lr);
  assert.ok(Math.abs(q.dataSync()[0] - x) > 1e-3, `${q.dataSync()[0]} vs ${x}`);
  tf.dispose([p, q]);
  adamw.dispose();
  plain.dispose();
});

test('adamw › matches torch.optim.AdamW with betas (0.8, 0.95) and eps 1e-3', {
  skip: torchPython === undefined ? 'no python3 with torch (run bench/trainer/install-torch.sh)' : false,
}, () => {
  const grads = [
    [0.3, -0.2, 0.01],
    [-0.1, 0.4, 0.02],
    [0.25, 0.05, -0.3],
  ];
  const script = `
import json, torch
p = torch.nn.Parameter(torch.tensor([0.7, -1.2, 0.05]))
opt = torch.optim.AdamW([p], lr=0.05, betas=(0.8, 0.95), eps=1e-3, weight_decay=0.1)
for g in ${JSON.stringify(grads)}:
    p.grad = torch.tensor(g)
    opt.step()
print(json.dumps(p.detach().tolist()))`;
  const child = spawnSync(torchPython!, ['-c', script], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  const theirs = JSON.parse(child.stdout) as number[];
  const p = tf.variable(tf.tensor1d([0.7, -1.2, 0.05]));
  const adamw = new AdamW([p], { weightDecay: 0.1, beta1: 0.8, beta2: 0.95, epsilon: 1e-3 });
  for (const g of grads) adamw.step([tf.tensor1d(g)], 0.05);
  close(p.dataSync(), theirs, 1e-6);
  adamw.dispose();
  p.dispose();
});

test('early stopping › fires after `patience` evaluations on a flat curve', () => {
  const stopper = new EarlyStopping({ patience: 2, minDelta: 0 }, 'minimize');
  assert.deepEqual(
    [1, 1, 1].map((v) => stopper.observe(v).shouldStop),
    [false, false, true],
  );
});

test('early stopping › improvements within minDelta count as none, but the best still follows them', () => {
  const stopper = new EarlyStopping({ patience: 3, minDelta: 0.001 }, 'minimize');
  const seen = [1, 0.9995, 0.999, 0.9985].map((v) => stopper.observe(v));
  assert.deepEqual(
    seen.map((s) => s.isBest),
    [true, true, true, true],
  );
  assert.deepEqual(
    seen.map((s) => s.shouldStop),
    [false, false, false, true],
  );
  assert.equal(stopper.best, 0.9985);
  const maximize = new EarlyStopping({ patience: 1, minDelta: 0 }, 'maximize');
  assert.deepEqual(
    [0.5, 0.6, 0.55].map((v) => maximize.observe(v).shouldStop),
    [false, false, true],
  );
  const never = new EarlyStopping(undefined, 'minimize');
  assert.ok([1, 1, 1, 1].every((v) => !never.observe(v).shouldStop));
});

test('lora › rsLoRA scales by alpha / sqrt(r), plain LoRA by alpha / r', async () => {
  const { LoraLinear } = await import('../../trainer/src/lora/lora-linear.ts');
  const { Rng } = await import('../../trainer/src/rng.ts');
  const plain = new LoraLinear('p', 8, 8, { r: 16, alpha: 32, dropout: 0 }, new Rng(1));
  const rs = new LoraLinear('q', 8, 8, { r: 16, alpha: 32, dropout: 0, rslora: true }, new Rng(1));
  assert.equal(plain.scale, 2);
  assert.equal(rs.scale, 8);
  plain.dispose();
  rs.dispose();
});

test('targets › presets name PEFT groups of the model’s own modules; a list is kept as given', async () => {
  const { resolveTargetModules } = await import('../../trainer/src/lora/targets.ts');
  const llama = { modelType: 'llama', fusedProjections: false };
  assert.deepEqual(resolveTargetModules('attention', llama), ['q_proj', 'k_proj', 'v_proj', 'o_proj']);
  assert.deepEqual(resolveTargetModules('mlp', llama), ['gate_proj', 'up_proj', 'down_proj']);
  assert.equal(resolveTargetModules('all-linear', llama).length, 7);
  assert.deepEqual(resolveTargetModules(['v_proj', 'q_proj'], llama), ['v_proj', 'q_proj']);
  const phi3 = { modelType: 'phi3', fusedProjections: true };
  assert.deepEqual(resolveTargetModules('attention', phi3), ['qkv_proj', 'o_proj']);
  assert.deepEqual(resolveTargetModules('mlp', phi3), ['gate_up_proj', 'down_proj']);
  assert.deepEqual(resolveTargetModules('all-linear', phi3), ['qkv_proj', 'o_proj', 'gate_up_proj', 'down_proj']);
  // as PEFT: a module the model lacks is refused, naming what it has
  assert.throws(
    () => resolveTargetModules(['q_proj', 'o_proj'], phi3),
    /q_proj: a phi3 model has no such linear layer/,
  );
  assert.throws(() => resolveTargetModules(['qkv_proj'], llama), /qkv_proj: a llama model/);
});
