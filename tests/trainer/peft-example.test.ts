/**
 * The PyTorch + PEFT trainer example (examples/trainers/peft) keeps the trainer contract: its
 * callback, driven as transformers' Trainer drives callbacks (tests/trainer/peft_contract_check.py,
 * a tiny torch model when torch is installed), prints metric lines and the result line last that
 * the operator's own parser accepts, writes the result file, early-stops on the study's objective,
 * stays silent after SIGTERM, and maps the contract onto LoraConfig / TrainingArguments.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTrainerLine, ResultEventSchema } from '../../trainer/src/contract/events.ts';
import { findTorchPython } from '../../bench/trainer/bench.ts';
import { TINY_ARCHITECTURES } from '../../trainer/src/fixture/tiny-architectures.ts';
import { resolveTargetModules } from '../../trainer/src/lora/targets.ts';
import { parseLlamaConfig } from '../../trainer/src/model/config.ts';
import { learningRateAt } from '../../trainer/src/optim/schedule.ts';
import { tempDir } from './fixture.ts';

const DRIVER = fileURLToPath(new URL('./peft_contract_check.py', import.meta.url));
const python = findTorchPython() ?? 'python3';
const hasPython = spawnSync(python, ['--version']).status === 0;

function drive(mode: string, env: Record<string, string>) {
  const child = spawnSync(python, [DRIVER, mode], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: child.status, lines: child.stdout.split('\n').filter((l) => l !== ''), stderr: child.stderr };
}

const training = {
  objective: { metric: 'eval_loss', direction: 'minimize' },
  earlyStopping: { patience: 2, minDelta: 0.01 },
  targetModules: 'all-linear',
  evalSteps: 10,
  bf16: true,
};

test('peft example › metric lines, early stopping and the result line keep the contract', { skip: !hasPython }, () => {
  const dir = tempDir('lorahpo-peft-');
  const resultFile = join(dir, 'result.json');
  const r = drive('train', {
    LORAHPO_TRAINING: JSON.stringify(training),
    LORAHPO_RESULT_FILE: resultFile,
    LORAHPO_OUTPUT_DIR: join(dir, 'adapter'),
  });
  assert.equal(r.code, 0, r.stderr);
  const parsed = r.lines.map(parseTrainerLine);
  assert.ok(
    parsed.every((p) => p.kind === 'event'),
    r.lines.join('\n'),
  );
  const events = parsed.map((p) => (p.kind === 'event' ? p.event : undefined)!);
  const metrics = events.filter((e) => e.type === 'metric');
  const result = events.at(-1)!;
  assert.equal(result.type, 'result');
  assert.equal(events.filter((e) => e.type === 'result').length, 1);
  assert.deepEqual([...new Set(metrics.map((m) => m.name))].sort(), ['eval_loss', 'perplexity']); // runtime and epoch left out
  const losses = metrics.filter((m) => m.name === 'eval_loss').map((m) => m.value);
  if (result.type !== 'result') return;
  assert.equal(result.value, Math.min(...losses));
  assert.equal(result.earlyStopped, true); // the curve flattens: patience 2 with minDelta 0.01
  assert.ok(losses.length < 8);
  assert.equal(result.adapterPath, join(dir, 'adapter'));
  assert.deepEqual(ResultEventSchema.parse(JSON.parse(readFileSync(resultFile, 'utf8'))), result);
});

test('peft example › after SIGTERM it stops at the next step and reports no result', { skip: !hasPython }, () => {
  const dir = tempDir('lorahpo-peft-');
  const r = drive('sigterm', { LORAHPO_TRAINING: JSON.stringify(training), LORAHPO_RESULT_FILE: join(dir, 'r.json') });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.lines.every((l) => JSON.parse(l).type === 'metric'));
  assert.equal(r.lines.filter((l) => JSON.parse(l).name === 'eval_loss').length, 2);
  assert.match(r.stderr, /stopped by SIGTERM/);
});

test('peft example › LORAHPO_PARAMS and LORAHPO_TRAINING map onto LoraConfig and TrainingArguments', {
  skip: !hasPython,
}, () => {
  const r = drive('mapping', {
    LORAHPO_PARAMS: JSON.stringify({ learningRate: 3e-4, loraR: 16, loraAlpha: 32, scheduler: 'constant_with_warmup' }),
    LORAHPO_TRAINING: JSON.stringify({ ...training, loraDropout: 0.1, batchSize: 4, gradientCheckpointing: true }),
    LORAHPO_SEED: '7',
  });
  assert.equal(r.code, 0, r.stderr);
  const { lora, args } = JSON.parse(r.lines[0]);
  assert.deepEqual(lora, {
    r: 16,
    lora_alpha: 32,
    lora_dropout: 0.1,
    target_modules: 'all-linear',
    use_rslora: false,
    bias: 'none',
    task_type: 'CAUSAL_LM',
  });
  assert.equal(args.learning_rate, 3e-4);
  assert.equal(args.lr_scheduler_type, 'constant_with_warmup');
  assert.equal(args.eval_strategy, 'steps');
  assert.equal(args.eval_steps, 10);
  assert.equal(args.per_device_train_batch_size, 4);
  assert.equal(args.seed, 7);
  assert.equal(args.bf16, true);
  assert.equal(args.gradient_checkpointing, true);
});

test('peft example › target presets resolve as the built-in trainer resolves them, per architecture', {
  skip: !hasPython,
}, () => {
  for (const name of ['llama', 'phi3']) {
    const model = tempDir('lorahpo-peft-');
    writeFileSync(join(model, 'config.json'), JSON.stringify(TINY_ARCHITECTURES[name]));
    const config = parseLlamaConfig(TINY_ARCHITECTURES[name], 'config.json');
    const targetsOf = (targetModules: unknown) => {
      const r = drive('mapping', { LORAHPO_TRAINING: JSON.stringify({ model, targetModules }) });
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.lines[0]).lora.target_modules;
    };
    for (const preset of ['attention', 'mlp'] as const)
      assert.deepEqual(targetsOf(preset), resolveTargetModules(preset, config), `${name} ${preset}`);
    assert.equal(targetsOf('all-linear'), 'all-linear'); // PEFT's own preset: the same linear layers
    assert.deepEqual(targetsOf(['o_proj', 'down_proj']), ['o_proj', 'down_proj']);
  }
  const phi3 = tempDir('lorahpo-peft-');
  writeFileSync(join(phi3, 'config.json'), JSON.stringify(TINY_ARCHITECTURES.phi3));
  const listed = drive('mapping', {
    LORAHPO_TRAINING: JSON.stringify({ model: phi3, targetModules: ['q_proj', 'o_proj'] }),
  });
  assert.equal(listed.code, 2);
  assert.match(listed.stderr, /targetModules q_proj: a phi3 model has no such linear layer \(it has qkv_proj, o_proj/);
  const unknown = drive('mapping', { LORAHPO_TRAINING: JSON.stringify({ model: phi3, targetModules: 'everything' }) });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /targetModules 'everything' is not a list or one of/);
});

test('peft example › Adam betas, epsilon, warmupSteps and minLrRatio map onto TrainingArguments', {
  skip: !hasPython,
}, () => {
  const argsOf = (params: object) => {
    const r = drive('mapping', { LORAHPO_PARAMS: JSON.stringify(params), LORAHPO_TRAINING: '{}' });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.lines[0]).args;
  };
  const cosine = argsOf({ adamBeta1: 0.8, adamBeta2: 0.95, adamEpsilon: 1e-6, warmupSteps: 5, minLrRatio: 0.1 });
  assert.deepEqual([cosine.adam_beta1, cosine.adam_beta2, cosine.adam_epsilon], [0.8, 0.95, 1e-6]);
  assert.equal(cosine.warmup_steps, 5); // transformers: warmup_steps wins over warmup_ratio, as ours does
  assert.equal(cosine.lr_scheduler_type, 'cosine_with_min_lr');
  assert.deepEqual(cosine.lr_scheduler_kwargs, { min_lr_rate: 0.1 });
  assert.equal(argsOf({}).warmup_steps, undefined);
  assert.equal(argsOf({ minLrRatio: 1 }).lr_scheduler_type, 'constant_with_warmup');

  // linear to a floor: transformers' polynomial decay (power 1, lr_end), step by step as
  // get_polynomial_decay_schedule_with_warmup computes it, equals the built-in trainer's schedule
  const linear = argsOf({ scheduler: 'linear', learningRate: 0.01, minLrRatio: 0.25 });
  assert.equal(linear.lr_scheduler_type, 'polynomial');
  const { lr_end: lrEnd, power } = linear.lr_scheduler_kwargs;
  const schedule = { peak: 0.01, scheduler: 'linear' as const, warmupSteps: 3, totalSteps: 20, minLrRatio: 0.25 };
  for (let step = 3; step <= 20; step++) {
    const remaining = 1 - (step - 3) / (20 - 3);
    const hf = (0.01 - lrEnd) * remaining ** power + lrEnd;
    assert.ok(Math.abs(hf - learningRateAt(step, schedule)) < 1e-12, `step ${step}: ${hf}`);
  }
});
