import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trialName, type LoraTrial, type TrialStatus } from '../../../operator/src/api/trial.ts';
import { plan, type StudyInput } from '../../../operator/src/engine/plan.ts';

const START = '2026-01-01T00:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(START) + minutes * 60_000);

function study(maxGpuHours: number | undefined, resources: object): StudyInput {
  return {
    metadata: { name: 'gpu', namespace: 'default', generation: 1 },
    spec: {
      objective: { metric: 'eval_loss', direction: 'minimize' },
      budget: { maxTrials: 10, parallelTrials: 2, ...(maxGpuHours === undefined ? {} : { maxGpuHours }) },
      parameters: [{ name: 'learningRate', type: 'float', min: 1e-5, max: 1e-3, log: true }],
      trialTemplate: { command: ['train'], resources },
    },
    status: { phase: 'Running', conditions: [], startTime: START },
  };
}

function trial(number: number, gpus: number | undefined, status: Partial<TrialStatus>): LoraTrial {
  return {
    apiVersion: 'lorahpo.io/v1alpha1',
    kind: 'LoraTrial',
    metadata: { name: trialName('gpu', number), namespace: 'default' },
    spec: { study: 'gpu', number, params: { learningRate: 1e-4 }, seed: number, ...(gpus ? { gpus } : {}) },
    status: { phase: 'Running', intermediateValues: [], ...status },
  };
}

const TWO_GPUS = { limits: { 'nvidia.com/gpu': 2 } };

test('gpu budget › a new trial keeps the GPUs its template asks for, of any vendor', () => {
  const result = plan(
    study(undefined, { limits: { 'nvidia.com/gpu': 2, 'amd.com/gpu': '1', memory: '8Gi' } }),
    [],
    at(0),
  );
  const starts = result.actions.filter((action) => action.type === 'start');
  assert.equal(starts.length, 2);
  assert.deepEqual(
    starts.map((start) => start.trial.spec.gpus),
    [3, 3],
  );
  const none = plan(study(undefined, { limits: { cpu: 2 } }), [], at(0));
  const first = none.actions.find((action) => action.type === 'start');
  assert.equal(first?.type === 'start' ? first.trial.spec.gpus : 'no start', undefined);
});

test('gpu budget › the total counts finished trials and running ones up to now, not queued ones', () => {
  const trials = [
    // 2 GPUs × 30 min = 1 GPU-hour, finished
    trial(0, 2, { phase: 'Succeeded', value: 1, startTime: at(0).toISOString(), completionTime: at(30).toISOString() }),
    // 2 GPUs running since minute 15: 0.5 GPU-hours at minute 30
    trial(1, 2, { startTime: at(15).toISOString() }),
    // queued (no startTime yet): nothing
    trial(2, 2, { phase: 'Pending' }),
  ];
  const result = plan(study(undefined, TWO_GPUS), trials, at(30));
  assert.equal(result.status.gpuHours, 1.5);
  assert.equal(result.status.completionReason, undefined);
});

test('gpu budget › once spent, nothing starts, running trials stop, the study ends GpuBudgetSpent', () => {
  const trials = [
    trial(0, 2, { phase: 'Succeeded', value: 1, startTime: at(0).toISOString(), completionTime: at(30).toISOString() }),
    trial(1, 2, { startTime: at(0).toISOString() }),
  ];
  const before = plan(study(2, TWO_GPUS), trials, at(29));
  assert.equal(before.status.completionReason, undefined, '1.97 GPU-hours of 2');
  assert.equal(before.requeueAfterMs, 60_000, 'called back when the running trial spends the rest');
  assert.ok(before.actions.some((action) => action.type === 'start'));
  const after = plan(study(2, TWO_GPUS), trials, at(30));
  assert.equal(after.status.gpuHours, 2);
  assert.equal(after.status.completionReason, 'GpuBudgetSpent');
  assert.equal(after.status.phase, 'Succeeded');
  assert.equal(after.actions.filter((action) => action.type === 'start').length, 0);
  const stops = after.actions.filter((action) => action.type === 'stop');
  assert.deepEqual(
    stops.map((stop) => stop.name),
    ['gpu-1'],
  );
  assert.ok(after.actions.some((action) => action.type === 'finish' && action.reason === 'GpuBudgetSpent'));
});

test('gpu budget › trials that ask for no GPU spend none: the budget never ends the study', () => {
  const trials = [trial(0, undefined, { startTime: at(0).toISOString() })];
  const result = plan(study(0.001, { limits: { cpu: 1 } }), trials, at(600));
  assert.equal(result.status.gpuHours, undefined);
  assert.equal(result.status.completionReason, undefined);
});

test('gpu budget › the total counts evicted attempts’ running time, and the budget spends it', () => {
  const record = (attempt: number, start: number, end: number) => ({
    attempt,
    jobName: attempt === 1 ? 'gpu-0' : `gpu-0-a${attempt}`,
    startTime: at(start).toISOString(),
    reason: 'Evicted',
    time: at(end).toISOString(),
  });
  // Attempt 1 ran minutes 0–30 (1 GPU-hour at 2 GPUs), attempt 2 waits in its queue.
  const waiting = trial(0, 2, { phase: 'Pending', attempt: 2, attempts: [record(1, 0, 30)] });
  assert.equal(plan(study(undefined, TWO_GPUS), [waiting], at(45)).status.gpuHours, 1);
  // Attempt 2 runs from minute 45: at minute 60 1.5, and a budget of 1.5 is spent.
  const rerun = trial(0, 2, { attempt: 2, attempts: [record(1, 0, 30)], startTime: at(45).toISOString() });
  const spent = plan(study(1.5, TWO_GPUS), [rerun], at(60));
  assert.equal(spent.status.gpuHours, 1.5);
  assert.equal(spent.status.completionReason, 'GpuBudgetSpent');
  // A trial whose every attempt was evicted keeps all of them.
  const exhausted = trial(0, 2, {
    phase: 'Failed',
    reason: 'AttemptsExhausted',
    attempt: 2,
    attempts: [record(1, 0, 30), record(2, 45, 60)],
    completionTime: at(60).toISOString(),
  });
  assert.equal(plan(study(undefined, TWO_GPUS), [exhausted], at(90)).status.gpuHours, 1.5);
});
