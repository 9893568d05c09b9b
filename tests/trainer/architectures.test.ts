/**
 * Each architecture the trainer computes, on a tiny generated checkpoint, against the independent
 * PyTorch implementation in bench/trainer/torch_reference.py: logits, loss, LoRA gradient norm and
 * the loss after one AdamW step. Needs a Python with torch (Debian python3-torch; installed by
 * bench/trainer/install-torch.sh); without one the comparison is skipped and says why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { findTorchPython } from '../../bench/trainer/bench.ts';
import { compareWithReference } from '../../bench/trainer/reference-check.ts';
import { makeBatch } from '../../trainer/src/data/batches.ts';
import { loadCheckpoint } from '../../trainer/src/io/checkpoint.ts';
import { parseLlamaConfig } from '../../trainer/src/model/config.ts';
import { inverseFrequencies, ropeTables } from '../../trainer/src/model/rope.ts';
import { LlamaModel } from '../../trainer/src/model/llama.ts';
import { createAdapters, disposeAdapters } from '../../trainer/src/lora/inject.ts';
import { peftState } from '../../trainer/src/lora/peft-state.ts';
import { resolveTargetModules } from '../../trainer/src/lora/targets.ts';
import {
  randomArchitectureWeights,
  TINY_ARCHITECTURES,
  writeTinyArchitecture,
} from '../../trainer/src/fixture/tiny-architectures.ts';
import { SafetensorsFile, serializeSafetensors } from '../../trainer/src/io/safetensors.ts';
import { main } from '../../trainer/src/main.ts';
import { Rng } from '../../trainer/src/rng.ts';
import { TINY_DATA, TINY_MODEL, captureIo, tempDir } from './fixture.ts';

const python = findTorchPython();
const NO_TORCH = 'no python3 with torch (run bench/trainer/install-torch.sh)';

/** Two rows of random ids, 11 and 7 tokens (right padding), loss on every target. */
function randomBatch(vocab: number) {
  const rng = new Rng(3);
  const row = (n: number) => {
    const ids = [1, ...Array.from({ length: n - 1 }, () => 3 + rng.int(vocab - 3))];
    return { ids, lossMask: ids.map((_, i) => (i === 0 ? 0 : 1)) };
  };
  return makeBatch([row(11), row(7)], 0);
}

const dir = tempDir('lorahpo-arch-');
for (const name of Object.keys(TINY_ARCHITECTURES)) {
  test(`architecture ${name} › logits and one LoRA AdamW step match the PyTorch reference`, {
    skip: python === undefined ? NO_TORCH : false,
  }, async () => {
    const modelDir = writeTinyArchitecture(dir, name);
    const { maxLogitDiff, mine, theirs } = await compareWithReference(python!, modelDir, randomBatch(96));
    process.stdout.write(`# ${name}: logits max abs diff ${maxLogitDiff.toExponential(2)}\n`);
    assert.ok(maxLogitDiff < 1e-4, `logits differ by ${maxLogitDiff}`);
    assert.ok(Math.abs(mine.lossBefore - theirs.lossBefore) < 1e-4, `loss ${mine.lossBefore} vs ${theirs.lossBefore}`);
    assert.ok(Math.abs(mine.gradNorm - theirs.gradNorm) < 1e-4 * Math.max(1, theirs.gradNorm), 'gradient norm');
    assert.ok(Math.abs(mine.lossAfter - theirs.lossAfter) < 1e-4, `after ${mine.lossAfter} vs ${theirs.lossAfter}`);
    assert.ok(mine.lossAfter < mine.lossBefore, 'the step lowers the loss');
  });
}

// DoRA on the plain layout, on biased projections and on fused ones, off its starting point
for (const name of ['llama', 'qwen2', 'phi3']) {
  test(`architecture ${name} with DoRA › logits and one AdamW step (magnitudes too) match the PyTorch reference`, {
    skip: python === undefined ? NO_TORCH : false,
  }, async () => {
    const modelDir = writeTinyArchitecture(dir, name);
    const plain = await compareWithReference(python!, modelDir, randomBatch(96));
    const { maxLogitDiff, mine, theirs } = await compareWithReference(python!, modelDir, randomBatch(96), {
      dora: true,
    });
    process.stdout.write(`# ${name} DoRA: logits max abs diff ${maxLogitDiff.toExponential(2)}\n`);
    assert.ok(maxLogitDiff < 1e-4, `logits differ by ${maxLogitDiff}`);
    assert.ok(Math.abs(mine.lossBefore - theirs.lossBefore) < 1e-4, `loss ${mine.lossBefore} vs ${theirs.lossBefore}`);
    assert.ok(Math.abs(mine.gradNorm - theirs.gradNorm) < 1e-4 * Math.max(1, theirs.gradNorm), 'gradient norm');
    assert.ok(Math.abs(mine.lossAfter - theirs.lossAfter) < 1e-4, `after ${mine.lossAfter} vs ${theirs.lossAfter}`);
    assert.notEqual(mine.lossBefore, plain.mine.lossBefore, 'DoRA moved off its start is not the base model');
  });
}

