/**
 * The PyTorch + PEFT trainer example (examples/trainers/peft) keeps the trainer contract: its
 * callback, driven as transformers' Trainer drives callbacks (tests/trainer/peft_contract_check.py,
 * a tiny torch model when torch is installed), prints metric lines and the result line last that
 * the operator's own parser accepts, writes the result file, early-stops on the study's objective,
 * stays silent after SIGTERM, and maps the contract onto LoraConfig / TrainingArguments.
 *
 * train.py itself runs as a process against tests/trainer/hf-stand-in (transformers and peft
 * cannot be installed here; the stand-in implements the surface train.py uses, as the real
 * libraries behave there) on each dataset format it reads; it needs a python3 with torch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
const torchPython = findTorchPython();
const TRAIN_PY = fileURLToPath(new URL('../../examples/trainers/peft/train.py', import.meta.url));
const STAND_IN = fileURLToPath(new URL('./hf-stand-in', import.meta.url));

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
    LORAHPO_TRAINING: JSON.stringify({
      ...training,
      loraDropout: 0.1,
      batchSize: 4,
      gradientCheckpointing: true,
      useDora: true,
    }),
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
    use_dora: true,
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

/** Sums of one-digit numbers, as records of each format train.py reads. */
const FORMATS: Record<string, (a: number, b: number) => object> = {
  'question/answer': (a, b) => ({ question: `${a}+${b}?`, answer: String(a + b) }),
  'prompt/completion': (a, b) => ({ prompt: `${a}+${b}=`, completion: String(a + b) }),
  'chat messages': (a, b) => ({
    messages: [
      { role: 'system', content: 'Add.' },
      { role: 'user', content: `${a}+${b}?` },
      { role: 'assistant', content: String(a + b) },
    ],
  }),
  text: (a, b) => ({ text: `${a}+${b}=${a + b}` }),
};

