import { test } from 'node:test';
import assert from 'node:assert/strict';
import { paramEnvName, readTrialEnvironment, trialEnvironment } from '../../trainer/src/contract/env.ts';
import { parseTrainerLine } from '../../trainer/src/contract/events.ts';

test('trainer contract › parameter names become upper snake case', () => {
  assert.equal(paramEnvName('learningRate'), 'LORAHPO_PARAM_LEARNING_RATE');
  assert.equal(paramEnvName('loraR'), 'LORAHPO_PARAM_LORA_R');
  assert.equal(paramEnvName('max_grad_norm'), 'LORAHPO_PARAM_MAX_GRAD_NORM');
});

test('trainer contract › the environment round-trips through the trainer side', () => {
  const env = trialEnvironment({
    trial: 's-3',
    seed: 7,
    params: { learningRate: 1e-4, scheduler: 'cosine' },
    training: { epochs: 2 },
  });
  assert.equal(env.LORAHPO_PARAM_SCHEDULER, 'cosine');
  const read = readTrialEnvironment(env);
  assert.deepEqual(read.params, { learningRate: 1e-4, scheduler: 'cosine' });
  assert.equal(read.training.epochs, 2);
  assert.equal(read.seed, 7);
  assert.equal(read.resultFile, '/dev/termination-log');
});

test('trainer contract › bad training settings name the field', () => {
  assert.throws(() => readTrialEnvironment({ LORAHPO_TRAINING: '{"epochs":0}' }), /LORAHPO_TRAINING\.epochs/);
  assert.throws(() => readTrialEnvironment({ LORAHPO_PARAMS: '{' }), /LORAHPO_PARAMS is not valid JSON/);
});

test('trainer contract › stdout lines are events, logs or malformed events', () => {
  assert.equal(parseTrainerLine('{"type":"metric","name":"eval_loss","value":1.2,"step":3}').kind, 'event');
  assert.equal(parseTrainerLine('loading model').kind, 'log');
  assert.equal(parseTrainerLine('{"level":30}').kind, 'log');
  const bad = parseTrainerLine('{"type":"metric","name":"eval_loss","value":"x","step":3}');
  assert.equal(bad.kind, 'malformed');
});

test('trainer contract › contract errors are worded like lorahpo validate’s', () => {
  const bad = parseTrainerLine('{"type":"metric","name":"eval_loss","value":"x","step":3}');
  assert.deepEqual(bad.kind === 'malformed' && bad.error, 'value is "x" but must be a number');
  assert.throws(() => readTrialEnvironment({ LORAHPO_TRAINING: JSON.stringify({ epochs: -1, batchSize: 'a' }) }), {
    message: 'LORAHPO_TRAINING.epochs is -1 but must be > 0; LORAHPO_TRAINING.batchSize is "a" but must be a number',
  });
});

test('trainer contract › NaN or Infinity in an event line (Python json.dumps) is a malformed event naming the value', () => {
  const table: [string, RegExp][] = [
    ['{"type": "metric", "name": "eval_loss", "value": NaN, "step": 2}', /value is NaN, which is not a finite number/],
    ['{"type":"metric","name":"eval_loss","value":Infinity,"step":2}', /value is Infinity/],
    ['{"type":"metric","name":"eval_loss","value":-Infinity,"step":2}', /value is -Infinity/],
    ['{"type":"result","value":NaN}', /value is NaN/],
    ['{"type":"metric","name":"eval_loss","value":1,"step":2', /not valid JSON/],
    ['{"type":"metric","name":"eval_loss","value":null,"step":2}', /value is null but must be a number/],
  ];
  for (const [line, error] of table) {
    const parsed = parseTrainerLine(line);
    assert.equal(parsed.kind, 'malformed', line);
    assert.match((parsed as { error: string }).error, error, line);
  }
  assert.equal(parsed('{"note": NaN}'), 'log', 'a JSON-ish log line that is no event stays a log line');
  assert.equal(parsed('{"type":"metric","name":"loss NaN"'), 'malformed');
});

function parsed(line: string): string {
  return parseTrainerLine(line).kind;
}