test('architectures › each tiny checkpoint loads with the switches its config implies', () => {
  const load = (name: string) => loadCheckpoint(writeTinyArchitecture(dir, name)).config;
  const qwen = load('qwen2');
  assert.deepEqual([...qwen.biases].sort(), ['k_proj', 'q_proj', 'v_proj']);
  const gemma = load('gemma');
  assert.equal(gemma.headDim, 16);
  assert.equal(gemma.tieWordEmbeddings, true);
  assert.equal(gemma.activation, 'gelu_pytorch_tanh');
  assert.equal(gemma.normPlusOne, true);
  assert.equal(gemma.embeddingScale, Math.fround(Math.sqrt(32)));
  assert.equal(load('mistral').slidingWindow, 3);
  const gemma2 = load('gemma2');
  assert.deepEqual(gemma2.slidingLayers, [true, false, true]);
  assert.equal(gemma2.attentionScale, 1 / Math.sqrt(24));
  assert.deepEqual([gemma2.attentionSoftcap, gemma2.finalSoftcap, gemma2.sandwichNorms], [2, 3, true]);
  assert.equal(gemma2.qkNorm, false);
  const gemma3 = load('gemma3');
  assert.deepEqual(gemma3.slidingLayers, [true, true, false]); // every third layer is global
  assert.deepEqual(
    [gemma3.qkNorm, gemma3.sandwichNorms, gemma3.slidingRopeTheta, gemma3.ropeTheta],
    [true, true, 10000, 1e6],
  );
  assert.deepEqual([gemma3.attentionSoftcap, gemma3.finalSoftcap], [undefined, undefined]);
  // the multimodal config's text_config leaves these to Gemma3TextConfig's defaults
  const multimodal = load('gemma3-multimodal');
  assert.equal(multimodal.modelType, 'gemma3_text');
  assert.equal(multimodal.attentionScale, 1 / 16); // query_pre_attn_scalar 256
  assert.deepEqual([multimodal.ropeTheta, multimodal.slidingRopeTheta, multimodal.tieWordEmbeddings], [1e6, 1e4, true]);
  assert.deepEqual(multimodal.slidingLayers, [true, false]);
  assert.equal(multimodal.eosTokenId, 2); // from the top level of the multimodal config
  assert.equal(load('llama3-rope').ropeScaling.type, 'llama3');
  const phi3 = load('phi3');
  assert.deepEqual([phi3.fusedProjections, phi3.rotaryDim, phi3.slidingWindow, phi3.rmsNormEps], [true, 6, 5, 1e-5]);
  const longrope = load('phi3-longrope').ropeScaling;
  assert.equal(longrope.type, 'longrope');
  assert.equal(longrope.type === 'longrope' && longrope.attentionFactor, Math.sqrt(1 + Math.log(4) / Math.log(8)));
});

test('rope › partial rotary leaves the last dimensions of a head unturned; longrope picks its factors by length', () => {
  const { cos, sin } = ropeTables(3, 8, 10000, { type: 'default' }, 6);
  const [c, s] = [cos.arraySync(), sin.arraySync()];
  assert.deepEqual([c[2][6], c[2][7], s[2][6], s[2][7]], [1, 1, 0, 0]);
  assert.equal(c[2][3], Math.fround(Math.cos(2))); // dimension 3 pairs with 0: inverse frequency 1
  tf.dispose([cos, sin]);
  const scaling = parseLlamaConfig(TINY_ARCHITECTURES['phi3-longrope'], 'config.json').ropeScaling;
  const plain = inverseFrequencies(8, 10000, { type: 'default' }, 8);
  assert.deepEqual(
    inverseFrequencies(8, 10000, scaling, 8),
    plain.map((f, i) => Math.fround(f / [1, 1.5, 2, 3][i])),
  );
  assert.deepEqual(
    inverseFrequencies(8, 10000, scaling, 9),
    plain.map((f, i) => Math.fround(f / [1.2, 2.5, 4, 8][i])),
  );
});

