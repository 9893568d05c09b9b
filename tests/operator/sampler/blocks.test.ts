import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planBlocks } from '../../../operator/src/sampler/tpe/blocks.ts';
import { InternalCache, blockObservations, toObservations } from '../../../operator/src/sampler/tpe/observations.ts';
import { toDomain } from '../../../operator/src/sampler/domain.ts';
import { parseSearchSpace } from '../../../operator/src/api/search-space.ts';
import type { Params } from '../../../operator/src/api/parameters.ts';
import type { TrialRecord } from '../../../operator/src/trial-record.ts';

const space = parseSearchSpace(
  ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, type: 'float' as const, min: 0, max: 1 })),
);
const domains = space.map(toDomain);
const trial = (number: number, params: Params, state: TrialRecord['state'] = 'complete'): TrialRecord => ({
  number,
  params,
  state,
  value: number,
  intermediate: [],
});

// a, b always; c and d together in trials 1 and 2 only; e never (out of range in trial 3).
const trials = [
  trial(0, { a: 0.1, b: 0.2 }),
  trial(1, { a: 0.3, b: 0.4, c: 0.5, d: 0.6 }),
  trial(2, { a: 0.7, b: 0.8, c: 0.9, d: 0.1 }),
  trial(3, { a: 0.2, b: 0.3, e: 7 }),
  trial(4, { c: 0.5 }, 'running'),
];
const observations = toObservations(domains, trials, new InternalCache(), 'test');

test('blocks › univariate models every parameter alone', () => {
  assert.deepEqual(planBlocks(5, observations, 'univariate'), [[0], [1], [2], [3], [4]]);
});

test('blocks › multivariate: one joint block of the parameters in every finished trial, the rest alone', () => {
  assert.deepEqual(planBlocks(5, observations, 'multivariate'), [[0, 1], [2], [3], [4]]);
});

test('blocks › group: parameters that always appear together form a block', () => {
  assert.deepEqual(planBlocks(5, observations, 'group'), [[0, 1], [2, 3], [4]]);
});

test('observations › a block uses only the rows holding all its parameters, weighted among themselves', () => {
  const block = blockObservations(observations, [2, 3], 0, 4);
  assert.deepEqual(
    block.columns.map((column) => [...column]),
    [
      [0.5, 0.9],
      [0.6, 0.1],
    ],
  );
  assert.deepEqual([...block.weights], [1, 1]);
});
