import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MedianPruner, PercentilePruner, nanPercentile } from '../../../operator/src/pruner/percentile-pruner.ts';
import { judge, trial } from './helpers.ts';

// Five complete trials; at step 2 their values are 2, 4, 6, 8, 10 (median 6).
const complete = [1, 2, 3, 4, 5].map((n) => trial(n, 'complete', [n * 3, n * 2, n]));

test('percentile › nanPercentile interpolates linearly like numpy', () => {
  assert.equal(nanPercentile([4, 1, 3, 2], 50), 2.5);
  assert.equal(nanPercentile([1, 2, 3, 4], 25), 1.75);
  assert.equal(nanPercentile([1, Number.NaN, 3], 50), 2);
  assert.ok(Number.isNaN(nanPercentile([Number.NaN], 50)));
});

test('median pruner › prunes a trial whose best so far is worse than the median at its step', () => {
  const pruner = new MedianPruner();
  assert.equal(pruner.shouldPrune(judge(trial(9, 'running', [20, 7]), complete)), true);
  assert.equal(pruner.shouldPrune(judge(trial(9, 'running', [20, 6]), complete)), false, 'equal to the median is kept');
  assert.equal(
    pruner.shouldPrune(judge(trial(9, 'running', [5, 7]), complete)),
    false,
    'its best (5) beats the median',
  );
});

test('median pruner › keeps trials before startupTrials complete, during warm-up and off-interval', () => {
  const bad = trial(9, 'running', [99, 99]);
  assert.equal(new MedianPruner().shouldPrune(judge(bad, complete.slice(0, 4))), false);
  assert.equal(new MedianPruner({ startupTrials: 4 }).shouldPrune(judge(bad, complete.slice(0, 4))), true);
  assert.equal(new MedianPruner({ warmupSteps: 3 }).shouldPrune(judge(bad, complete)), false);
  assert.equal(
    new MedianPruner({ intervalSteps: 2 }).shouldPrune(judge(bad, complete)),
    true,
    'step 2 is the first of its interval',
  );
  assert.equal(
    new MedianPruner({ intervalSteps: 2 }).shouldPrune(judge(trial(9, 'running', [99, 99, 99]), complete)),
    false,
  );
});

test('median pruner › running and pruned trials do not count; minTrials values needed at the step', () => {
  const others = [...complete.map((t) => ({ ...t, state: 'pruned' as const })), trial(7, 'running', [1, 1])];
  assert.equal(new MedianPruner({ startupTrials: 0 }).shouldPrune(judge(trial(9, 'running', [99, 99]), others)), false);
  assert.equal(new MedianPruner({ minTrials: 6 }).shouldPrune(judge(trial(9, 'running', [99, 99]), complete)), false);
});

test('percentile pruner › maximize flips the percentile and the comparison', () => {
  const pruner = new PercentilePruner({ percentile: 25 });
  // values at step 2: 2,4,6,8,10; maximize → 75th percentile = 8.
  assert.equal(pruner.shouldPrune(judge(trial(9, 'running', [1, 7.9]), complete, 'maximize')), true);
  assert.equal(pruner.shouldPrune(judge(trial(9, 'running', [1, 8]), complete, 'maximize')), false);
});

test('percentile pruner › a NaN best prunes', () => {
  assert.equal(new MedianPruner().shouldPrune(judge(trial(9, 'running', [Number.NaN, Number.NaN]), complete)), true);
});
