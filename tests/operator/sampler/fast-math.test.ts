import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expNonPositive } from '../../../operator/src/sampler/tpe/fast-exp.ts';
import { TABLE_END, normalUpperTail } from '../../../operator/src/sampler/tpe/normal-tail.ts';
import { normalPdf, preciseIntegral } from './numeric.ts';

test('fast exp › within 2 ulp of Math.exp on (−48, 0], and Math.exp beyond', () => {
  for (let i = 0; i <= 200000; i++) {
    const x = -48 * (i / 200000) ** 2;
    const exact = Math.exp(x);
    assert.ok(Math.abs(expNonPositive(x) - exact) <= 4.5e-16 * exact, `e^${x}`);
  }
  assert.equal(expNonPositive(-60), Math.exp(-60));
  assert.equal(expNonPositive(-Infinity), 0);
  assert.equal(expNonPositive(0.5), Math.exp(0.5));
  assert.ok(Number.isNaN(expNonPositive(Number.NaN)));
});

test('normal tail table › Φ(−x) to 1e-15 absolute against integrating the pdf', () => {
  for (let x = 0; x < TABLE_END; x += 0.0371) {
    // The tail past x + 11 is below 1e-27.
    const expected = preciseIntegral(normalPdf, x, x + 11);
    assert.ok(Math.abs(normalUpperTail(x) - expected) < 1e-15, `Φ(−${x}): ${normalUpperTail(x)} vs ${expected}`);
  }
  assert.equal(normalUpperTail(0), 0.5);
});
