import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoraStudySchema } from '../../../operator/src/api/study.ts';
import type { LoraTrial, TrialStatus } from '../../../operator/src/api/trial.ts';
import { buildStudyView } from '../../../operator/src/report/study-view.ts';
import { percentileLine, rungSteps } from '../../../operator/src/report/pruner-reference.ts';

function study(spec: Record<string, unknown> = {}) {
  return LoraStudySchema.parse({
    apiVersion: 'lorahpo.io/v1alpha1',
    kind: 'LoraStudy',
    metadata: { name: 'qa' },
    spec: {
      objective: { metric: 'eval_loss', direction: 'minimize' },
      parameters: [
        { name: 'x', type: 'float', min: 0, max: 1 },
        { name: 'kind', type: 'categorical', values: ['a', 'b'] },
      ],
      pruner: { algorithm: 'median', startupTrials: 2 },
      budget: { maxTrials: 10 },
      trialTemplate: { resources: { limits: { 'nvidia.com/gpu': 2 } } },
      ...spec,
    },
  });
}

function trial(number: number, status: Partial<TrialStatus> & { curve?: number[] }): LoraTrial {
  const { curve = [], ...rest } = status;
  return {
    apiVersion: 'lorahpo.io/v1alpha1',
    kind: 'LoraTrial',
    metadata: { name: `qa-${number}` },
    spec: { study: 'qa', number, params: { x: number / 10, kind: number % 2 ? 'b' : 'a' }, seed: number },
    status: { phase: 'Succeeded', intermediateValues: curve.map((value, i) => ({ step: i + 1, value })), ...rest },
  };
}

const T = (minute: number) => `2026-01-01T00:${String(minute).padStart(2, '0')}:00Z`;
const trials = [
  trial(0, { curve: [5, 4, 3], value: 3, startTime: T(0), completionTime: T(30), adapterPath: '/out/qa-0' }),
  trial(1, { curve: [4, 3, 2], value: 2, startTime: T(0), completionTime: T(31) }),
  trial(2, { phase: 'Pruned', curve: [6, 5], value: 5, prunedAtStep: 2, startTime: T(31), completionTime: T(40) }),
  trial(3, { phase: 'Failed', startTime: T(32), completionTime: T(33), message: 'exit 3' }),
  trial(4, {
    phase: 'EarlyStopped',
    curve: [3, 2.5, 2.6],
    value: 2.6,
    stoppedAtEpoch: 3,
    bestEpoch: 2,
    startTime: T(41),
    completionTime: T(50),
  }),
  trial(5, { curve: [3, 1.5, 1], value: 1, startTime: T(51), completionTime: T(59), adapterPath: '/out/qa-5' }),
  trial(6, { phase: 'Running', curve: [4], startTime: T(58) }),
];

test('study view › history: values in trial order, best so far over complete trials only, failed trials listed', () => {
  const view = buildStudyView(study(), trials, { source: 'test', nowIso: T(59) });
  assert.deepEqual(
    view.history.points.map((p) => [p.number, p.value, p.state]),
    [
      [0, 3, 'Succeeded'],
      [1, 2, 'Succeeded'],
      [2, 5, 'Pruned'],
      [4, 2.6, 'EarlyStopped'],
      [5, 1, 'Succeeded'],
      [6, 4, 'Running'],
    ],
  );
  assert.deepEqual(view.history.bestSoFar, [
    [0, 3],
    [1, 2],
    [4, 2],
    [5, 1],
  ]);
  assert.deepEqual(view.history.failed, [3]);
  assert.equal(view.best?.number, 5);
  assert.equal(view.best?.adapterPath, '/out/qa-5');
  assert.equal(view.study.progress, '6/10');
  assert.deepEqual(view.counts, { Pending: 0, Running: 1, Succeeded: 3, Pruned: 1, EarlyStopped: 1, Failed: 1 });
});

test('study view › a pruned trial is marked at its step against the median of the trials complete before it ended', () => {
  const view = buildStudyView(study(), trials, { source: 'test', nowIso: T(59) });
  // Trial 2 ended at :40; trials 0 and 1 had completed, with 4 and 3 at step 2: median 3.5.
  assert.deepEqual(view.curves.pruned, [
    { number: 2, step: 2, value: 5, note: 'median of 2 complete trials at step 2', threshold: 3.5 },
  ]);
  assert.deepEqual(view.curves.earlyStopped, [
    { number: 4, step: 3, value: 2.6, note: 'early stopping at epoch 3 (best epoch 2)' },
  ]);
  // The line: the median over all complete trials (0, 1, 4 EarlyStopped, 5) at each step.
  assert.deepEqual(view.curves.reference, {
    label: 'median of complete trials',
    points: [
      [1, 3.5],
      [2, 2.75],
      [3, 2.3],
    ],
  });
});

