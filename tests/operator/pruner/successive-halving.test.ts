import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SuccessiveHalvingPruner,
  estimateMinResource,
} from '../../../operator/src/pruner/successive-halving-pruner.ts';
import { HyperbandPruner } from '../../../operator/src/pruner/hyperband-pruner.ts';
import { crc32 } from '../../../operator/src/pruner/crc32.ts';
import { judge, trial } from './helpers.ts';

// minResource 1, eta 2: rungs at steps 1, 2, 4, 8.
const asha = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 });

test('asha › the first trial at a rung is promoted; later ones need the top floor(k/eta)', () => {
  assert.equal(asha.shouldPrune(judge(trial(0, 'running', [5]), [])), false);
  const others = [trial(1, 'complete', [3, 3, 3, 3, 3, 3, 3, 3]), trial(2, 'complete', [4, 4, 4, 4, 4, 4, 4, 4])];
  // rung 0 values 3, 4 and ours 5: k = 3, floor(3/2) = 1 → only the best (3) continues.
  assert.equal(asha.shouldPrune(judge(trial(9, 'running', [5]), others)), true);
  assert.equal(asha.shouldPrune(judge(trial(9, 'running', [2]), others)), false);
});

test('asha › checks only on reaching a rung, and crosses several rungs at once', () => {
  const others = [trial(1, 'complete', [3, 3, 1, 1]), trial(2, 'complete', [4, 4, 2, 2])];
  // Step 3 is no rung: no decision even though 9 is bad.
  assert.equal(asha.shouldPrune(judge(trial(9, 'running', [1, 1, 9], [1, 2, 3]), others)), false);
  // Reporting step 4 first of all crosses rungs 0, 1, 2 with value 0.5: best at every rung.
  assert.equal(asha.shouldPrune(judge(trial(9, 'running', [0.5], [4]), others)), false);
  // ...and with 1.5 it is best at rungs 0 and 1 (values 3/4 there) but not at rung 2 (1, 2).
  assert.equal(asha.shouldPrune(judge(trial(9, 'running', [1.5], [4]), others)), true);
});

test('asha › the rung value of a trial is its first value at or past the rung step', () => {
  // Trial 1 reported steps 3 and 5 only: its rung-1 (step 2) value is 7, rung-2 (step 4) value is 1.
  const others = [trial(1, 'complete', [7, 1], [3, 5])];
  assert.equal(asha.shouldPrune(judge(trial(9, 'running', [8, 8], [1, 2]), others)), true);
  assert.equal(asha.shouldPrune(judge(trial(9, 'running', [8, 6], [1, 2]), others)), false);
});

test('asha › auto minResource comes from the first complete trial and never moves', () => {
  assert.equal(estimateMinResource([]), undefined);
  const history = [trial(4, 'complete', [1], [950]), trial(2, 'complete', [1], [420]), trial(1, 'pruned', [1], [1000])];
  assert.equal(estimateMinResource(history), 4);
  assert.equal(estimateMinResource([trial(0, 'complete', [1], [30])]), 1);
  assert.equal(
    new SuccessiveHalvingPruner().shouldPrune(judge(trial(9, 'running', [99]), [])),
    false,
    'no reference yet: no pruning',
  );
});

test('hyperband › crc32 matches the IEEE polynomial (binascii.crc32)', () => {
  assert.equal(crc32('The quick brown fox jumps over the lazy dog'), 0x414fa339);
  assert.equal(crc32(''), 0);
});

test("hyperband › the sampler sees only the trial's bracket, and brackets follow their budgets", () => {
  const pruner = new HyperbandPruner({ minResource: 1, maxResource: 27, reductionFactor: 3 });
  const history = Array.from({ length: 400 }, (_, n) => trial(n, 'complete', [n], [27]));
  const sizes = new Map<string, number>();
  for (let n = 0; n < 400; n += 1) {
    const seen = pruner.samplerHistory(n, history, 'demo');
    assert.ok(
      seen.some((t) => t.number === n),
      'a trial is in its own bracket',
    );
    sizes.set(seen.map((t) => t.number).join(','), seen.length);
  }
  // 4 brackets (27 = 3^3), budgets ceil(4*27/4)=27, ceil(4*9/3)=12, ceil(4*3/2)=6, 4 → shares 27:12:6:4 of 49.
  const counts = [...sizes.values()].sort((a, b) => b - a);
  assert.equal(counts.length, 4);
  assert.equal(
    counts.reduce((a, b) => a + b, 0),
    400,
  );
  const expected = [27, 12, 6, 4].map((budget) => (400 * budget) / 49);
  counts.forEach((count, i) =>
    assert.ok(Math.abs(count - expected[i]) < expected[i] * 0.35, `bracket ${i}: ${count} vs ${expected[i]}`),
  );
});

test('hyperband › without a maxResource and no complete trial it neither prunes nor filters', () => {
  const pruner = new HyperbandPruner();
  const history = [trial(0, 'running', [1])];
  assert.equal(pruner.shouldPrune(judge(trial(1, 'running', [99]), history)), false);
  assert.equal(pruner.samplerHistory(1, history, 'demo').length, 1);
});
