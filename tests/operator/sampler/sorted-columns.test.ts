import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SortedColumns } from '../../../operator/src/sampler/tpe/sorted-columns.ts';
import { trialRng } from '../../../operator/src/sampler/rng.ts';

/** The reference: subset positions sorted by value, ties by trial number, with a comparison sort. */
function referenceOrder(numbers: Float64Array, values: Float64Array): number[] {
  return [...numbers.keys()].sort((a, b) => values[a] - values[b] || numbers[a] - numbers[b]);
}

/** A subset of trials 0..n−1 (ascending numbers) with each trial's current value. */
function subset(n: number, keep: (trial: number) => boolean, currentValue: (trial: number) => number) {
  const numbers = Float64Array.from({ length: n }, (_, i) => i).filter(keep);
  return { numbers, values: numbers.map(currentValue) };
}

test('sorted columns › a growing study: every ask reads the same order a fresh sort gives', () => {
  const sorted = new SortedColumns();
  const rng = trialRng(3, 0);
  // Repeated values (a discrete parameter) test the ties.
  const value: number[] = [];
  for (let n = 1; n <= 400; n++) {
    value.push(rng.next() < 0.3 ? Math.floor(rng.next() * 5) : rng.next() * 5);
    const good = new Set(Array.from({ length: Math.ceil(0.1 * n) }, () => Math.floor(rng.next() * n)));
    const bad = subset(
      n,
      (i) => !good.has(i),
      (i) => value[i],
    );
    const order = sorted.orderOf('space', 0, bad.numbers, bad.values);
    assert.deepEqual([...(order ?? [])], referenceOrder(bad.numbers, bad.values), `ask ${n}`);
  }
});

test('sorted columns › a resumed study, changed values and other subsets stay exact', () => {
  const sorted = new SortedColumns();
  const rng = trialRng(4, 0);
  const value = Array.from({ length: 300 }, () => rng.next());
  const check = (label: string, keep: (i: number) => boolean) => {
    const { numbers, values } = subset(300, keep, (i) => value[i]);
    assert.deepEqual([...(sorted.orderOf('space', 2, numbers, values) ?? [])], referenceOrder(numbers, values), label);
  };
  check('bulk start', () => true);
  value[17] = 0.5;
  value[200] = value[3];
  check('two values changed', () => true);
  value[17] = value[18];
  check('changed back and again', (i) => i % 3 !== 0);
  for (let round = 0; round < 20; round++) {
    const changed = Math.floor(rng.next() * 300);
    value[changed] = rng.next();
    check(`round ${round}`, () => rng.next() < 0.7);
  }
  // Another space starts afresh; numbers that cannot index an array are left to the caller.
  const other = Float64Array.from([0.3, 0.1, 0.2]);
  assert.deepEqual([...(sorted.orderOf('other', 2, Float64Array.from([0, 1, 2]), other) ?? [])], [1, 2, 0]);
  assert.equal(sorted.orderOf('other', 2, Float64Array.from([0, 1.5]), Float64Array.from([1, 2])), undefined);
  assert.equal(sorted.orderOf('other', 2, Float64Array.from([-1, 2]), Float64Array.from([1, 2])), undefined);
  assert.equal(sorted.orderOf('other', 2, Float64Array.from([2, 2]), Float64Array.from([1, 2])), undefined);
});
