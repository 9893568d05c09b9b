import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSameJson } from '../../../operator/src/controller/same-json.ts';

test('same json › key order does not matter, a key holding undefined is a missing key', () => {
  assert.equal(isSameJson({ a: 1, b: { c: [1, 2], d: 'x' } }, { b: { d: 'x', c: [1, 2] }, a: 1 }), true);
  assert.equal(isSameJson({ a: 1, b: undefined }, { a: 1 }), true);
});

test('same json › values, array order, nesting and null differ', () => {
  assert.equal(isSameJson({ a: 1 }, { a: 2 }), false);
  assert.equal(isSameJson([1, 2], [2, 1]), false);
  assert.equal(isSameJson({ a: { b: 1 } }, { a: { b: 1, c: 0 } }), false);
  assert.equal(isSameJson({ a: null }, { a: undefined }), false);
  assert.equal(isSameJson([1], { 0: 1 }), false);
  assert.equal(isSameJson('1', 1), false);
});
