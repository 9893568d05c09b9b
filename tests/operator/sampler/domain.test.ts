import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fromInternal,
  toDomain,
  toInternal,
  valueInterval,
  type NumericDomain,
} from '../../../operator/src/sampler/domain.ts';
import type { Parameter } from '../../../operator/src/api/parameters.ts';

const numeric = (param: Parameter) => toDomain(param) as NumericDomain;

test('domain › internal bounds: log scale, and half a step of widening for discrete parameters', () => {
  const cases: [Parameter, number, number][] = [
    [{ name: 'x', type: 'float', min: 0.1, max: 0.5, log: false }, 0.1, 0.5],
    [{ name: 'lr', type: 'float', min: 1e-5, max: 1e-3, log: true }, Math.log(1e-5), Math.log(1e-3)],
    [{ name: 'd', type: 'float', min: 0, max: 0.1, step: 0.02, log: false }, -0.01, 0.11],
    [{ name: 'r', type: 'int', min: 8, max: 64, step: 8, log: false }, 4, 68],
    [{ name: 'l', type: 'int', min: 1, max: 32, step: 1, log: true }, Math.log(0.5), Math.log(32.5)],
  ];
  for (const [param, low, high] of cases) {
    const domain = numeric(param);
    assert.ok(Math.abs(domain.low - low) < 1e-12 && Math.abs(domain.high - high) < 1e-12, param.name);
  }
});

test('domain › values round-trip, and internal points snap to the nearest allowed value inside the bounds', () => {
  const d = numeric({ name: 'd', type: 'float', min: 0, max: 0.1, step: 0.02, log: false });
  assert.equal(fromInternal(d, 0.061), 0.06);
  assert.equal(fromInternal(d, 0.109), 0.1);
  assert.equal(fromInternal(d, -0.009), 0);
  assert.equal(fromInternal(d, 0.0299999), 0.02);
  const l = numeric({ name: 'l', type: 'int', min: 1, max: 32, step: 1, log: true });
  assert.equal(fromInternal(l, Math.log(7.4)), 7);
  assert.equal(fromInternal(l, toInternal(l, 19)), 19);
  const lr = numeric({ name: 'lr', type: 'float', min: 1e-5, max: 1e-3, log: true });
  assert.ok(Math.abs(fromInternal(lr, toInternal(lr, 3e-4)) - 3e-4) < 1e-18);
});

test('domain › values outside the space map to NaN; categories map to their index', () => {
  const r = numeric({ name: 'r', type: 'int', min: 8, max: 64, step: 8, log: false });
  assert.ok(Number.isNaN(toInternal(r, 72)));
  assert.ok(Number.isNaN(toInternal(r, 'x')));
  assert.ok(Number.isNaN(toInternal(r, undefined)));
  const s = toDomain({ name: 's', type: 'categorical', values: ['a', 1, true] });
  assert.deepEqual([toInternal(s, 1), toInternal(s, true), toInternal(s, 'b')], [1, 2, Number.NaN]);
});

test('domain › each allowed value owns [v − step/2, v + step/2] (log scale for log ints)', () => {
  const out = new Float64Array(2);
  valueInterval(numeric({ name: 'r', type: 'int', min: 8, max: 64, step: 8, log: false }), 16, out, 0);
  assert.deepEqual([...out], [12, 20]);
  valueInterval(numeric({ name: 'l', type: 'int', min: 1, max: 32, step: 1, log: true }), Math.log(4), out, 0);
  assert.deepEqual([...out], [Math.log(3.5), Math.log(4.5)]);
});