test("study view › the trials table: duration, GPU-hours from the pod's GPU limit, the step reached", () => {
  const view = buildStudyView(study(), trials, { source: 'test', nowIso: T(59) });
  const row = (n: number) => view.trials.find((r) => r.number === n);
  assert.equal(row(0)?.durationS, 1800);
  assert.equal(row(0)?.gpuHours, 1);
  assert.equal(row(2)?.step, 2);
  assert.equal(row(6)?.durationS, 60, 'a running trial counts up to now');
  assert.equal(row(3)?.value, undefined);
  assert.equal(row(3)?.message, 'exit 3');
  const local = buildStudyView(study({ trialTemplate: {} }), trials, { source: 'test', nowIso: T(59) });
  assert.equal(local.trials[0].gpuHours, undefined, 'no GPU asked for: GPU-hours unknown');
  // Reruns: the status's gpuHours holds the evicted attempts (all of it once ended).
  const reruns = [
    trial(7, { phase: 'Running', curve: [4], attempt: 2, gpuHours: 0.5, startTime: T(58) }),
    trial(8, { curve: [4], value: 4, attempt: 2, gpuHours: 1.25, startTime: T(50), completionTime: T(55) }),
  ];
  const rerun = buildStudyView(study(), reruns, { source: 'test', nowIso: T(59) });
  assert.equal(rerun.trials[0].gpuHours, 0.5 + 2 / 60, 'the evicted attempt and 1 minute at 2 GPUs');
  assert.equal(rerun.trials[1].gpuHours, 1.25, 'not the last attempt alone (1/6)');
});

test('study view › importance and the contour come from the complete trials; maximize picks the highest best', () => {
  const view = buildStudyView(study(), trials, { source: 'test', nowIso: T(59) });
  assert.equal(view.importance.method, 'PED-ANOVA');
  assert.equal(view.importance.trialsUsed, 4);
  assert.deepEqual(view.importance.values.map((v) => v.name).sort(), ['kind', 'x']);
  assert.ok(view.contour);
  assert.deepEqual(view.contour.points.map((p) => p[3]).sort(), [0, 1, 4, 5]);
  const maximize = buildStudyView(study({ objective: { metric: 'accuracy', direction: 'maximize' } }), trials, {
    source: 't',
    nowIso: T(59),
  });
  assert.equal(maximize.best?.number, 0);
});

test('pruner reference › maximize cuts at 100 − p; asha rungs at minResource · eta^k; no line for hyperband', () => {
  const curves = [
    { number: 0, isComplete: true, points: [{ step: 1, value: 1 }] },
    { number: 1, isComplete: true, points: [{ step: 1, value: 3 }] },
  ];
  const pruner = { algorithm: 'percentile' as const, percentile: 25 };
  assert.deepEqual(percentileLine(pruner, 'minimize', curves), [{ step: 1, value: 1.5 }]);
  assert.deepEqual(percentileLine(pruner, 'maximize', curves), [{ step: 1, value: 2.5 }]);
  assert.deepEqual(rungSteps({ algorithm: 'asha', minResource: 2 }, 40), [2, 8, 32]);
  assert.deepEqual(rungSteps({ algorithm: 'hyperband', minResource: 1, reductionFactor: 3 }, 10), [1, 3, 9]);
  assert.deepEqual(percentileLine({ algorithm: 'hyperband' }, 'minimize', curves), []);
});

test('pruner reference › a percentile pruner without a percentile draws what it prunes at: the median', () => {
  const curves = [
    { number: 0, isComplete: true, points: [{ step: 1, value: 1 }] },
    { number: 1, isComplete: true, points: [{ step: 1, value: 3 }] },
  ];
  const median = percentileLine({ algorithm: 'median' }, 'minimize', curves);
  assert.deepEqual(median, [{ step: 1, value: 2 }]);
  assert.deepEqual(percentileLine({ algorithm: 'percentile' }, 'minimize', curves), median);
});
