import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveSettings } from '../../trainer/src/settings.ts';
import { LorahpoError } from '../../trainer/src/contract/errors.ts';

test('settings › bad hyperparameters are worded like lorahpo validate’s, one line each', () => {
  const env = {
    LORAHPO_PARAMS: JSON.stringify({ learningRate: -1, loraR: 'big' }),
    LORAHPO_TRAINING: JSON.stringify({ model: '/m', dataset: '/d' }),
  };
  assert.throws(
    () => resolveSettings(env, {}, () => {}),
    (error) => {
      assert.ok(error instanceof LorahpoError);
      assert.equal(error.code, 'LORAHPO_SPEC_INVALID');
      assert.equal(
        error.message,
        [
          'invalid hyperparameters (LORAHPO_PARAMS over LORAHPO_TRAINING):',
          '  learningRate is -1 but must be > 0',
          '  loraR is "big" but must be a number',
        ].join('\n'),
      );
      return true;
    },
  );
});

test('settings › sampled optimiser knobs override the fixed ones; warmupSteps beside warmupRatio is said to win', () => {
  const env = {
    LORAHPO_PARAMS: JSON.stringify({ adamBeta2: 0.95, minLrRatio: 0.1, warmupSteps: 4 }),
    LORAHPO_TRAINING: JSON.stringify({ model: '/m', dataset: '/d', adamBeta2: 0.98, warmupRatio: 0.2 }),
  };
  const warnings: string[] = [];
  const { hyper } = resolveSettings(env, {}, (m) => warnings.push(m));
  assert.deepEqual(
    [hyper.adamBeta1, hyper.adamBeta2, hyper.adamEpsilon, hyper.minLrRatio, hyper.warmupSteps, hyper.warmupRatio],
    [0.9, 0.95, 1e-8, 0.1, 4, 0.2],
  );
  assert.deepEqual(warnings, ["warmupSteps 4 wins over warmupRatio 0.2 (as transformers' warmup_steps)"]);
});
