import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { trialEnvironment } from '../../trainer/src/contract/env.ts';
import { parseTrainerLine, type MetricEvent, type ResultEvent } from '../../trainer/src/contract/events.ts';
import { makeBatch } from '../../trainer/src/data/batches.ts';
import { SafetensorsFile } from '../../trainer/src/io/safetensors.ts';
import { adapterVariables, createAdapters, disposeAdapters } from '../../trainer/src/lora/inject.ts';
import { main } from '../../trainer/src/main.ts';
import { LlamaModel } from '../../trainer/src/model/llama.ts';
import { AdamW } from '../../trainer/src/optim/adamw.ts';
import { Rng } from '../../trainer/src/rng.ts';
import { trainStep } from '../../trainer/src/train/step.ts';
import { TINY_DATA, TINY_MODEL, captureIo, tempDir, tinyCheckpoint, useWasm } from './fixture.ts';

before(useWasm);

const BASE = ['--model', TINY_MODEL, '--dataset', TINY_DATA, '--backend', 'wasm'];

async function run(args: string[], env: NodeJS.ProcessEnv = {}, signal?: AbortSignal) {
  const capture = captureIo(env, signal);
  const code = await main(args, capture.io);
  const events = capture.stdoutLines().map(parseTrainerLine);
  const metrics = events.flatMap((e) =>
    e.kind === 'event' && e.event.type === 'metric' ? [e.event as MetricEvent] : [],
  );
  const results = events.flatMap((e) =>
    e.kind === 'event' && e.event.type === 'result' ? [e.event as ResultEvent] : [],
  );
  assert.ok(
    events.every((e) => e.kind !== 'malformed'),
    'every JSON line keeps the contract',
  );
  return { code, metrics, result: results[0], resultCount: results.length, stderr: capture.stderrText() };
}

