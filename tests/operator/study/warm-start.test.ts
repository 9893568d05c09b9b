import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ParameterInput, Params } from '../../../operator/src/api/parameters.ts';
import { SpecInvalidError } from '../../../operator/src/errors.ts';
import { Study } from '../../../operator/src/study/study.ts';

const parameters: ParameterInput[] = [
  { name: 'lr', type: 'float', min: 1e-5, max: 1e-2, log: true },
  { name: 'rank', type: 'categorical', values: [8, 16, 32] },
  { name: 'x', type: 'float', min: 0, max: 1 },
];
const loss = (p: Params) => (Math.log10(p.lr as number) + 3) ** 2 + ((p.x as number) - 0.8) ** 2;

test('warm start › enqueued parameter sets come first, in order and in space order; then the sampler', () => {
  const enqueue = [
    { x: 0.5, rank: 16, lr: 1e-3 },
    { lr: 1e-4, rank: 8, x: 0.1 },
  ];
  const study = new Study({ direction: 'minimize', parameters, sampler: { seed: 3 }, warmStart: { enqueue } });
  const first = study.ask();
  assert.deepEqual(first, { number: 0, params: { lr: 1e-3, rank: 16, x: 0.5 } });
  assert.deepEqual(Object.keys(first.params), ['lr', 'rank', 'x']);
  study.tell(0, 1);
  // Restart-safe: a study rebuilt from the records with the same configuration continues the queue.
  const config = { direction: 'minimize' as const, parameters, sampler: { seed: 3 }, warmStart: { enqueue } };
  assert.deepEqual(Study.fromTrials(config, study.trials).ask().params, { lr: 1e-4, rank: 8, x: 0.1 });
  assert.deepEqual(study.ask().params, { lr: 1e-4, rank: 8, x: 0.1 });
  const plain = new Study({ direction: 'minimize', parameters, sampler: { seed: 3 } });
  plain.ask();
  plain.ask();
  assert.deepEqual(study.ask().params, plain.ask().params, 'after the queue: the same stream as without one');
});

test('warm start › invalid sets and history are refused with every issue at its path', () => {
  assert.throws(
    () =>
      new Study({
        direction: 'minimize',
        parameters,
        warmStart: {
          enqueue: [{ lr: 1, rank: 16, x: 0.5, extra: 1 }],
          history: [{ params: { lr: 1e-3, rank: 12, x: 0.5 }, value: Number.NaN }],
        },
      }),
    (error: unknown) => {
      assert.ok(error instanceof SpecInvalidError);
      const paths = error.issues.map((issue) => issue.path).sort();
      assert.deepEqual(paths, [
        'warmStart.enqueue[0].extra',
        'warmStart.enqueue[0].lr',
        'warmStart.history[0].params.rank',
        'warmStart.history[0].value',
      ]);
      return true;
    },
  );
});

for (const algorithm of ['tpe', 'gp'] as const) {
  test(`warm start › ${algorithm}: earlier studies' trials are history from the first ask, not in trials`, () => {
    const history = Array.from({ length: 30 }, (_, i) => {
      const params = { lr: 10 ** (-5 + (3 * i) / 29), rank: [8, 16, 32][i % 3], x: ((i * 7) % 30) / 29 };
      return { params, value: loss(params) };
    });
    const config = { direction: 'minimize' as const, parameters, sampler: { algorithm, seed: 1 } };
    const warm = new Study({ ...config, warmStart: { history } });
    const cold = new Study(config);
    const warmFirst = warm.ask();
    assert.notDeepEqual(warmFirst.params, cold.ask().params, 'the start-up phase is over');
    assert.equal(warm.trials.length, 1);
    assert.equal(warm.bestTrial, undefined);
    // The history is good evidence: the first suggestions are near the optimum (lr 1e-3, x 0.8).
    let best = Infinity;
    warm.tell(warmFirst.number, loss(warmFirst.params));
    best = Math.min(best, loss(warmFirst.params));
    for (let i = 0; i < 4; i++) {
      const { number, params } = warm.ask();
      warm.tell(number, loss(params));
      best = Math.min(best, loss(params));
    }
    assert.ok(best < 0.1, `${best}`);
  });
}
