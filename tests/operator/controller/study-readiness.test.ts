/**
 * The reconciler's own status paths carry the kstatus conditions and observedGeneration too: an
 * invalid spec is Ready=False/Stalled=True at the generation judged, and another invalid edit
 * (same issues, new generation) moves observedGeneration on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StudyReconciler } from '../../../operator/src/controller/study-reconciler.ts';
import { TerminalError } from '../../../operator/src/controller/runtime/terminal-error.ts';
import { silentLogger } from '../../../operator/src/controller/logger.ts';
import { plan } from '../../../operator/src/engine/plan.ts';
import { FakeApi } from './fake-api.ts';
import { studyFixture } from './fixtures.ts';

const signal = new AbortController().signal;

test('study readiness › an invalid spec gets Ready=False and Stalled=True, and each new generation is observed', async () => {
  const bad = studyFixture();
  (bad.spec.parameters[0] as { min: number }).min = 1e-2;
  const api = new FakeApi();
  api.putStudy(bad);
  api.sync();
  const reconciler = new StudyReconciler({
    view: api.view,
    api,
    planner: plan,
    logger: silentLogger(),
    now: () => Date.parse('2026-01-01T00:00:00Z'),
  });
  await assert.rejects(reconciler.reconcile('team-a/qa', signal), TerminalError);
  const status = api.studies.get('team-a/qa')?.status;
  const byType = Object.fromEntries((status?.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]));
  assert.deepEqual(
    { Valid: byType.Valid, Ready: byType.Ready, Stalled: byType.Stalled },
    { Valid: 'False/SpecInvalid', Ready: 'False/SpecInvalid', Stalled: 'True/SpecInvalid' },
  );
  assert.equal(status?.observedGeneration, 1);

  const stored = api.studies.get('team-a/qa');
  api.studies.set('team-a/qa', { ...structuredClone(stored!), metadata: { ...stored!.metadata, generation: 2 } });
  api.sync();
  await assert.rejects(reconciler.reconcile('team-a/qa', signal), TerminalError);
  assert.equal(api.studies.get('team-a/qa')?.status?.observedGeneration, 2);
});

test('study readiness › a valid study that runs is Ready=False and Reconciling=True at its generation', async () => {
  const api = new FakeApi();
  api.putStudy(studyFixture());
  api.sync();
  const reconciler = new StudyReconciler({
    view: api.view,
    api,
    planner: plan,
    logger: silentLogger(),
    now: () => Date.parse('2026-01-01T00:00:00Z'),
  });
  await reconciler.reconcile('team-a/qa', signal);
  const status = api.studies.get('team-a/qa')?.status;
  const ready = status?.conditions.find((c) => c.type === 'Ready');
  assert.deepEqual([ready?.status, ready?.reason, ready?.observedGeneration], ['False', 'TrialsRunning', 1]);
  assert.equal(status?.conditions.find((c) => c.type === 'Reconciling')?.status, 'True');
  assert.equal(status?.observedGeneration, 1);
});
