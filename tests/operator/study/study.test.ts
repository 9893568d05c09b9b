import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Study, type StudyConfig } from '../../../operator/src/study/study.ts';
import { LorahpoError, SpecInvalidError } from '../../../operator/src/errors.ts';
import type { Params } from '../../../operator/src/api/parameters.ts';
import { checkStudySpec } from '../../../operator/src/api/validate-study.ts';
import { formatIssue } from '../../../trainer/src/contract/format-issue.ts';

const config: StudyConfig = {
  direction: 'minimize',
  parameters: [
    { name: 'learningRate', type: 'float', min: 1e-5, max: 1e-3, log: true },
    { name: 'maxGradNorm', type: 'float', min: 0.1, max: 0.5 },
    { name: 'loraR', type: 'categorical', values: [8, 16, 32, 64] },
    { name: 'warmup', type: 'int', min: 0, max: 100, step: 10 },
  ],
  sampler: { algorithm: 'tpe', seed: 11, startupTrials: 4, constantLiar: true },
};

const loss = (params: Params) => (Math.log10(params.learningRate as number) + 4) ** 2 + (params.maxGradNorm as number);

/** A deterministic mix of complete, pruned, failed and still-running trials. */
function drive(study: Study, count: number): void {
  for (let i = 0; i < count; i++) {
    const { number, params } = study.ask();
    study.report(number, 1, loss(params) + 1);
    if (number % 7 === 3) study.tell(number, { state: 'pruned' });
    else if (number % 11 === 5) study.tell(number, { state: 'failed' });
    else if (number % 13 === 12) continue;
    else study.tell(number, loss(params));
  }
}

test('study › ask, report and tell record trials with their states and values', () => {
  const study = new Study(config);
  const a = study.ask();
  const b = study.ask();
  assert.deepEqual([a.number, b.number], [0, 1]);
  study.report(a.number, 2, 0.8);
  study.report(a.number, 1, 0.9);
  study.tell(a.number, { state: 'pruned' });
  study.tell(b.number, 0.5);
  const c = study.ask();
  study.tell(c.number, { state: 'failed' });
  assert.deepEqual(
    study.trials.map((t) => t.state),
    ['pruned', 'complete', 'failed'],
  );
  assert.deepEqual(study.trials[0].intermediate, [
    { step: 1, value: 0.9 },
    { step: 2, value: 0.8 },
  ]);
  assert.equal(study.trials[0].value, 0.8, 'a pruned trial keeps its last value');
  assert.equal(study.bestTrial?.number, 1);
  assert.ok(Object.isFrozen(study.trials[0]));
});

test('study › bestTrial follows the direction and ignores NaN, pruned and failed trials', () => {
  const study = new Study({ ...config, direction: 'maximize' });
  const values = [1, Number.NaN, 3, 2];
  for (const value of values) study.tell(study.ask().number, value);
  const pruned = study.ask();
  study.report(pruned.number, 1, 100);
  study.tell(pruned.number, { state: 'pruned' });
  assert.equal(study.bestTrial?.value, 3);
  assert.equal(new Study(config).bestTrial, undefined);
});

test('study › misuse names the trial and the rule', () => {
  const study = new Study(config);
  const { number } = study.ask();
  assert.throws(
    () => study.tell(99, 1),
    (e) => e instanceof LorahpoError && e.code === 'LORAHPO_TRIAL_UNKNOWN' && /trial 99/.test(e.message),
  );
  study.report(number, 1, 0.5);
  assert.throws(
    () => study.report(number, 1, 0.4),
    (e) => e instanceof LorahpoError && e.code === 'LORAHPO_TRIAL_STATE',
  );
  study.tell(number, 1);
  assert.throws(() => study.tell(number, 2), /cannot tell trial 0: it is complete, not running/);
  assert.throws(() => study.report(number, 2, 1), /cannot report trial 0/);
  const next = study.ask();
  assert.throws(() => study.tell(next.number, { state: 'done' } as never), /must be a number/);
});

test('study › an invalid space or sampler throws SpecInvalidError naming each problem', () => {
  assert.throws(
    () => new Study({ ...config, parameters: [{ name: 'lr', type: 'float', min: 1, max: 0.1 }] }),
    (error) => {
      assert.ok(error instanceof SpecInvalidError);
      assert.equal(error.code, 'LORAHPO_SEARCH_SPACE_INVALID');
      assert.deepEqual(
        error.issues.map((i) => i.path),
        ['parameters[lr].max'],
      );
      return true;
    },
  );
  assert.throws(
    () => new Study({ ...config, sampler: { algorithm: 'tpe', candidates: 0 } }),
    (error) => error instanceof SpecInvalidError && error.issues[0].path === 'sampler.candidates',
  );
  assert.throws(
    () => new Study({ ...config, sampler: { algorithm: 'tpe', bogus: 1 } as never }),
    (error) => error instanceof SpecInvalidError && error.code === 'LORAHPO_SPEC_INVALID',
  );
});