test('main › a short run lowers the eval loss, reports per the contract and saves a PEFT adapter', async () => {
  const out = tempDir();
  const resultFile = join(out, 'result.json');
  const training = JSON.stringify({
    targetModules: ['q_proj', 'v_proj', 'gate_proj', 'down_proj'],
    evalSteps: 8,
    maxSteps: 24,
  });
  const r = await run([
    ...BASE,
    '--training',
    training,
    '--params',
    '{"learningRate":0.01,"loraR":4,"loraAlpha":8}',
    '--output-dir',
    out,
    '--result-file',
    resultFile,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const evalLosses = r.metrics.filter((m) => m.name === 'eval_loss');
  assert.deepEqual(
    evalLosses.map((m) => m.step),
    [8, 16, 24],
  ); // every 8 steps, not also at the epoch's end (22 steps): each evaluation counts once for patience
  assert.ok(evalLosses.at(-1)!.value < evalLosses[0].value - 0.05, JSON.stringify(evalLosses));
  const perplexity = r.metrics.find((m) => m.name === 'perplexity' && m.step === 24)!;
  assert.ok(Math.abs(perplexity.value - Math.exp(evalLosses.at(-1)!.value)) < 1e-9);
  assert.equal(r.resultCount, 1);
  assert.equal(r.result.value, Math.min(...evalLosses.map((m) => m.value)));
  assert.equal(r.result.earlyStopped, false);
  assert.deepEqual(JSON.parse(readFileSync(resultFile, 'utf8')), r.result);
  const adapter = new SafetensorsFile(readFileSync(join(out, 'adapter_model.safetensors')), 'adapter');
  assert.equal(adapter.names().length, 2 * 4 * 2);
  assert.deepEqual(adapter.shape('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight'), [4, 64]);
  assert.deepEqual(adapter.shape('base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight'), [32, 4]);
  assert.deepEqual(adapter.shape('base_model.model.model.layers.1.mlp.down_proj.lora_A.weight'), [4, 176]);
  assert.ok(adapter.tensor('base_model.model.model.layers.1.mlp.gate_proj.lora_B.weight').data.some((v) => v !== 0));
  const config = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'));
  assert.deepEqual(
    [config.peft_type, config.task_type, config.r, config.lora_alpha, config.lora_dropout],
    ['LORA', 'CAUSAL_LM', 4, 8, 0.05],
  );
  assert.deepEqual(config.target_modules, ['q_proj', 'v_proj', 'gate_proj', 'down_proj']);
  assert.equal(config.base_model_name_or_path, TINY_MODEL.replace(/\/$/, ''));
});

test('main › without evalSteps it evaluates at epoch ends and the last step; all-linear and rsLoRA', async () => {
  const out = tempDir();
  const training = JSON.stringify({ targetModules: 'all-linear', useRslora: true, maxSteps: 23 });
  const r = await run([...BASE, '--training', training, '--params', '{"loraR":4,"loraAlpha":8}', '--output-dir', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    r.metrics.filter((m) => m.name === 'eval_loss').map((m) => m.step),
    [22, 23],
  ); // 22 steps an epoch
  const adapter = new SafetensorsFile(readFileSync(join(out, 'adapter_model.safetensors')), 'adapter');
  assert.equal(adapter.names().length, 2 * 7 * 2);
  const config = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'));
  assert.deepEqual(config.target_modules, [
    'q_proj',
    'k_proj',
    'v_proj',
    'o_proj',
    'gate_proj',
    'up_proj',
    'down_proj',
  ]);
  assert.equal(config.use_rslora, true);
});

test('main › DoRA trains a magnitude per output and saves it as PEFT names it, with use_dora', async () => {
  const out = tempDir();
  const training = JSON.stringify({
    targetModules: ['q_proj', 'down_proj'],
    useDora: true,
    maxSteps: 12,
    evalSteps: 6,
  });
  const r = await run([
    ...BASE,
    '--training',
    training,
    '--params',
    '{"learningRate":0.01,"loraR":4}',
    '--output-dir',
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const evalLosses = r.metrics.filter((m) => m.name === 'eval_loss').map((m) => m.value);
  assert.ok(evalLosses[1] < evalLosses[0], JSON.stringify(evalLosses));
  const adapter = new SafetensorsFile(readFileSync(join(out, 'adapter_model.safetensors')), 'adapter');
  assert.equal(adapter.names().length, 3 * 2 * 2);
  const name = 'base_model.model.model.layers.1.mlp.down_proj.lora_magnitude_vector';
  assert.deepEqual(adapter.shape(name), [64]);
  const model = new LlamaModel(tinyCheckpoint(), 'explicit');
  const rowNorms = model
    .linear(1, 'down_proj')
    .weight.arraySync()
    .map((row) => Math.hypot(...row));
  model.dispose();
  const trained = adapter.tensor(name).data;
  assert.ok(
    trained.some((m, i) => Math.abs(m - rowNorms[i]) > 1e-4),
    'the magnitudes moved from the rows norms',
  );
  assert.equal(JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8')).use_dora, true);
});

test('main › early stopping fires on a flat curve and says when and why', async () => {
  const training = JSON.stringify({ evalSteps: 1, maxSteps: 30, earlyStopping: { patience: 2, minDelta: 0.01 } });
  const r = await run([...BASE, '--training', training, '--params', '{"learningRate":1e-9}']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    r.metrics.filter((m) => m.name === 'eval_loss').map((m) => m.step),
    [1, 2, 3],
  );
  assert.equal(r.result.earlyStopped, true);
  assert.equal(r.result.stoppedEpoch, 1);
  assert.equal(r.result.bestEpoch, 1);
  assert.equal(r.result.reason, 'no improvement > 0.01 in 2 evaluation(s)');
});

test('main › reads the contract environment, and the same seed gives the same result', async () => {
  const env = trialEnvironment({
    trial: 'tiny-1',
    seed: 11,
    params: { learningRate: 0.003, scheduler: 'linear', loraDropout: 0.1 },
    training: {
      model: TINY_MODEL,
      dataset: TINY_DATA,
      maxSteps: 3,
      backend: 'wasm',
      objective: { metric: 'perplexity', direction: 'minimize' },
    },
  });
  const first = await run([], env);
  const second = await run([], env);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /trial tiny-1: 3 steps/);
  assert.equal(first.result.value, first.result.metrics.perplexity);
  assert.equal(second.result.value, first.result.value);
  const reseeded = await run([], { ...env, LORAHPO_SEED: '12' });
  assert.notEqual(reseeded.result.value, first.result.value);
});

test('main › bad input exits 2 with a message naming what is wrong, and no result', async () => {
  const dir = tempDir();
  const badData = join(dir, 'bad.jsonl');
  writeFileSync(badData, '{"question":"q","answer":"a"}\n{"question":"q"}\n');
  const noTokenizer = join(dir, 'model');
  mkdirSync(noTokenizer);
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(TINY_MODEL, f), join(noTokenizer, f));
  const cases: [string[], RegExp][] = [
    [['--model', join(dir, 'nowhere'), '--dataset', TINY_DATA], /nowhere\/config\.json is missing/],
    [['--model', TINY_MODEL, '--dataset', badData], /bad\.jsonl:2: "answer" must be a non-empty string/],
    [['--model', TINY_MODEL, '--dataset', join(dir, 'none.jsonl')], /dataset .*none\.jsonl does not exist/],
    [[...BASE, '--params', '{"learningRate":-1}'], /learningRate/],
    [[...BASE, '--training', '{"objective":{"metric":"accuracy"}}'], /training\.objective\.metric is accuracy/],
    [[...BASE, '--training', '{"epochs":0}'], /LORAHPO_TRAINING\.epochs/],
    [['--dataset', TINY_DATA], /training\.model is required/],
    [['--model', noTokenizer, '--dataset', TINY_DATA], /tokenizer\.json is missing/],
  ];
  for (const [args, message] of cases) {
    const r = await run(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.resultCount, 0);
  }
});

test('main › an aborted run (SIGTERM) stops before the next step with exit 0 and no result', async () => {
  const controller = new AbortController();
  controller.abort();
  const r = await run([...BASE, '--max-steps', '50'], {}, controller.signal);
  assert.equal(r.code, 0);
  assert.equal(r.resultCount, 0);
  assert.match(r.stderr, /stopped by SIGTERM after 0 step/);
});

test('main › the real process stops on SIGTERM and exits cleanly', async () => {
  const bin = fileURLToPath(new URL('../../bin/lorahpo-trainer.js', import.meta.url));
  const child = spawn(process.execPath, [bin, ...BASE, '--max-steps', '100000', '--eval-steps', '1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let isSignalled = false;
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    if (stdout.includes('"metric"') && !isSignalled) isSignalled = child.kill('SIGTERM');
  });
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
    child.on('exit', (c, s) => resolve([c, s])),
  );
  assert.deepEqual([code, signal], [0, null]);
  assert.ok(!stdout.includes('"result"'));
});

test('training step › tensor count stays flat over steps (no leaks)', () => {
  const model = new LlamaModel(tinyCheckpoint(), 'explicit');
  const adapters = createAdapters(
    model,
    ['q_proj', 'k_proj', 'v_proj', 'o_proj'],
    { r: 8, alpha: 16, dropout: 0.1 },
    new Rng(3),
  );
  const variables = adapterVariables(adapters);
  const optimizer = new AdamW(variables, { weightDecay: 0.01 });
  const ctx = { model, adapters, variables, optimizer, dropoutRng: new Rng(4) };
  const micro = [
    makeBatch([{ ids: [1, 5, 6, 7, 2], lossMask: [0, 1, 1, 1, 1] }], 0),
    makeBatch([{ ids: [1, 8, 9, 2], lossMask: [0, 0, 1, 1] }], 0),
  ];
  trainStep(ctx, micro, 1e-3, 1);
  const after = tf.memory().numTensors;
  for (let i = 0; i < 4; i++) trainStep(ctx, micro, 1e-3, 1);
  assert.equal(tf.memory().numTensors, after);
  optimizer.dispose();
  disposeAdapters(adapters);
  model.dispose();
});

test('main › a diverged run (loss NaN) fails with exit 1 and one line naming the loss and step, no stack trace', async () => {
  const training = JSON.stringify({ maxSteps: 6, evalSteps: 3 });
  const r = await run([...BASE, '--training', training, '--params', '{"learningRate":1e30,"loraR":4,"loraAlpha":8}']);
  assert.equal(r.code, 1, r.stderr);
  const last = r.stderr.trim().split('\n').at(-1) ?? '';
  assert.match(
    last,
    /^lorahpo-trainer: error \[LORAHPO_DIVERGED\]: the (training|evaluation) loss is (NaN|-?Infinity) at step \d+ \(the run diverged/,
  );
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.equal(r.resultCount, 0);
  assert.ok(
    r.metrics.every((metric) => Number.isFinite(metric.value)),
    'no non-finite metric reaches stdout',
  );
});

test('main › usage errors (an unknown flag, --backend tpu) exit 2', async () => {
  for (const args of [
    [...BASE, '--no-such-flag'],
    ['--model', TINY_MODEL, '--dataset', TINY_DATA, '--backend', 'tpu'],
  ]) {
    const capture = captureIo({});
    assert.equal(await main(args, capture.io), 2, `${args.join(' ')}: ${capture.stderrText()}`);
  }
});

test('main › input errors found before training: a dataset that is a directory or not UTF-8, a file as output dir, a directory as result file, loraDropout 1', async () => {
  const dir = tempDir();
  const latin1 = join(dir, 'latin1.jsonl');
  writeFileSync(latin1, Buffer.from('{"question":"caf\xe9","answer":"oui"}\n', 'latin1'));
  const aFile = join(dir, 'a-file');
  writeFileSync(aFile, '');
  const cases: [string[], RegExp][] = [
    [['--model', TINY_MODEL, '--dataset', dir, '--backend', 'wasm'], /dataset .* is not a file \(a directory\?\)/],
    [['--model', TINY_MODEL, '--dataset', latin1, '--backend', 'wasm'], /latin1\.jsonl is not UTF-8 text/],
    [[...BASE, '--output-dir', aFile], /output directory .*a-file is a file, not a directory/],
    [[...BASE, '--result-file', dir], /result file .* is a directory, not a file/],
    [[...BASE, '--params', '{"loraDropout":1}'], /loraDropout/],
  ];
  for (const [args, message] of cases) {
    const started = Date.now();
    const r = await run(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.equal(r.metrics.length, 0, 'found before training');
    assert.ok(Date.now() - started < 10_000);
  }
});

test('main › a dataset with a UTF-8 byte-order mark reads line 1 like the others', async () => {
  const dir = tempDir();
  const withBom = join(dir, 'bom.jsonl');
  writeFileSync(withBom, `\ufeff${readFileSync(TINY_DATA, 'utf8')}`);
  const r = await run([
    '--model',
    TINY_MODEL,
    '--dataset',
    withBom,
    '--backend',
    'wasm',
    '--training',
    '{"maxSteps":1}',
  ]);
  assert.equal(r.code, 0, r.stderr);
});

test('main › model files: a byte-order mark is dropped, Latin-1 is refused naming the file, before training', async () => {
  const withBom = tempDir();
  cpSync(TINY_MODEL, withBom, { recursive: true });
  for (const name of readdirSync(withBom).filter((file) => file.endsWith('.json')))
    writeFileSync(join(withBom, name), `\ufeff${readFileSync(join(withBom, name), 'utf8')}`);
  const ok = await run([
    '--model',
    withBom,
    '--dataset',
    TINY_DATA,
    '--backend',
    'wasm',
    '--training',
    '{"maxSteps":1}',
  ]);
  assert.equal(ok.code, 0, ok.stderr);

  const latin1 = tempDir();
  cpSync(TINY_MODEL, latin1, { recursive: true });
  const config = JSON.parse(readFileSync(join(latin1, 'config.json'), 'utf8'));
  writeFileSync(
    join(latin1, 'config.json'),
    Buffer.from(JSON.stringify({ ...config, _name_or_path: 'caf\xe9' }), 'latin1'),
  );
  const refused = await run(['--model', latin1, '--dataset', TINY_DATA, '--backend', 'wasm']);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /model file .*config\.json is not UTF-8 text/);
  assert.doesNotMatch(refused.stderr, /\n\s+at /);
  assert.equal(refused.metrics.length, 0);
});
