import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSearchSpace } from '../../../operator/src/api/search-space.ts';
import { defaultTpeOptions, checkSamplerSpec } from '../../../operator/src/api/sampler-spec.ts';
import { StudySpecSchema } from '../../../operator/src/api/study.ts';
import { samplerConfig } from '../../../operator/src/engine/plan.ts';
import { Study } from '../../../operator/src/index.ts';
import { AutoSampler, GP_HISTORY_LIMIT } from '../../../operator/src/sampler/auto.ts';
import { GpSampler } from '../../../operator/src/sampler/gp/gp-sampler.ts';
import { TpeSampler } from '../../../operator/src/sampler/tpe/tpe-sampler.ts';
import type { TrialRecord } from '../../../operator/src/trial-record.ts';

const space = parseSearchSpace([
  { name: 'x', type: 'float', min: -2, max: 2 },
  { name: 'r', type: 'categorical', values: [4, 8, 16] },
]);
const objective = (params: Record<string, unknown>) =>
  ((params.x as number) - 0.5) ** 2 + ((params.r as number) === 8 ? 0 : 0.3);

/** `count` complete trials sampled at random (any history will do). */
function history(count: number): TrialRecord[] {
  const study = new Study({ direction: 'minimize', parameters: space, sampler: { algorithm: 'random', seed: 3 } });
  for (let i = 0; i < count; i++) {
    const { number, params } = study.ask();
    study.tell(number, objective(params));
  }
  return [...study.trials];
}

const context = (trials: TrialRecord[], number: number) => ({ space, direction: 'minimize' as const, trials, number });

test('auto › the GP suggests below 30 complete trials, TPE (with the given options) from 30 on', () => {
  const options = { ...defaultTpeOptions(), multivariate: false, seed: 5 };
  const auto = new AutoSampler(options);
  const gp = new GpSampler({ seed: 5 });
  const tpe = new TpeSampler(options);
  const before = history(GP_HISTORY_LIMIT - 1);
  assert.deepEqual(auto.sample(context(before, before.length)), gp.sample(context(before, before.length)));
  assert.notDeepEqual(gp.sample(context(before, before.length)), tpe.sample(context(before, before.length)));
  const after = history(GP_HISTORY_LIMIT);
  assert.deepEqual(auto.sample(context(after, after.length)), tpe.sample(context(after, after.length)));
  assert.notDeepEqual(gp.sample(context(after, after.length)), tpe.sample(context(after, after.length)));
});

test('auto › running, pruned and failed trials do not count towards the switch', () => {
  const auto = new AutoSampler({ ...defaultTpeOptions(), seed: 0 });
  const gp = new GpSampler({ seed: 0 });
  const complete = history(GP_HISTORY_LIMIT - 1);
  const n = complete.length;
  const others: TrialRecord[] = [
    { number: n, params: complete[0].params, state: 'running', intermediate: [] },
    { number: n + 1, params: complete[1].params, state: 'pruned', value: 2, intermediate: [{ step: 1, value: 2 }] },
    { number: n + 2, params: complete[2].params, state: 'failed', intermediate: [] },
  ];
  const trials = [...complete, ...others];
  assert.deepEqual(auto.sample(context(trials, n + 3)), gp.sample(context(trials, n + 3)));
});

test('auto › takes the TPE options (they shape its TPE phase); gp still refuses them', () => {
  assert.deepEqual(checkSamplerSpec({ algorithm: 'auto', multivariate: false }, 'spec.sampler').issues, []);
  assert.deepEqual(
    checkSamplerSpec({ algorithm: 'gp', multivariate: false }, 'spec.sampler').issues.map(
      (i) => `${i.path} ${i.message}`,
    ),
    ['spec.sampler.multivariate is set but applies only to algorithms tpe and auto, not gp'],
  );
});

test('auto › Study.fromTrials makes the live study’s next suggestion, on either side of the switch', () => {
  const config = {
    direction: 'minimize' as const,
    parameters: space,
    sampler: { algorithm: 'auto' as const, seed: 2 },
  };
  const live = new Study(config);
  for (let i = 0; i < GP_HISTORY_LIMIT + 2; i++) {
    const { number, params } = live.ask();
    live.tell(number, objective(params));
    if (i === GP_HISTORY_LIMIT - 3 || i === GP_HISTORY_LIMIT) {
      const rebuilt = Study.fromTrials(config, live.trials);
      assert.deepEqual(rebuilt.ask().params, live.ask().params, `after ${i + 1} trials`);
      live.tell(live.trials.length - 1, objective(live.trials[live.trials.length - 1].params));
    }
  }
});

/** A parsed LoraStudy spec with this `spec.sampler` (none: the schema's default). */
const studySpec = (sampler?: Record<string, unknown>) =>
  StudySpecSchema.parse({
    objective: { metric: 'eval_loss', direction: 'minimize' },
    parameters: [{ name: 'x', type: 'float', min: -2, max: 2 }],
    ...(sampler === undefined ? {} : { sampler }),
    trialTemplate: { command: ['fixture'] },
  });

test('auto › is the default: a spec or Study without an algorithm samples as auto does', () => {
  assert.deepEqual(samplerConfig(studySpec()), { algorithm: 'auto', seed: 0 });
  const plain = new Study({ direction: 'minimize', parameters: space });
  const auto = new Study({ direction: 'minimize', parameters: space, sampler: { algorithm: 'auto', seed: 0 } });
  const tpe = new Study({ direction: 'minimize', parameters: space, sampler: { algorithm: 'tpe', seed: 0 } });
  const asked = (study: Study) =>
    Array.from({ length: 14 }, () => {
      const { number, params } = study.ask();
      study.tell(number, objective(params));
      return params;
    });
  const plainParams = asked(plain);
  assert.deepEqual(plainParams, asked(auto));
  assert.notDeepEqual(plainParams, asked(tpe));
});

test('auto › the operator’s sampler configuration keeps the TPE options of auto, drops them for random', () => {
  assert.deepEqual(samplerConfig(studySpec({ algorithm: 'auto', seed: 4, multivariate: false, candidates: 12 })), {
    algorithm: 'auto',
    seed: 4,
    multivariate: false,
    candidates: 12,
  });
  assert.deepEqual(samplerConfig(studySpec({ algorithm: 'random', seed: 4 })), { algorithm: 'random', seed: 4 });
});
