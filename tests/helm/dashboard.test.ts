/**
 * The chart's dashboard flag: off by default; on, a Deployment running `lorahpo dashboard` for the
 * named study, its Service, and a Role in the study's namespace with get/list/watch on
 * lorastudies and loratrials only. The args it renders are the ones the CLI parses.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dashboardCommandSpec } from '../../operator/src/cli/commands/dashboard.ts';
import { NAMESPACE, helmBinaries, kinds, lint, template, type KubeObject } from './helm.ts';

type Container = {
  command: string[];
  args: string[];
  ports: { name: string; containerPort: number }[];
  securityContext: unknown;
};
type Deployment = KubeObject & {
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: { spec: { serviceAccountName: string; containers: Container[] } };
  };
};
type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };

const ON = { dashboard: { enabled: true, study: 'cncf-qa', namespace: 'team-a' } };
const named = (objects: KubeObject[], kind: string, name: string) => {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  assert.ok(found, `${kind}/${name} rendered`);
  return found;
};

for (const helm of helmBinaries()) {
  describe(`helm ${helm.major} (${helm.version})`, () => {
    test('dashboard › off by default: nothing named -dashboard is rendered', () => {
      assert.ok(!kinds(template(helm)).some((entry) => entry.endsWith('-dashboard')));
    });

    test("dashboard › on: Deployment, Service, ServiceAccount, and a read-only Role in the study's namespace", () => {
      const objects = template(helm, ON);
      const dashboardKinds = kinds(objects).filter((entry) => entry.endsWith('-dashboard'));
      assert.deepEqual(dashboardKinds, [
        `Deployment/${NAMESPACE}/lorahpo-dashboard`,
        'Role/team-a/lorahpo-dashboard',
        'RoleBinding/team-a/lorahpo-dashboard',
        `Service/${NAMESPACE}/lorahpo-dashboard`,
        `ServiceAccount/${NAMESPACE}/lorahpo-dashboard`,
      ]);
      const role = named(objects, 'Role', 'lorahpo-dashboard') as KubeObject & { rules: Rule[] };
      assert.deepEqual(role.rules, [
        { apiGroups: ['lorahpo.io'], resources: ['lorastudies', 'loratrials'], verbs: ['get', 'list', 'watch'] },
      ]);
      const binding = named(objects, 'RoleBinding', 'lorahpo-dashboard') as KubeObject & { subjects: unknown[] };
      assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'lorahpo-dashboard', namespace: NAMESPACE }]);
      const deployment = named(objects, 'Deployment', 'lorahpo-dashboard') as Deployment;
      assert.equal(
        deployment.spec.selector.matchLabels['app.kubernetes.io/component'],
        'dashboard',
        "the operator's selector never matches it",
      );
      assert.equal(deployment.spec.template.spec.serviceAccountName, 'lorahpo-dashboard');
      const lintResult = lint(helm, ON);
      assert.equal(lintResult.status, 0, lintResult.stdout + lintResult.stderr);
    });

    test('dashboard › the container runs `lorahpo dashboard` with args the CLI parses as meant', () => {
      const deployment = named(template(helm, ON), 'Deployment', 'lorahpo-dashboard') as Deployment;
      const container = deployment.spec.template.spec.containers[0];
      assert.deepEqual(container.command, ['node', 'bin/lorahpo.js']);
      assert.equal(container.args[0], 'dashboard');
      const spec = dashboardCommandSpec().exitOverride();
      spec.parse(container.args.slice(1), { from: 'user' });
      assert.deepEqual(spec.args, ['cncf-qa']);
      assert.deepEqual(spec.opts(), { namespace: 'team-a', host: '0.0.0.0', port: '8080', refreshMs: '2000' });
      assert.deepEqual(container.ports, [{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    });

    test('dashboard › enabled without a study fails the template, saying which value', () => {
      assert.throws(() => template(helm, { dashboard: { enabled: true } }), /dashboard\.study: name the LoraStudy/);
    });
  });
}
