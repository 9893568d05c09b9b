import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Parameter } from '../../../operator/src/api/parameters.ts';
import { pearsonDivergence, pedAnovaImportance } from '../../../operator/src/report/ped-anova.ts';

const kind: Parameter = { name: 'kind', type: 'categorical', values: ['a', 'b'] };
const noise: Parameter = { name: 'noise', type: 'categorical', values: ['p', 'q'] };

test('PED-ANOVA › Pearson divergence of (1, 0) from (½, ½) is 1, of a distribution from itself 0', () => {
  assert.equal(pearsonDivergence([1, 0], [0.5, 0.5]), 1);
  assert.equal(pearsonDivergence([0.75, 0.25], [0.5, 0.5]), 0.25);
  assert.equal(pearsonDivergence([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]), 0);
});

test('PED-ANOVA › a categorical parameter whose best trials all share one value: divergence exactly 1', () => {
  // 20 trials, kind alternates; kind a is better by 10, so the top 10 % (2 trials) are both a.
  const trials = Array.from({ length: 20 }, (_, i) => ({
    params: { kind: i % 2 ? 'b' : 'a', noise: i % 4 < 2 ? 'p' : 'q' },
    value: (i % 2) * 10 + i / 100,
  }));
  const [first, second] = pedAnovaImportance([kind, noise], trials, 'minimize');
  assert.deepEqual(first, { name: 'kind', divergence: 1, importance: 1 });
  // The two best (trials 0 and 2) have noise p and q: the same split as all trials.
  assert.deepEqual(second, { name: 'noise', divergence: 0, importance: 0 });
});

test('PED-ANOVA › top three of four a, region all: divergence 0.25; maximize reverses the order', () => {
  const values = ['a', 'a', 'a', 'b', 'b', 'b', 'b', 'a'];
  // Best to worst for maximize: trial 0 (a), 1 (a), 2 (a), 3 (b); top quantile 0.5 → 4 trials: 3 a, 1 b.
  const trials = values.map((v, i) => ({ params: { kind: v }, value: 100 - i }));
  const [result] = pedAnovaImportance([kind], trials, 'maximize', { targetQuantile: 0.5 });
  assert.equal(result.divergence, 0.25);
});

test('PED-ANOVA › the parameter that decides the objective ranks first; an irrelevant one scores near 0', () => {
  const x: Parameter = { name: 'x', type: 'float', min: 0, max: 1, log: false };
  const lr: Parameter = { name: 'lr', type: 'float', min: 1e-5, max: 1e-1, log: true };
  const trials = Array.from({ length: 200 }, (_, i) => {
    const u = ((i * 37) % 200) / 200; // evenly spread, not correlated with v
    const v = ((i * 71) % 200) / 200;
    return { params: { x: u, lr: 10 ** (-5 + 4 * v) }, value: (v - 0.3) ** 2 };
  });
  const result = pedAnovaImportance([x, lr], trials, 'minimize');
  assert.equal(result[0].name, 'lr');
  assert.ok(result[0].importance > 0.9, `lr importance ${result[0].importance}`);
  assert.ok(result[1].importance < 0.1, `x importance ${result[1].importance}`);
});

test('PED-ANOVA › too few trials with a value give no importance', () => {
  assert.deepEqual(
    pedAnovaImportance(
      [kind],
      [
        { params: { kind: 'a' }, value: 1 },
        { params: { kind: 'b' }, value: Number.NaN },
      ],
      'minimize',
    ),
    [],
  );
});
