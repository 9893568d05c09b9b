import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, truncateSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTrainerLine, type MetricEvent, type ResultEvent } from '../../trainer/src/contract/events.ts';
import { main } from '../../trainer/src/main.ts';
import { checkpointFile, loadTrainingCheckpoint } from '../../trainer/src/io/training-checkpoint.ts';
import { TINY_DATA, TINY_MODEL, captureIo, tempDir, useWasm } from './fixture.ts';

before(useWasm);

// 14 steps, an evaluation every 4: checkpoints at steps 4, 8 and 12; dropout on, so the dropout
// generator's state matters; early stopping on, so its counters do. Betas, epsilon, warm-up steps
// and a decay floor away from their defaults, so the moments and the schedule resume with them.
const TRAINING = JSON.stringify({ maxSteps: 14, evalSteps: 4, batchSize: 4, earlyStopping: { patience: 3 } });
const PARAMS = JSON.stringify({
  learningRate: 0.01,
  loraR: 4,
  loraAlpha: 8,
  loraDropout: 0.1,
  adamBeta1: 0.8,
  adamBeta2: 0.95,
  adamEpsilon: 1e-6,
  warmupSteps: 3,
  minLrRatio: 0.1,
});
const argsWith = (training: string) => [
  '--model',
  TINY_MODEL,
  '--dataset',
  TINY_DATA,
  '--backend',
  'wasm',
  '--training',
  training,
];
const ARGS = argsWith(TRAINING);
/** The same run with DoRA: its magnitudes and their moments resume too. */
const DORA_TRAINING = JSON.stringify({ ...JSON.parse(TRAINING), useDora: true });

async function run(outputDir: string, env: NodeJS.ProcessEnv = {}, params = PARAMS, args = ARGS) {
  const capture = captureIo(env);
  const code = await main([...args, '--params', params, '--output-dir', outputDir], capture.io);
  const events = capture.stdoutLines().flatMap((l) => {
    const parsed = parseTrainerLine(l);
    return parsed.kind === 'event' ? [parsed.event] : [];
  });
  const stderr = capture.stderrText();
  assert.equal(code, 0, stderr);
  return {
    metrics: events.filter((e): e is MetricEvent => e.type === 'metric'),
    result: events.find((e): e is ResultEvent => e.type === 'result'),
    adapter: readFileSync(join(outputDir, 'adapter_model.safetensors')),
    stderr,
  };
}

