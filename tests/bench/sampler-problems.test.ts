import assert from 'node:assert/strict';
import test from 'node:test';
import { RandomSampler, parseSearchSpace } from '../../operator/src/index.ts';
import { withNoise } from '../../bench/sampler/problems/problem.ts';
import { SUITE } from '../../bench/sampler/problems/suite.ts';

test('sampler suite › at least 24 problems with unique names, in every family', () => {
  assert.ok(SUITE.length >= 24, `${SUITE.length} problems`);
  assert.equal(new Set(SUITE.map((p) => p.name)).size, SUITE.length);
  for (const family of ['continuous', 'mixed', 'llm-like']) {
    assert.ok(SUITE.filter((p) => p.family === family).length >= 5, family);
  }
});

for (const problem of SUITE) {
  test(`sampler suite › ${problem.name}: the stated optimum is in the space and takes the stated value`, () => {
    const space = parseSearchSpace(problem.space);
    const names = space.map((param) => param.name).sort();
    assert.deepEqual(Object.keys(problem.optimum.params).sort(), names);
    for (const param of space) {
      const value = problem.optimum.params[param.name];
      if (param.type === 'categorical') assert.ok(param.values.includes(value), `${param.name}=${value}`);
      else {
        assert.equal(typeof value, 'number');
        assert.ok((value as number) >= param.min && (value as number) <= param.max, `${param.name}=${value}`);
        if (param.type === 'int') assert.ok(Number.isInteger(value), `${param.name}=${value}`);
      }
    }
    const atOptimum = problem.f(problem.optimum.params);
    assert.ok(Math.abs(atOptimum - problem.optimum.value) <= 1e-9 * Math.max(1, Math.abs(atOptimum)), `${atOptimum}`);
  });

  test(`sampler suite › ${problem.name}: no random point beats the optimum; noise is seeded`, () => {
    const space = parseSearchSpace(problem.space);
    const sampler = new RandomSampler(7);
    for (let number = 0; number < 2000; number++) {
      const params = sampler.sample({ space, direction: 'minimize', trials: [], number });
      const value = problem.f(params);
      assert.ok(Number.isFinite(value), `${JSON.stringify(params)} → ${value}`);
      assert.ok(value >= problem.optimum.value - 1e-9, `${JSON.stringify(params)} → ${value}`);
    }
    const high = withNoise(problem, 'high');
    assert.ok(high.scale > 0);
    const once = high.evaluate(problem.optimum.params, 3, 5);
    assert.deepEqual(high.evaluate(problem.optimum.params, 3, 5), once);
    assert.notEqual(once.observed, once.truth);
    assert.equal(once.truth, problem.f(problem.optimum.params));
    assert.equal(withNoise(problem, 'none').evaluate(problem.optimum.params, 3, 5).observed, once.truth);
  });
}
