/**
 * deploy/argocd/health.lua under a real Lua 5.1, on LoraStudy objects the operator wrote on the
 * test ground (tests/fixtures/gitops, recorded by tests/integration/gitops-ssa.test.ts with
 * LORAHPO_RECORD_GITOPS=tests/fixtures/gitops; that test also checks the live objects).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { argoHealth } from './argocd-health.ts';

type Study = {
  metadata: { generation?: number };
  status?: { message?: string; conditions: { type: string; message: string }[] };
};
const recorded = (name: string): Study =>
  JSON.parse(readFileSync(new URL(`../fixtures/gitops/${name}.json`, import.meta.url), 'utf8'));
const conditionMessage = (study: Study, type: string) => study.status?.conditions.find((c) => c.type === type)?.message;

test('argocd health › a running study is Progressing with its summary and progress', () => {
  const running = recorded('running');
  const health = argoHealth(running);
  assert.equal(health.status, 'Progressing');
  assert.match(health.message, /trials finished.*\(\d+\/2\)$/);
});

test('argocd health › a succeeded study is Healthy with the Ready message', () => {
  const succeeded = recorded('succeeded');
  assert.deepEqual(argoHealth(succeeded), { status: 'Healthy', message: conditionMessage(succeeded, 'Ready') });
});

test('argocd health › a failed study is Degraded with the Stalled message', () => {
  const failed = recorded('failed');
  assert.deepEqual(argoHealth(failed), { status: 'Degraded', message: conditionMessage(failed, 'Stalled') });
  assert.match(argoHealth(failed).message, /TooManyFailures/);
});

test('argocd health › an invalid spec is Degraded with the field path', () => {
  const invalid = recorded('invalid');
  assert.deepEqual(argoHealth(invalid), { status: 'Degraded', message: conditionMessage(invalid, 'Valid') });
});

test('argocd health › no status yet, or a generation the operator has not seen, is Progressing', () => {
  const { status: _status, ...fresh } = recorded('running');
  assert.deepEqual(argoHealth(fresh), { status: 'Progressing', message: 'Waiting for the lorahpo operator' });
  const succeeded = recorded('succeeded');
  const edited = {
    ...succeeded,
    metadata: { ...succeeded.metadata, generation: (succeeded.metadata.generation ?? 1) + 1 },
  };
  assert.deepEqual(argoHealth(edited), {
    status: 'Progressing',
    message: `The operator has not seen generation ${edited.metadata.generation} yet`,
  });
});

test('argocd health › a status from before the Ready condition still reads by phase', () => {
  const succeeded = recorded('succeeded');
  const old = {
    ...succeeded,
    status: {
      ...succeeded.status,
      conditions: succeeded.status?.conditions.filter((c) => !['Ready', 'Stalled', 'Reconciling'].includes(c.type)),
    },
  };
  assert.equal(argoHealth(old).status, 'Healthy');
  const failed = recorded('failed');
  const oldFailed = {
    ...failed,
    status: {
      ...failed.status,
      conditions: failed.status?.conditions.filter((c) => !['Ready', 'Stalled', 'Reconciling'].includes(c.type)),
    },
  };
  assert.deepEqual(argoHealth(oldFailed), { status: 'Degraded', message: failed.status?.message });
});

test('argocd health › the argocd-cm snippet carries health.lua verbatim under the LoraStudy key', () => {
  const snippet = load(readFileSync(new URL('../../deploy/argocd/argocd-cm.yaml', import.meta.url), 'utf8')) as {
    kind: string;
    metadata: { name: string };
    data: Record<string, string>;
  };
  assert.deepEqual(
    [snippet.kind, snippet.metadata.name, Object.keys(snippet.data)],
    ['ConfigMap', 'argocd-cm', ['resource.customizations.health.lorahpo.io_LoraStudy']],
  );
  assert.equal(
    snippet.data['resource.customizations.health.lorahpo.io_LoraStudy'],
    readFileSync(new URL('../../deploy/argocd/health.lua', import.meta.url), 'utf8'),
  );
});