/** The real trainer process, SIGKILLed as soon as its first checkpoint is on disk. */
async function killAfterFirstCheckpoint(outputDir: string, args = ARGS): Promise<void> {
  const bin = fileURLToPath(new URL('../../bin/lorahpo-trainer.js', import.meta.url));
  const child = spawn(process.execPath, [bin, ...args, '--params', PARAMS, '--output-dir', outputDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const poll = setInterval(() => {
    if (existsSync(checkpointFile(outputDir))) child.kill('SIGKILL');
  }, 5);
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
    child.on('exit', (c, s) => resolve([c, s])),
  );
  clearInterval(poll);
  assert.deepEqual([code, signal], [null, 'SIGKILL'], 'killed before it finished');
}

const withoutPath = (r: ResultEvent | undefined) => ({ ...r, adapterPath: undefined });

let undisturbed: Awaited<ReturnType<typeof run>>;
let leftBehind: string; // a copy of the killed run's checkpoint directory

test('resume › an undisturbed run removes its checkpoint at the end', async () => {
  const out = tempDir();
  undisturbed = await run(out);
  assert.match(undisturbed.stderr, /attempt 1: no checkpoint in .*: starting from step 0/);
  assert.deepEqual(
    undisturbed.metrics.filter((m) => m.name === 'eval_loss').map((m) => m.step),
    [4, 8, 12, 14],
  );
  assert.equal(existsSync(join(out, 'checkpoint')), false);
});

test('resume › a SIGKILLed run resumes from its checkpoint and ends exactly as an undisturbed run', async () => {
  const out = tempDir();
  await killAfterFirstCheckpoint(out);
  leftBehind = tempDir();
  cpSync(join(out, 'checkpoint'), join(leftBehind, 'checkpoint'), { recursive: true });
  const resumed = await run(out, { LORAHPO_ATTEMPT: '2' });
  const from = /attempt 2: resuming from step (\d+) \(/.exec(resumed.stderr);
  assert.ok(from, resumed.stderr);
  const step = Number(from[1]);
  assert.ok([4, 8, 12].includes(step), `resumed at an evaluation step, got ${step}`);
  // Exactly equal on the wasm backend: weights, moments and generator states are restored bit for
  // bit and the remaining steps run the same operations on the same batches.
  assert.deepEqual(withoutPath(resumed.result), withoutPath(undisturbed.result));
  assert.ok(resumed.adapter.equals(undisturbed.adapter), 'the saved adapter is byte-identical');
  // The reported curve is re-emitted, then continued: the same lines as the undisturbed run.
  assert.deepEqual(resumed.metrics, undisturbed.metrics);
  assert.equal(existsSync(join(out, 'checkpoint')), false);
});

test('resume › a SIGKILLed DoRA run resumes exactly too', async () => {
  const args = argsWith(DORA_TRAINING);
  const whole = await run(tempDir(), {}, PARAMS, args);
  assert.ok(!whole.adapter.equals(undisturbed.adapter), 'DoRA is another run');
  const out = tempDir();
  await killAfterFirstCheckpoint(out, args);
  const resumed = await run(out, { LORAHPO_ATTEMPT: '2' }, PARAMS, args);
  assert.match(resumed.stderr, /attempt 2: resuming from step \d+ \(/);
  assert.deepEqual(withoutPath(resumed.result), withoutPath(whole.result));
  assert.ok(resumed.adapter.equals(whole.adapter), 'the saved adapter, magnitudes included, is byte-identical');
});

test('resume › a truncated checkpoint is named in one log line and the run starts from step 0', async () => {
  const out = tempDir();
  cpSync(join(leftBehind, 'checkpoint'), join(out, 'checkpoint'), { recursive: true });
  const file = checkpointFile(out);
  truncateSync(file, Math.floor(statSync(file).size / 2));
  const r = await run(out, { LORAHPO_ATTEMPT: '3' });
  assert.ok(
    r.stderr.includes(`attempt 3: checkpoint ${file} is unreadable: `) && r.stderr.includes('truncated'),
    r.stderr,
  );
  assert.match(r.stderr, /starting from step 0/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.deepEqual(withoutPath(r.result), withoutPath(undisturbed.result));
});

test('resume › a checkpoint of another run (other params, other Adam beta) is not resumed', async () => {
  for (const change of [{ learningRate: 0.02 }, { adamBeta2: 0.99 }]) {
    const out = tempDir();
    cpSync(join(leftBehind, 'checkpoint'), join(out, 'checkpoint'), { recursive: true });
    const other = JSON.stringify({ ...JSON.parse(PARAMS), ...change });
    const r = await run(out, { LORAHPO_ATTEMPT: '2' }, other);
    assert.match(r.stderr, /attempt 2: checkpoint .*trainer-state\.safetensors is from a different run \(fingerprint /);
    assert.match(r.stderr, /starting from step 0/);
    assert.equal(r.metrics[0].step, 4, 'trained from the start');
    assert.notEqual(r.result?.value, undisturbed.result?.value);
  }
});

test('resume › a flipped byte in a checkpoint fails its SHA-256 check', () => {
  const out = tempDir();
  cpSync(join(leftBehind, 'checkpoint'), join(out, 'checkpoint'), { recursive: true });
  const file = checkpointFile(out);
  const bytes = readFileSync(file);
  const fingerprint = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString()).__metadata__
    .fingerprint as string;
  const intact = loadTrainingCheckpoint(out, fingerprint, []);
  assert.equal(intact.kind, 'rejected'); // no variables of these shapes: refused, not thrown
  bytes[bytes.length - 3] ^= 0x40; // inside the last tensor's data
  writeFileSync(file, bytes);
  const found = loadTrainingCheckpoint(out, fingerprint, []);
  assert.deepEqual(found, { kind: 'rejected', file, reason: 'corrupt: its SHA-256 does not match its contents' });
});