test('phi3 › adapters sit on the fused layers under the names PEFT gives them', () => {
  const model = new LlamaModel(loadCheckpoint(writeTinyArchitecture(dir, 'phi3')), 'explicit');
  const targets = resolveTargetModules('all-linear', model.config);
  const adapters = createAdapters(model, targets, { r: 4, alpha: 8, dropout: 0 }, new Rng(1));
  const state = peftState(adapters);
  const names = Object.keys(state).filter((n) => n.includes('layers.0.'));
  assert.deepEqual(names, [
    'base_model.model.model.layers.0.self_attn.qkv_proj.lora_A.weight',
    'base_model.model.model.layers.0.self_attn.qkv_proj.lora_B.weight',
    'base_model.model.model.layers.0.self_attn.o_proj.lora_A.weight',
    'base_model.model.model.layers.0.self_attn.o_proj.lora_B.weight',
    'base_model.model.model.layers.0.mlp.gate_up_proj.lora_A.weight',
    'base_model.model.model.layers.0.mlp.gate_up_proj.lora_B.weight',
    'base_model.model.model.layers.0.mlp.down_proj.lora_A.weight',
    'base_model.model.model.layers.0.mlp.down_proj.lora_B.weight',
  ]);
  // q (4 heads × 8) + k and v (2 × 8 each); gate and up 48 each
  assert.deepEqual(state['base_model.model.model.layers.0.self_attn.qkv_proj.lora_B.weight'].shape, [64, 4]);
  assert.deepEqual(state['base_model.model.model.layers.0.mlp.gate_up_proj.lora_B.weight'].shape, [96, 4]);
  disposeAdapters(adapters);
  model.dispose();
});

test('gemma3 › a multimodal checkpoint: the decoder read from under language_model., the adapter named as stored', () => {
  const modelDir = writeTinyArchitecture(dir, 'gemma3-multimodal');
  const checkpoint = loadCheckpoint(modelDir);
  assert.equal(
    checkpoint.storedName?.('model.layers.1.self_attn.q_proj'),
    'language_model.model.layers.1.self_attn.q_proj',
  );
  const stored = SafetensorsFile.open(join(modelDir, 'model.safetensors'));
  assert.deepEqual(
    checkpoint.tensors.get('model.norm.weight')?.data,
    stored.tensor('language_model.model.norm.weight')?.data,
  );
  stored.close();
  const model = new LlamaModel(checkpoint, 'explicit');
  const adapters = createAdapters(
    model,
    resolveTargetModules('attention', model.config),
    { r: 2, alpha: 4, dropout: 0 },
    new Rng(1),
  );
  const names = Object.keys(peftState(adapters, model.storedName));
  assert.ok(names.includes('base_model.model.language_model.model.layers.0.self_attn.q_proj.lora_A.weight'), names[0]);
  assert.equal(names.filter((n) => !n.startsWith('base_model.model.language_model.model.layers.')).length, 0);
  disposeAdapters(adapters);
  model.dispose();
});