test('study › configuration errors read like lorahpo validate’s, one line per issue', () => {
  const wording = (sampler: unknown, direction: unknown = 'minimize') => {
    try {
      new Study({ ...config, direction: direction as never, sampler: sampler as never });
    } catch (error) {
      assert.ok(error instanceof SpecInvalidError);
      return error.message;
    }
    assert.fail('expected a SpecInvalidError');
  };
  assert.equal(
    wording({ algorithm: 'tpe', candidates: 0 }),
    'study configuration is invalid:\n  sampler.candidates is 0 but must be >= 1',
  );
  assert.equal(
    wording({ algorithm: 'random', seed: -1 }),
    'study configuration is invalid:\n  sampler.seed is -1 but must be >= 0',
  );
  assert.equal(
    wording({ algorithm: 'random', startupTrials: 3 }),
    'study configuration is invalid:\n  sampler.startupTrials is set but applies only to algorithms tpe and auto, not random',
  );
  assert.match(
    wording({ algorithm: 'tpe', bogus: 1 }),
    /\n {2}sampler\.bogus is not a known field \(known here: algorithm, seed, /,
  );
  assert.equal(
    wording(undefined, 'up'),
    'study configuration is invalid:\n  direction is "up" but must be one of "minimize", "maximize"',
  );
});

test('study › the sampler rules are the LoraStudy’s: the same spec fails both with the same sentence', () => {
  const sampler = { algorithm: 'grid', seed: 1.5 } as const;
  const study = (() => {
    try {
      new Study({ ...config, sampler });
    } catch (error) {
      return (error as Error).message;
    }
  })();
  const manifest = checkStudySpec({ objective: { metric: 'loss' }, parameters: config.parameters, sampler }).issues;
  assert.deepEqual(
    manifest.map(formatIssue).filter((line) => line.startsWith('spec.sampler')),
    ['spec.sampler.seed is 1.5 but must be an integer'],
  );
  assert.equal(study, 'study configuration is invalid:\n  sampler.seed is 1.5 but must be an integer');
});

test('study › fromTrials resumes exactly: the next suggestions equal the live study’s', () => {
  for (const sampler of [
    config.sampler,
    { algorithm: 'tpe' as const, seed: 4, multivariate: false },
    { algorithm: 'random' as const, seed: 4 },
  ]) {
    const live = new Study({ ...config, sampler });
    drive(live, 40);
    const shuffled = [...live.trials].reverse();
    const resumed = Study.fromTrials({ ...config, sampler }, shuffled);
    assert.deepEqual(resumed.trials, live.trials);
    for (let i = 0; i < 3; i++) {
      const expected = live.ask();
      assert.deepEqual(resumed.ask(), expected);
      live.tell(expected.number, loss(expected.params));
      resumed.tell(expected.number, loss(expected.params));
    }
    assert.ok(
      resumed.trials.some((t) => t.state === 'running'),
      'running trials survive the restart',
    );
  }
});

test('study › fromTrials refuses duplicate numbers and unknown states', () => {
  const trial = { number: 0, params: {}, state: 'complete' as const, value: 1, intermediate: [] };
  assert.throws(
    () => Study.fromTrials(config, [trial, trial]),
    /trials\[1\]\.number is 0 but trial numbers must be unique/,
  );
  assert.throws(() => Study.fromTrials(config, [{ ...trial, state: 'done' as never }]), /trials\[0\]\.state/);
});

test('study › several asks before any tell give distinct parallel trials', () => {
  const study = new Study(config);
  drive(study, 20);
  const asked = Array.from({ length: 4 }, () => study.ask());
  assert.equal(new Set(asked.map((a) => a.number)).size, 4);
  assert.equal(new Set(asked.map((a) => JSON.stringify(a.params))).size, 4);
});

test('study › a grid study reports exhaustion and ask throws LORAHPO_GRID_EXHAUSTED', () => {
  const study = new Study({
    direction: 'minimize',
    sampler: { algorithm: 'grid', seed: 1 },
    parameters: [
      { name: 'r', type: 'categorical', values: [8, 16] },
      { name: 'w', type: 'int', min: 0, max: 2 },
    ],
  });
  const seen = new Set<string>();
  for (let i = 0; i < 6; i++) {
    assert.equal(study.isExhausted, false);
    const { number, params } = study.ask();
    seen.add(JSON.stringify(params));
    study.tell(number, i);
  }
  assert.equal(seen.size, 6);
  assert.equal(study.isExhausted, true);
  assert.throws(
    () => study.ask(),
    (e) => e instanceof LorahpoError && e.code === 'LORAHPO_GRID_EXHAUSTED',
  );
  assert.equal(study.trials.length, 6, 'a refused ask records nothing');
  assert.equal(new Study(config).isExhausted, false);
  assert.throws(
    () =>
      new Study({
        direction: 'minimize',
        sampler: { algorithm: 'grid' },
        parameters: [{ name: 'lr', type: 'float', min: 0.1, max: 1 }],
      }),
    (e) =>
      e instanceof SpecInvalidError &&
      e.code === 'LORAHPO_SEARCH_SPACE_INVALID' &&
      e.issues[0].path === 'parameters[lr].step',
  );
});
