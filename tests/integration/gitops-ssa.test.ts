/**
 * GitOps against the real API server: a study applied with `kubectl apply --server-side`, its
 * status written by the operator, then a spec edit applied the same way. The edit must never
 * conflict, managedFields must give the operator the status alone, and the statuses the operator
 * wrote (running, succeeded, failed, invalid spec) must read as Argo CD health through
 * deploy/argocd/health.lua run by a real Lua 5.1.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ControlPlane } from '../harness/control-plane.ts';
import type { WorkloadContext } from '../harness/simulated-node/workload.ts';
import type { LoraStudy } from '../../operator/src/api/study.ts';
import {
  createNamespace,
  eventually,
  readStudy,
  startCluster,
  startOperator,
  studyFinished,
  studyManifest,
  type RunningOperator,
} from './support/cluster.ts';
import { objectiveWorkload } from './support/objective.ts';
import { argoHealth } from '../deploy/argocd-health.ts';
import { ClientNodeKubeApi } from '../../operator/src/controller/kube-api.ts';
import { statusCode } from '../../operator/src/controller/kube-errors.ts';

interface ManagedFieldsEntry {
  manager: string;
  operation: string;
  fieldsV1?: Record<string, unknown>;
}

const slow = objectiveWorkload({ stepMs: 300 });
const failing = objectiveWorkload({ stepMs: 10, failWith: () => ({ exitCode: 1 }) });
const NAMESPACE = 'gitops';
const KUSTOMIZE_BASE = fileURLToPath(new URL('../../deploy/kustomize/base', import.meta.url));
/** Set LORAHPO_RECORD_GITOPS=dir to keep the objects this test sees (tests/fixtures/gitops holds a recording). */
const recordDir = process.env.LORAHPO_RECORD_GITOPS;

let cp: ControlPlane;
let operator: RunningOperator | undefined;

before(async () => {
  cp = await startCluster((context: WorkloadContext) =>
    (context.env.LORAHPO_TRIAL ?? '').startsWith('failing-') ? failing(context) : slow(context),
  );
  await createNamespace(cp, NAMESPACE);
  operator = startOperator(cp, NAMESPACE);
});

after(async () => {
  await operator?.stop();
  await cp?.stop();
});

async function applyServerSide(manifest: unknown): Promise<void> {
  const applied = await cp.kubectl(['apply', '--server-side', '-f', '-'], {
    input: JSON.stringify(manifest),
    direct: true,
  });
  assert.equal(applied.code, 0, `kubectl apply --server-side failed: ${applied.stderr}`);
  assert.doesNotMatch(applied.stderr, /conflict/i);
}

async function readWithManagedFields(
  name: string,
): Promise<LoraStudy & { metadata: { managedFields?: ManagedFieldsEntry[] } }> {
  const got = await cp.kubectl(['get', 'lorastudy', name, '-n', NAMESPACE, '-o', 'json'], { direct: true });
  assert.equal(got.code, 0, got.stderr);
  return JSON.parse(got.stdout);
}

function record(name: string, object: unknown): void {
  if (!recordDir) return;
  mkdirSync(recordDir, { recursive: true });
  writeFileSync(`${recordDir}/${name}.json`, `${JSON.stringify(object, null, 2)}\n`);
}

const ready = (study: LoraStudy) => study.status?.conditions?.find((c) => c.type === 'Ready');

test('gitops › a server-side apply of a spec edit never conflicts with the operator, which owns status only', async () => {
  const manifest = studyManifest('gitops', NAMESPACE, { budget: { maxTrials: 2, parallelTrials: 1 } });
  await applyServerSide(manifest);
  const running = await eventually('the operator to write a Running status', async () => {
    const study = await readStudy(cp, NAMESPACE, 'gitops');
    return study.status?.phase === 'Running' ? study : undefined;
  });
  assert.equal(ready(running)?.status, 'False');

  // Fields the operator's old whole-object status PUTs took from the spec's defaults.
  const edited = {
    ...manifest,
    spec: {
      ...manifest.spec,
      pruner: { algorithm: 'median' },
      training: { epochs: 2, maxSeqLength: 256, warmupRatio: 0.1 },
    },
  };
  await applyServerSide(edited);
  const observed = await eventually('the operator to observe generation 2', async () => {
    const study = await readWithManagedFields('gitops');
    return study.status?.observedGeneration === 2 && study.status.phase === 'Running' ? study : undefined;
  });
  assert.equal(observed.metadata.generation, 2);
  assert.equal(observed.spec.training?.epochs, 2);
  record('running', observed);
  const managed = observed.metadata.managedFields ?? [];
  record('managed-fields-after-edit', managed);

  const operatorEntries = managed.filter((entry) => entry.manager === 'lorahpo-operator');
  assert.deepEqual(
    operatorEntries.map((entry) => [entry.operation, Object.keys(entry.fieldsV1 ?? {})]),
    [['Apply', ['f:status']]],
  );
  const others = managed.filter((entry) => entry.manager !== 'lorahpo-operator');
  assert.ok(
    others.every((entry) => !('f:status' in (entry.fieldsV1 ?? {}))),
    'nobody else owns status',
  );
  const user = others.find((entry) => 'f:spec' in (entry.fieldsV1 ?? {}));
  assert.equal(user?.operation, 'Apply');
  const training = ((user?.fieldsV1?.['f:spec'] as Record<string, unknown> | undefined)?.['f:training'] ??
    {}) as Record<string, unknown>;
  assert.deepEqual(
    Object.keys(training).sort(),
    ['f:epochs', 'f:maxSeqLength', 'f:warmupRatio'],
    'the user owns the fields they added',
  );
  assert.ok(
    !managed.some((entry) => entry.manager === 'kubernetes-client-javascript'),
    'every operator write names its field manager',
  );

  assert.equal(argoHealth(observed).status, 'Progressing');
  const done = await studyFinished(cp, NAMESPACE, 'gitops');
  assert.equal(done.status?.phase, 'Succeeded');
  assert.deepEqual([ready(done)?.status, ready(done)?.reason], ['True', 'MaxTrials']);
  assert.equal(done.status?.observedGeneration, 2);
  record('succeeded', done);
  assert.deepEqual(argoHealth(done), { status: 'Healthy', message: ready(done)?.message });

  // The resourceVersion in an apply body is a precondition: a write from a stale read is refused.
  const api = new ClientNodeKubeApi(cp.directKubeConfig);
  await assert.rejects(api.replaceStudyStatus(observed), (error: unknown) => statusCode(error) === 409);
  assert.equal((await readStudy(cp, NAMESPACE, 'gitops')).status?.phase, 'Succeeded');

  // A second edit of a finished study still applies cleanly: the operator never took the spec.
  await applyServerSide({
    ...edited,
    spec: { ...edited.spec, training: { epochs: 3, maxSeqLength: 128, warmupRatio: 0.1 } },
  });
});

