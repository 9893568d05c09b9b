import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StudySpecSchema } from '../../../operator/src/api/study.ts';
import { trialName, type LoraTrial, type TrialPhase } from '../../../operator/src/api/trial.ts';
import { buildStatus, EARLY_STOPPING_LISTED } from '../../../operator/src/engine/status.ts';

const spec = StudySpecSchema.parse({
  objective: { metric: 'eval_loss', direction: 'minimize' },
  pruner: { algorithm: 'asha' },
  budget: { maxTrials: 10_000, parallelTrials: 8 },
  parameters: [{ name: 'learningRate', type: 'float', min: 1e-5, max: 1e-3, log: true }],
  trialTemplate: { command: ['train'] },
});

/** Every third trial pruned by the pruner, every third stopped itself, the rest succeeded. */
function trials(count: number): LoraTrial[] {
  return Array.from({ length: count }, (_, number) => {
    const phase: TrialPhase = (['Pruned', 'EarlyStopped', 'Succeeded'] as const)[number % 3];
    const curve = [1, 2, 3].map((step) => ({ step: step * 10, value: 2 - number / count - step / 100 }));
    return {
      apiVersion: 'lorahpo.io/v1alpha1',
      kind: 'LoraTrial',
      metadata: { name: trialName('big', number), namespace: 'default' },
      spec: { study: 'big', number, params: { learningRate: 1e-4 }, seed: number },
      status: {
        phase,
        intermediateValues: curve,
        value: curve.at(-1)?.value,
        ...(phase === 'Pruned' ? { prunedAtStep: 30, reason: 'Pruned', message: 'below the rung' } : {}),
        ...(phase === 'EarlyStopped'
          ? { stoppedAtEpoch: 2, bestEpoch: 1, message: 'no improvement for 2 evaluations' }
          : {}),
      },
    } as LoraTrial;
  });
}

const statusOf = (count: number) =>
  buildStatus({ spec, trials: trials(count), nowIso: '2026-01-01T00:00:00Z', isLocal: true });

test('status › at 10,000 trials the study status stays as small as at 100: totals, and the most recent entries', () => {
  const small = Buffer.byteLength(JSON.stringify(statusOf(100)));
  const big = statusOf(10_000);
  const bytes = Buffer.byteLength(JSON.stringify(big));
  assert.ok(bytes < 16 * 1024, `${bytes} bytes`);
  assert.ok(bytes < small * 1.1, `${bytes} bytes at 10,000 trials against ${small} at 100`);
  const summary = big.earlyStopping;
  assert.equal(summary?.prunedTotal, big.trialCounts?.pruned);
  assert.equal(summary?.stoppedTotal, big.trialCounts?.earlyStopped);
  assert.equal(summary?.pruned.length, EARLY_STOPPING_LISTED);
  assert.equal(summary?.stopped.length, EARLY_STOPPING_LISTED);
  const lastPruned = Array.from({ length: 10_000 }, (_, n) => n)
    .filter((n) => n % 3 === 0)
    .slice(-EARLY_STOPPING_LISTED);
  assert.deepEqual(
    summary?.pruned.map((entry) => entry.number),
    lastPruned,
  );
  assert.equal(summary?.stopped.at(-1)?.number, 9997);
});

test('status › below the bound every pruned and stopped trial is listed, with its step and value', () => {
  const status = statusOf(12);
  assert.equal(status.earlyStopping?.prunedTotal, 4);
  assert.deepEqual(
    status.earlyStopping?.pruned.map((entry) => [entry.number, entry.step]),
    [0, 3, 6, 9].map((n) => [n, 30]),
  );
  assert.deepEqual(
    status.earlyStopping?.stopped.map((entry) => [entry.number, entry.epoch, entry.step]),
    [1, 4, 7, 10].map((n) => [n, 2, 30]),
  );
  assert.ok(status.earlyStopping?.stopped.every((entry) => typeof entry.value === 'number'));
});
