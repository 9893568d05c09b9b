/**
 * deploy/kustomize/base: `kubectl kustomize` builds it, with kubectl 1.20 (the test ground's, whose
 * built-in kustomize is v2.0.3) and with the machine's own kubectl when there is one, and what it
 * builds is the operator as documented: the RBAC of docs/rbac.md, the generated CRDs, the image
 * of this version, and a pod that keeps the restricted profile.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';
import { ensureBinaries } from '../harness/binaries.ts';
import { CRD_DEFINITIONS, crdFileName, renderCrd } from '../../operator/src/api/crd-gen.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const BASE = `${root}deploy/kustomize/base`;

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [key: string]: unknown;
}
interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

function build(kubectl: string): Obj[] {
  return loadAll(execFileSync(kubectl, ['kustomize', BASE], { encoding: 'utf8' })) as Obj[];
}

function systemKubectl(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** `group/resource` → verbs, from each table row of a docs/rbac.md section. */
function documentedRules(section: string): Map<string, string[]> {
  const text = readFileSync(`${root}docs/rbac.md`, 'utf8');
  const body = text.split(/^## /m).find((part) => part.startsWith(section)) ?? '';
  const rules = new Map<string, string[]>();
  for (const match of body.matchAll(/^\| `([^`]*)`[^|]*\| `([^`]+)` \| ([^|]+) \|/gm)) {
    const group = match[1] === '""' ? '' : (match[1] as string);
    rules.set(
      `${group}/${match[2]}`,
      [...(match[3] as string).matchAll(/`(\w+)`/g)].map((verb) => verb[1] as string).sort(),
    );
  }
  return rules;
}

function grantedRules(rules: readonly Rule[]): Map<string, string[]> {
  const granted = new Map<string, string[]>();
  for (const rule of rules) {
    for (const group of rule.apiGroups)
      for (const resource of rule.resources) {
        const key = `${group}/${resource}`;
        granted.set(key, [...new Set([...(granted.get(key) ?? []), ...rule.verbs])].sort());
      }
  }
  return granted;
}

const find = (objects: Obj[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name);
const sortedMap = (map: Map<string, string[]>) => Object.fromEntries([...map].sort(([a], [b]) => a.localeCompare(b)));

test('kustomize › the base builds with kubectl 1.20 and the machine kubectl alike', async () => {
  const old = build((await ensureBinaries()).kubectl);
  const kinds = old.map((o) => `${o.kind}/${o.metadata.name}`).sort();
  assert.deepEqual(kinds, [
    'ClusterRole/lorahpo-operator',
    'ClusterRoleBinding/lorahpo-operator',
    'CustomResourceDefinition/lorastudies.lorahpo.io',
    'CustomResourceDefinition/loratrials.lorahpo.io',
    'Deployment/lorahpo-operator',
    'Namespace/lorahpo-system',
    'Role/lorahpo-operator-leader-election',
    'RoleBinding/lorahpo-operator-leader-election',
    'Service/lorahpo-operator-metrics',
    'ServiceAccount/lorahpo-operator',
  ]);
  for (const o of old)
    if (!['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind))
      assert.equal(o.metadata.namespace, 'lorahpo-system', `${o.kind}/${o.metadata.name}`);
  const machine = systemKubectl();
  if (machine) assert.deepEqual(build(machine), old, `${machine} builds the same objects`);
});

test('kustomize › RBAC is exactly the tables of docs/rbac.md', async () => {
  const objects = build((await ensureBinaries()).kubectl);
  const cluster = find(objects, 'ClusterRole', 'lorahpo-operator') as Obj & { rules: Rule[] };
  assert.deepEqual(sortedMap(grantedRules(cluster.rules)), sortedMap(documentedRules('ClusterRole')));
  const lease = find(objects, 'Role', 'lorahpo-operator-leader-election') as Obj & { rules: Rule[] };
  assert.deepEqual(sortedMap(grantedRules(lease.rules)), sortedMap(documentedRules('Role')));
  assert.equal(documentedRules('ClusterRole').get('lorahpo.io/lorastudies/status')?.join(), 'patch');
  for (const binding of ['ClusterRoleBinding', 'RoleBinding']) {
    const subjects = (
      find(
        objects,
        binding,
        binding === 'RoleBinding' ? 'lorahpo-operator-leader-election' : 'lorahpo-operator',
      ) as Obj & { subjects: unknown[] }
    ).subjects;
    assert.deepEqual(subjects, [{ kind: 'ServiceAccount', name: 'lorahpo-operator', namespace: 'lorahpo-system' }]);
  }
});

test('kustomize › the CRDs are the generated ones (npm run crds writes both copies)', async () => {
  const objects = build((await ensureBinaries()).kubectl);
  for (const definition of CRD_DEFINITIONS) {
    const copy = readFileSync(`${BASE}/crds/${crdFileName(definition)}`, 'utf8');
    assert.equal(
      copy,
      renderCrd(definition),
      `deploy/kustomize/base/crds/${crdFileName(definition)} is out of date: run npm run crds`,
    );
    assert.equal(copy, readFileSync(`${root}crds/${crdFileName(definition)}`, 'utf8'));
    const built = objects.find(
      (o) =>
        o.kind === 'CustomResourceDefinition' &&
        (o as unknown as { spec: { names: { kind: string } } }).spec.names.kind === definition.kind,
    );
    assert.deepEqual(built, loadAll(copy)[0]);
  }
});

test('kustomize › the operator pod runs this version restricted, with probes on /healthz and /readyz', async () => {
  const objects = build((await ensureBinaries()).kubectl);
  const deployment = find(objects, 'Deployment', 'lorahpo-operator') as Obj & {
    spec: { template: { metadata: { labels: unknown }; spec: Record<string, any> } };
  };
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const version = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string }).version;
  assert.equal(container.image, `lorahpo-operator:${version}`);
  assert.equal(pod.serviceAccountName, 'lorahpo-operator');
  assert.deepEqual(
    [pod.securityContext.runAsNonRoot, pod.securityContext.seccompProfile],
    [true, { type: 'RuntimeDefault' }],
  );
  assert.deepEqual(container.securityContext, {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  });
  assert.deepEqual(container.livenessProbe.httpGet, { path: '/healthz', port: 8080 });
  assert.deepEqual(container.readinessProbe.httpGet, { path: '/readyz', port: 8080 });
  assert.deepEqual(container.args, ['--leader-elect']);
  const service = find(objects, 'Service', 'lorahpo-operator-metrics') as Obj & {
    spec: { selector: unknown; ports: { port: number }[] };
  };
  assert.deepEqual(service.spec.selector, deployment.spec.template.metadata.labels);
  assert.equal(service.spec.ports[0]?.port, 8080);
});
