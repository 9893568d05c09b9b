import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ThresholdPruner } from '../../../operator/src/pruner/threshold-pruner.ts';
import { PatientPruner } from '../../../operator/src/pruner/patient-pruner.ts';
import type { Pruner } from '../../../operator/src/pruner/pruner.ts';
import { judge, trial } from './helpers.ts';

test('threshold pruner › prunes when the latest value leaves [lower, upper] or is NaN', () => {
  const pruner = new ThresholdPruner({ lower: 0, upper: 5 });
  assert.equal(pruner.shouldPrune(judge(trial(0, 'running', [9, 4]), [])), false, 'only the latest value counts');
  assert.equal(pruner.shouldPrune(judge(trial(0, 'running', [4, 6]), [])), true);
  assert.equal(pruner.shouldPrune(judge(trial(0, 'running', [4, -1]), [])), true);
  assert.equal(pruner.shouldPrune(judge(trial(0, 'running', [4, Number.NaN]), [])), true);
  assert.equal(
    new ThresholdPruner({ upper: 5, warmupSteps: 3 }).shouldPrune(judge(trial(0, 'running', [9, 9]), [])),
    false,
  );
});

test('patient pruner › prunes only after patience + 1 values without improvement beyond minDelta', () => {
  const pruner = new PatientPruner({ patience: 2 });
  assert.equal(pruner.shouldPrune(judge(trial(0, 'running', [5, 6, 7]), [])), false, 'not enough values yet');
  assert.equal(pruner.shouldPrune(judge(trial(0, 'running', [5, 6, 7, 8]), [])), true);
  assert.equal(pruner.shouldPrune(judge(trial(0, 'running', [5, 6, 7, 4.9]), [])), false, 'improved');
  assert.equal(
    new PatientPruner({ patience: 2, minDelta: 0.5 }).shouldPrune(judge(trial(0, 'running', [5, 6, 7, 4.9]), [])),
    true,
    'too little',
  );
  assert.equal(
    pruner.shouldPrune(judge(trial(0, 'running', [5, 4, 3, 6]), [], 'maximize')),
    false,
    'maximize: 6 beats 5',
  );
});

test('patient pruner › asks the wrapped pruner once patience runs out', () => {
  const asked: number[] = [];
  const wrapped: Pruner = { shouldPrune: (context) => (asked.push(context.step), false) };
  const pruner = new PatientPruner({ patience: 1, wrapped });
  assert.equal(pruner.shouldPrune(judge(trial(0, 'running', [1, 2]), [])), false);
  assert.equal(pruner.shouldPrune(judge(trial(0, 'running', [1, 2, 3]), [])), false);
  assert.deepEqual(asked, [3]);
});
