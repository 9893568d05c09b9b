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