test('gemma3 › a multimodal checkpoint missing a decoder tensor names it as stored', () => {
  const modelDir = writeTinyArchitecture(tempDir(), 'gemma3-multimodal');
  const file = SafetensorsFile.open(join(modelDir, 'model.safetensors'));
  const tensors = Object.fromEntries(
    file
      .names()
      .filter((n) => n !== 'language_model.model.layers.1.self_attn.k_norm.weight')
      .map((n) => [n, file.tensor(n)!]),
  );
  file.close();
  writeFileSync(join(modelDir, 'model.safetensors'), serializeSafetensors(tensors, { format: 'pt' }));
  assert.throws(
    () => loadCheckpoint(modelDir),
    /tensor language_model\.model\.layers\.1\.self_attn\.k_norm\.weight is missing from the checkpoint \(multimodal/,
  );
});

test('rope › llama3 scaling keeps high frequencies, divides low ones and blends between', () => {
  const c = parseLlamaConfig(TINY_ARCHITECTURES['llama3-rope'], 'config.json');
  const plain = inverseFrequencies(8, c.ropeTheta, { type: 'default' }, 10);
  const scaled = inverseFrequencies(8, c.ropeTheta, c.ropeScaling, 10);
  assert.equal(scaled[0], plain[0]); // wavelength 2π < 256 / 4
  assert.equal(scaled[2], Math.fround(plain[2] / 8)); // wavelengths above 256
  assert.equal(scaled[3], Math.fround(plain[3] / 8));
  assert.ok(scaled[1] < plain[1] && scaled[1] > plain[1] / 8, 'the medium frequency is interpolated');
});

test('config › unsupported architectures and rope scalings are refused by name', () => {
  const base = TINY_ARCHITECTURES.llama;
  assert.throws(
    () => parseLlamaConfig({ ...base, rope_scaling: { rope_type: 'yarn', factor: 4 } }, 'config.json'),
    /rope_scaling/,
  );
  assert.throws(() => parseLlamaConfig({ ...base, model_type: 'gemma3n_text' }, 'config.json'), /model_type/);
  assert.throws(
    () => parseLlamaConfig({ ...TINY_ARCHITECTURES.gemma3, layer_types: ['full_attention'] }, 'config.json'),
    /layer_types lists 1 layers, num_hidden_layers is 3/,
  );
  assert.throws(
    () => parseLlamaConfig({ ...TINY_ARCHITECTURES.qwen2, use_sliding_window: true }, 'config.json'),
    /use_sliding_window/,
  );
  assert.throws(() => parseLlamaConfig({ ...base, hidden_act: 'relu' }, 'config.json'), /hidden_act/);
  const phi3 = TINY_ARCHITECTURES['phi3-longrope'] as { rope_scaling: object };
  assert.throws(
    () => parseLlamaConfig({ ...phi3, rope_scaling: { ...phi3.rope_scaling, long_factor: [1, 2] } }, 'config.json'),
    /short_factor and long_factor of 4 numbers/,
  );
  assert.throws(
    () => parseLlamaConfig({ ...phi3, rope_scaling: { type: 'linear', factor: 2 } }, 'config.json'),
    /Phi-3 takes only longrope/,
  );
  assert.throws(
    () => parseLlamaConfig({ ...base, rope_scaling: (phi3 as { rope_scaling: object }).rope_scaling }, 'config.json'),
    /longrope is supported for phi3 only/,
  );
});

/** A Phi-3 checkpoint (random weights) with the bundled tiny tokenizer, so the trainer can run on it. */
function phi3WithTokenizer(): string {
  const tiny = JSON.parse(readFileSync(join(TINY_MODEL, 'config.json'), 'utf8')) as { vocab_size: number };
  const configJson = { ...TINY_ARCHITECTURES.phi3, vocab_size: tiny.vocab_size };
  const modelDir = join(dir, 'phi3-run');
  mkdirSync(modelDir, { recursive: true });
  writeFileSync(join(modelDir, 'config.json'), JSON.stringify(configJson));
  writeFileSync(
    join(modelDir, 'model.safetensors'),
    serializeSafetensors(randomArchitectureWeights(configJson, 11), { format: 'pt' }),
  );
  for (const file of ['tokenizer.json', 'tokenizer_config.json'].filter((f) => existsSync(join(TINY_MODEL, f))))
    copyFileSync(join(TINY_MODEL, file), join(modelDir, file));
  return modelDir;
}

test('phi3 › the trainer runs on it and saves the fused adapters with their PEFT names', async () => {
  const modelDir = phi3WithTokenizer();
  const out = tempDir();
  const training = JSON.stringify({ targetModules: 'all-linear', maxSteps: 4, evalSteps: 2, warmupSteps: 1 });
  const params = JSON.stringify({ loraR: 4, loraAlpha: 8, adamBeta2: 0.95, minLrRatio: 0.1 });
  const args = ['--model', modelDir, '--dataset', TINY_DATA, '--backend', 'wasm', '--output-dir', out];
  const capture = captureIo();
  const code = await main([...args, '--training', training, '--params', params], capture.io);
  assert.equal(code, 0, capture.stderrText());
  const config = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'));
  assert.deepEqual(config.target_modules, ['qkv_proj', 'o_proj', 'gate_up_proj', 'down_proj']);
  const adapter = new SafetensorsFile(readFileSync(join(out, 'adapter_model.safetensors')), 'adapter');
  assert.equal(adapter.names().length, 2 * 4 * 2);
  assert.ok(adapter.names().includes('base_model.model.model.layers.1.mlp.gate_up_proj.lora_B.weight'));
  // a Llama module name is refused before any training, naming the ones Phi-3 has
  const refused = captureIo();
  const listed = JSON.stringify({ targetModules: ['q_proj', 'v_proj'], maxSteps: 1 });
  assert.equal(await main([...args, '--training', listed], refused.io), 2);
  assert.match(refused.stderrText(), /q_proj, v_proj: a phi3 model has no such linear layer \(it has qkv_proj, o_proj/);
});
