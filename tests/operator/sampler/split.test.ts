import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gamma, rankFinished, splitTrials } from '../../../operator/src/sampler/tpe/split.ts';
import { observationWeights } from '../../../operator/src/sampler/tpe/weights.ts';
import type { TrialRecord } from '../../../operator/src/trial-record.ts';

const complete = (number: number, value: number): TrialRecord => ({
  number,
  params: {},
  state: 'complete',
  value,
  intermediate: [],
});
const pruned = (number: number, curve: [number, number][]): TrialRecord => ({
  number,
  params: {},
  state: 'pruned',
  intermediate: curve.map(([step, value]) => ({ step, value })),
});
const other = (number: number, state: 'running' | 'failed'): TrialRecord => ({
  number,
  params: {},
  state,
  intermediate: [],
});
const numbers = (trials: TrialRecord[]) => trials.map((trial) => trial.number);
const split = { gammaRatio: 0.1, gammaCap: 25, constantLiar: false };

test('split › gamma(n) = min(ceil(0.1 n), 25)', () => {
  assert.deepEqual(
    [1, 10, 11, 100, 249, 250, 251, 5000].map((n) => gamma(n, 0.1, 25)),
    [1, 1, 2, 10, 25, 25, 25, 25],
  );
});

test('split › complete trials rank by direction-adjusted value, NaN last, ties by number', () => {
  const trials = [complete(0, 3), complete(1, Number.NaN), complete(2, -1), complete(3, 3), complete(4, Infinity)];
  assert.deepEqual(numbers(rankFinished(trials, 'minimize')), [2, 0, 3, 4, 1]);
  assert.deepEqual(numbers(rankFinished(trials, 'maximize')), [4, 0, 3, 2, 1]);
});

test('split › pruned trials follow complete ones: further first, then by value at that step, NaN worst', () => {
  const trials = [
    pruned(0, [[1, 0.1]]),
    pruned(1, [
      [1, 0.5],
      [3, 0.9],
    ]),
    complete(2, 100),
    pruned(3, [[3, 0.2]]),
    pruned(4, [[3, Number.NaN]]),
    pruned(5, []),
    other(6, 'failed'),
    other(7, 'running'),
  ];
  assert.deepEqual(numbers(rankFinished(trials, 'minimize')), [2, 3, 1, 4, 0, 5]);
  assert.deepEqual(numbers(rankFinished(trials, 'maximize')), [2, 1, 3, 4, 0, 5]);
});

test('split › the best gamma(n) are good, both sets in number order; failed ignored; running only with constant liar', () => {
  const trials: TrialRecord[] = [];
  for (let i = 0; i < 20; i++) trials.push(complete(i, (i * 7) % 20));
  trials.push(other(20, 'running'), other(21, 'failed'));
  const plain = splitTrials(trials, { ...split, direction: 'minimize' });
  assert.deepEqual(numbers(plain.good), [0, 3]); // values 0 and 1 (3 · 7 = 21)
  assert.equal(plain.bad.length, 18);
  assert.deepEqual(
    numbers(plain.bad),
    numbers(plain.bad).toSorted((a, b) => a - b),
  );
  const liar = splitTrials(trials, { ...split, direction: 'minimize', constantLiar: true });
  assert.deepEqual(numbers(liar.good), [0, 3]);
  assert.equal(liar.bad.length, 19);
  assert.ok(numbers(liar.bad).includes(20) && !numbers(liar.bad).includes(21));
});

test('split › pruned trials enter the good set only when they rank there', () => {
  const trials = [complete(0, 5), pruned(1, [[9, 0]]), ...Array.from({ length: 9 }, (_, i) => complete(i + 2, 10 + i))];
  const result = splitTrials(trials, { ...split, direction: 'minimize', gammaRatio: 0.2 });
  assert.deepEqual(numbers(result.good), [0, 2, 3].slice(0, gamma(11, 0.2, 25)));
});

test('weights › flat below 25; otherwise the newest 25 weigh 1 and older ones ramp from 1/m to 1', () => {
  assert.deepEqual([...observationWeights(3)], [1, 1, 1]);
  assert.deepEqual([...observationWeights(25)], new Array(25).fill(1));
  const w = observationWeights(30);
  assert.equal(w.length, 30);
  assert.ok(Math.abs(w[0] - 1 / 30) < 1e-15);
  assert.ok(Math.abs(w[4] - 1) < 1e-15);
  for (let i = 1; i < 5; i++) assert.ok(Math.abs(w[i] - w[i - 1] - (1 - 1 / 30) / 4) < 1e-12);
  assert.deepEqual([...w.subarray(5)], new Array(25).fill(1));
  assert.deepEqual([...observationWeights(26)].slice(0, 1), [1 / 26]);
});