test('gitops › the operator names itself on the trials, Jobs and Events it creates', async () => {
  for (const resource of ['loratrials', 'jobs', 'events']) {
    const got = await cp.kubectl(['get', resource, '-n', NAMESPACE, '-o', 'json'], { direct: true });
    const items = (JSON.parse(got.stdout) as { items: { metadata: { managedFields?: ManagedFieldsEntry[] } }[] }).items;
    assert.ok(items.length > 0, `some ${resource}`);
    const managers = new Set(
      items.flatMap((item) => (item.metadata.managedFields ?? []).map((entry) => entry.manager)),
    );
    assert.ok(managers.has('lorahpo-operator'), `${resource}: ${[...managers].join(', ')}`);
    assert.ok(!managers.has('kubernetes-client-javascript'), `${resource}: ${[...managers].join(', ')}`);
  }
  const got = await cp.kubectl(['get', 'loratrials', '-n', NAMESPACE, '-o', 'json'], { direct: true });
  const trial = (JSON.parse(got.stdout) as { items: { metadata: { managedFields: ManagedFieldsEntry[] } }[] }).items[0];
  const statusEntry = trial?.metadata.managedFields.find((entry) => entry.operation === 'Apply');
  assert.deepEqual(
    [statusEntry?.manager, Object.keys(statusEntry?.fieldsV1 ?? {})],
    ['lorahpo-operator', ['f:status']],
  );
});

test('gitops › Argo CD reads a failed study and an invalid spec as Degraded', async () => {
  await applyServerSide(
    studyManifest('failing', NAMESPACE, { budget: { maxTrials: 4, parallelTrials: 1, maxFailedTrials: 1 } }),
  );
  const failed = await studyFinished(cp, NAMESPACE, 'failing');
  assert.equal(failed.status?.phase, 'Failed');
  assert.deepEqual(
    failed.status?.conditions.filter((c) => c.type === 'Stalled').map((c) => [c.status, c.reason]),
    [['True', 'TooManyFailures']],
  );
  record('failed', failed);
  assert.equal(argoHealth(failed).status, 'Degraded');

  const invalid = studyManifest('invalid', NAMESPACE, {});
  invalid.spec.parameters = [{ name: 'learningRate', type: 'float', min: 1e-2, max: 1e-5, log: true }];
  await applyServerSide(invalid);
  const judged = await eventually('Valid=False on the invalid study', async () => {
    const study = await readStudy(cp, NAMESPACE, 'invalid');
    return study.status?.conditions?.some((c) => c.type === 'Valid' && c.status === 'False') ? study : undefined;
  });
  assert.equal(judged.status?.observedGeneration, 1);
  assert.deepEqual([ready(judged)?.status, ready(judged)?.reason], ['False', 'SpecInvalid']);
  record('invalid', judged);
  const health = argoHealth(judged);
  assert.equal(health.status, 'Degraded');
  assert.match(health.message, /spec\.parameters\[learningRate\]/);
});

test('gitops › the API server accepts the kustomize base (server-side dry run)', async () => {
  await createNamespace(cp, 'lorahpo-system');
  const applied = await cp.kubectl(['apply', '-k', KUSTOMIZE_BASE, '--dry-run=server'], { direct: true });
  assert.equal(applied.code, 0, applied.stderr);
  assert.match(applied.stdout, /deployment\.apps\/lorahpo-operator (created|configured) \(server dry run\)/);
  assert.match(
    applied.stdout,
    /clusterrole\.rbac\.authorization\.k8s\.io\/lorahpo-operator created \(server dry run\)/,
  );
});