function writeDataset(dir: string, record: (a: number, b: number) => object): string {
  const lines = [];
  for (let a = 1; a <= 6; a++) for (let b = 1; b <= 4; b++) lines.push(JSON.stringify(record(a, b)));
  const path = join(dir, 'data.jsonl');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

function scriptEnv(dir: string, dataset: string, extra: Record<string, string> = {}) {
  return {
    ...process.env,
    PYTHONPATH: STAND_IN,
    LORAHPO_PARAMS: JSON.stringify({ learningRate: 0.01, loraR: 4 }),
    LORAHPO_TRAINING: JSON.stringify({
      model: 'tiny-llama',
      dataset,
      evalSteps: 5,
      maxSteps: 20,
      batchSize: 4,
      evalFraction: 0.25,
    }),
    LORAHPO_RESULT_FILE: join(dir, 'result.json'),
    LORAHPO_OUTPUT_DIR: join(dir, 'adapter'),
    LORAHPO_SEED: '3',
    LORAHPO_TRIAL: 'peft-stand-in-0',
    ...extra,
  };
}

function runScript(env: NodeJS.ProcessEnv) {
  const child = spawnSync(torchPython!, [TRAIN_PY], { encoding: 'utf8', env, timeout: 120_000 });
  return {
    code: child.status,
    stdout: child.stdout,
    lines: child.stdout.split('\n').filter((l) => l !== ''),
    stderr: child.stderr,
  };
}

/** The safetensors header: 8 bytes of length, then JSON naming each tensor. */
function safetensorsNames(path: string): string[] {
  const bytes = readFileSync(path);
  const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8'));
  return Object.keys(header).filter((k) => k !== '__metadata__');
}

for (const [format, record] of Object.entries(FORMATS)) {
  test(`peft train.py › ${format}: a metric line per evaluation, eval loss falling, the result last`, {
    skip: torchPython === undefined && 'no python3 with torch',
  }, () => {
    const dir = tempDir('lorahpo-peft-script-');
    const r = runScript(scriptEnv(dir, writeDataset(dir, record)));
    assert.equal(r.code, 0, r.stderr);
    const parsed = r.lines.map(parseTrainerLine);
    assert.ok(
      parsed.every((p) => p.kind === 'event'),
      r.stdout,
    );
    const events = parsed.map((p) => (p.kind === 'event' ? p.event : undefined)!);
    const losses = events.filter((e) => e.type === 'metric' && e.name === 'eval_loss');
    assert.deepEqual(
      losses.map((m) => m.type === 'metric' && m.step),
      [5, 10, 15, 20],
    ); // every evalSteps up to maxSteps, the last step once
    const values = losses.map((m) => (m.type === 'metric' ? m.value : Number.NaN));
    values.slice(1).forEach((v, i) => assert.ok(v < values[i]!, `eval_loss ${values.join(' > ')}`));
    const result = events.at(-1)!;
    assert.equal(events.filter((e) => e.type === 'result').length, 1);
    assert.ok(result.type === 'result');
    assert.equal(result.value, values.at(-1));
    assert.equal(result.adapterPath, join(dir, 'adapter'));
    assert.equal(readFileSync(join(dir, 'result.json'), 'utf8'), `${r.lines.at(-1)}\n`);
    const adapterConfig = JSON.parse(readFileSync(join(dir, 'adapter', 'adapter_config.json'), 'utf8'));
    assert.equal(adapterConfig.r, 4);
    assert.deepEqual(adapterConfig.target_modules, ['k_proj', 'o_proj', 'q_proj', 'v_proj']);
    const names = safetensorsNames(join(dir, 'adapter', 'adapter_model.safetensors'));
    assert.ok(names.includes('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight'), names.join(' '));
    assert.equal(names.length, 8); // A and B of the four attention projections
  });
}

test('peft train.py › the same LORAHPO_SEED repeats a trial line for line; another seed does not', {
  skip: torchPython === undefined && 'no python3 with torch',
}, () => {
  const dir = tempDir('lorahpo-peft-script-');
  const dataset = writeDataset(dir, FORMATS['prompt/completion']!);
  const run = (seed: string) => runScript(scriptEnv(dir, dataset, { LORAHPO_SEED: seed }));
  const [first, again, other] = [run('5'), run('5'), run('6')];
  for (const r of [first, again, other]) assert.equal(r.code, 0, r.stderr);
  assert.equal(again.stdout, first.stdout);
  assert.notEqual(other.stdout, first.stdout);
});

test('peft train.py › a bad LORAHPO_PARAMS or dataset exits 2 naming it, before any line', {
  skip: torchPython === undefined && 'no python3 with torch',
}, () => {
  const dir = tempDir('lorahpo-peft-script-');
  const dataset = writeDataset(dir, FORMATS.text!);
  const badRecord = join(dir, 'bad.jsonl');
  writeFileSync(badRecord, `${JSON.stringify({ text: '1+1=2' })}\n${JSON.stringify({ input: '1+1' })}\n`);
  const cases: [Record<string, string>, RegExp][] = [
    [{ LORAHPO_PARAMS: '{"loraR": 8' }, /^lorahpo: LORAHPO_PARAMS is not valid JSON/],
    [{ LORAHPO_PARAMS: '{"loraR": "eight"}' }, /^lorahpo: loraR must be a number, not "eight"/],
    [{ LORAHPO_PARAMS: '{"scheduler": "sawtooth"}' }, /'sawtooth' is not a valid SchedulerType/],
    [
      { LORAHPO_TRAINING: JSON.stringify({ model: 'tiny-llama', dataset: badRecord }) },
      /bad\.jsonl: line 2: has none of messages, text/,
    ],
  ];
  for (const [extra, message] of cases) {
    const r = runScript(scriptEnv(dir, dataset, extra));
    assert.equal(r.code, 2, `${JSON.stringify(extra)}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
    assert.equal(existsSync(join(dir, 'result.json')), false);
  }
});

test('peft train.py › SIGTERM mid-run stops it at the next step: exit 0, no result', {
  skip: torchPython === undefined && 'no python3 with torch',
}, async () => {
  const dir = tempDir('lorahpo-peft-script-');
  const env = scriptEnv(dir, writeDataset(dir, FORMATS['question/answer']!), {
    LORAHPO_TRAINING: JSON.stringify({
      model: 'tiny-llama',
      dataset: join(dir, 'data.jsonl'),
      evalSteps: 5,
      maxSteps: 5000,
      batchSize: 4,
    }),
  });
  const child = spawn(torchPython!, [TRAIN_PY], { env });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.on('data', (d) => {
    if (stdout === '') child.kill('SIGTERM'); // at the first metric line: mid-run
    stdout += d;
  });
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
    child.on('close', (c, s) => resolve([c, s])),
  );
  assert.equal(signal, null, stderr);
  assert.equal(code, 0, stderr);
  const lines = stdout.split('\n').filter((l) => l !== '');
  assert.ok(
    lines.every((l) => parseTrainerLine(l).kind === 'event' && JSON.parse(l).type === 'metric'),
    stdout,
  );
  assert.ok(lines.length <= 4, stdout); // the first evaluation, at most one more before the next step
  assert.match(stderr, /stopped by SIGTERM; no result/);
  assert.equal(existsSync(join(dir, 'result.json')), false);
});
