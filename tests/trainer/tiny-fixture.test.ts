/**
 * The bundled tiny fixture: regenerating it gives the committed bytes, its base model has learned
 * something, and LoRA fine-tuning on it beats both the base and a bigram model on held-out answers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeBatch } from '../../trainer/src/data/batches.ts';
import { ngramLosses } from '../../trainer/src/fixture/bigram-baseline.ts';
import { makeTinyFixture } from '../../trainer/src/fixture/make-tiny-fixture.ts';
import { quickstartBaselines } from '../../trainer/src/fixture/quickstart-baselines.ts';
import { main } from '../../trainer/src/main.ts';
import { parseTrainerLine, type ResultEvent } from '../../trainer/src/contract/events.ts';
import { TINY_DATA, TINY_DIR, TINY_MODEL, captureIo, tempDir, useWasm } from './fixture.ts';

const QUICKSTART = fileURLToPath(new URL('../../examples/quickstart.yaml', import.meta.url));

test('bigram baseline › counts training targets and scores the eval batches token-weighted', () => {
  // vocab 4; training targets after the first token: 1→2, 2→3, 1→2
  const train = [
    { ids: [0, 1, 2, 3], lossMask: [0, 0, 1, 1] },
    { ids: [1, 2], lossMask: [0, 1] },
  ];
  const evalBatches = [makeBatch([{ ids: [1, 2, 0], lossMask: [0, 1, 1] }], 0)];
  const l = ngramLosses(train, evalBatches, 4);
  const uni = (c: number) => (c + 1) / (3 + 4); // counts: 2 twice, 3 once
  const p12 = (2 + uni(2)) / (2 + 1);
  const p20 = (0 + uni(0)) / (1 + 1);
  assert.equal(l.tokens, 2);
  assert.ok(Math.abs(l.bigram - -(Math.log(p12) + Math.log(p20)) / 2) < 1e-12);
  assert.ok(Math.abs(l.unigram - -(Math.log(uni(2)) + Math.log(uni(0))) / 2) < 1e-12);
});

test('tiny fixture › the quickstart best params beat the base model and the bigram on held-out answers', async () => {
  await useWasm();
  const b = quickstartBaselines(QUICKSTART);
  assert.ok(b.base < b.unigram, `the pretrained base (${b.base}) has learned more than a unigram (${b.unigram})`);
  const capture = captureIo();
  const training = JSON.stringify({
    maxSteps: 30,
    evalSteps: 10,
    batchSize: 8,
    maxSeqLength: 64,
    warmupRatio: 0.1,
    targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj'],
  });
  const params = '{"learningRate":0.02,"loraR":16,"loraAlpha":8,"loraDropout":0.07,"scheduler":"linear"}';
  const code = await main(
    ['--model', TINY_MODEL, '--dataset', TINY_DATA, '--backend', 'wasm', '--training', training, '--params', params],
    capture.io,
  );
  assert.equal(code, 0, capture.stderrText());
  const result = capture
    .stdoutLines()
    .map(parseTrainerLine)
    .flatMap((e) => (e.kind === 'event' && e.event.type === 'result' ? [e.event as ResultEvent] : []))[0];
  const tuned = result.value ?? Number.NaN;
  assert.ok(tuned < b.bigram && tuned < b.base, `LoRA ${tuned} vs bigram ${b.bigram}, base ${b.base}`);
});

test('tiny fixture › regenerating it gives the bundled bytes', { timeout: 600_000 }, async () => {
  await useWasm();
  const out = tempDir('lorahpo-fixture-');
  makeTinyFixture(out);
  for (const file of ['cncf-qa.jsonl', 'model/config.json', 'model/tokenizer.json', 'model/model.safetensors'])
    assert.ok(readFileSync(join(out, file)).equals(readFileSync(join(TINY_DIR, file))), `${file} differs`);
});
