/**
 * The chart's RBAC is docs/rbac.md's, rule by rule: the YAML block there is parsed and compared
 * with the ClusterRole (cluster-wide), each namespace's Role (namespaced) and the Lease Role, so a
 * verb changed on one side only fails here. And nothing broader: no wildcard, no Secrets, no
 * pods/exec, no privilege-escalation verbs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as yaml from 'js-yaml';
import { NAMESPACE, helmBinaries, template, type KubeObject } from './helm.ts';

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };
type RbacRole = KubeObject & { rules: Rule[] };

/** The ClusterRole and the Lease Role of docs/rbac.md's "As YAML" block. */
function documentedRoles(): { operator: Rule[]; leaderElection: Rule[] } {
  const text = readFileSync(new URL('../../docs/rbac.md', import.meta.url), 'utf8');
  const block = /## As YAML\s+```yaml\n([\s\S]*?)```/.exec(text);
  assert.ok(block, 'docs/rbac.md has a "## As YAML" section with a ```yaml block');
  const roles = yaml.loadAll(block[1]) as RbacRole[];
  const clusterRole = roles.find((role) => role.kind === 'ClusterRole');
  const leaseRole = roles.find((role) => role.kind === 'Role');
  assert.ok(clusterRole && leaseRole, 'the block holds a ClusterRole and a Role');
  return { operator: clusterRole.rules, leaderElection: leaseRole.rules };
}

const roles = (objects: KubeObject[]) =>
  objects.filter((object) => object.kind === 'ClusterRole' || object.kind === 'Role') as RbacRole[];
const isLeaseRole = (role: RbacRole) => role.metadata.name.endsWith('-leader-election');

const documented = documentedRoles();
const binaries = helmBinaries();

test("rbac › cluster-wide: the ClusterRole holds exactly docs/rbac.md's rules, in its order", () => {
  for (const helm of binaries) {
    const [clusterRole, ...others] = roles(template(helm));
    assert.equal(others.length, 0);
    assert.equal(clusterRole.kind, 'ClusterRole');
    assert.deepEqual(
      clusterRole.rules,
      documented.operator,
      `helm ${helm.major}: ClusterRole rules differ from docs/rbac.md`,
    );
  }
});

test("rbac › namespaced: each watched namespace's Role holds exactly the same rules", () => {
  for (const helm of binaries) {
    const namespaced = roles(template(helm, { watchNamespaces: ['team-a', 'team-b'] }));
    assert.deepEqual(
      namespaced.map((role) => `${role.kind}/${role.metadata.namespace}`),
      ['Role/team-a', 'Role/team-b'],
    );
    for (const role of namespaced)
      assert.deepEqual(role.rules, documented.operator, `helm ${helm.major}: Role in ${role.metadata.namespace}`);
  }
});

test("rbac › leader election: the Lease Role in the release namespace holds exactly docs/rbac.md's Role rules", () => {
  for (const helm of binaries) {
    for (const values of [{ replicaCount: 2 }, { replicaCount: 2, watchNamespaces: ['team-a'] }]) {
      const leaseRoles = roles(template(helm, values)).filter(isLeaseRole);
      assert.equal(leaseRoles.length, 1);
      assert.equal(leaseRoles[0].kind, 'Role');
      assert.equal(leaseRoles[0].metadata.namespace, NAMESPACE);
      assert.deepEqual(
        leaseRoles[0].rules,
        documented.leaderElection,
        `helm ${helm.major}: Lease Role rules differ from docs/rbac.md`,
      );
    }
  }
});

test('rbac › no wildcard, no Secrets, no pods/exec, no escalate/bind/impersonate in any mode', () => {
  const modes = [
    {},
    { watchNamespaces: ['team-a', 'team-b'] },
    { replicaCount: 2 },
    { replicaCount: 2, watchNamespaces: ['x'] },
  ];
  for (const helm of binaries) {
    for (const values of modes) {
      for (const role of roles(template(helm, values))) {
        for (const rule of role.rules) {
          const where = `helm ${helm.major} ${JSON.stringify(values)} ${role.kind}/${role.metadata.name} ${JSON.stringify(rule)}`;
          for (const list of [rule.apiGroups, rule.resources, rule.verbs])
            assert.ok(!list.some((item) => item.includes('*')), `${where}: wildcard`);
          for (const resource of ['secrets', 'pods/exec', 'pods/attach', 'serviceaccounts/token'])
            assert.ok(!rule.resources.includes(resource), `${where}: ${resource}`);
          for (const verb of ['escalate', 'bind', 'impersonate'])
            assert.ok(!rule.verbs.includes(verb), `${where}: ${verb}`);
        }
      }
    }
  }
});

test('rbac › rbac.create=false renders no Role, ClusterRole or binding', () => {
  for (const helm of binaries) {
    const objects = template(helm, { rbac: { create: false }, replicaCount: 2, watchNamespaces: ['team-a'] });
    assert.deepEqual(
      objects.filter((object) => /Role/.test(object.kind)),
      [],
    );
  }
});
