/**
 * helm/lorahpo rendered by the real Helm 3 and Helm 4 (`helm lint --strict`, `helm template`)
 * over the value combinations a platform team uses: cluster-wide, namespaced, two replicas with
 * leader election, ServiceMonitor, image digest and pull secrets, extra args and env, CRDs off.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as yaml from 'js-yaml';
import { CRD_DEFINITIONS, crdFileName } from '../../operator/src/api/crd-gen.ts';
import { operatorCommandSpec, type OperatorFlags } from '../../operator/src/cli/commands/operator.ts';
import { NAMESPACE, helmBinaries, kinds, lint, only, template, type KubeObject } from './helm.ts';

type Container = {
  image: string;
  imagePullPolicy: string;
  command?: string[];
  args?: string[];
  env: { name: string; value?: string; valueFrom?: unknown }[];
  securityContext: Record<string, unknown>;
  resources: unknown;
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  ports: { name: string; containerPort: number }[];
};
type PodSpec = { containers: Container[]; [key: string]: unknown };
type Deployment = KubeObject & {
  spec: {
    replicas: number;
    strategy: { type: string };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
};

const packageVersion = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
const DIGEST = `sha256:${'ab12'.repeat(16)}`;

const deployment = (objects: KubeObject[]) => only(objects, 'Deployment') as Deployment;
const operatorContainer = (objects: KubeObject[]) => deployment(objects).spec.template.spec.containers[0];
const args = (objects: KubeObject[]) => operatorContainer(objects).args ?? [];
const testPod = (objects: KubeObject[]) => only(objects, 'Pod') as KubeObject & { spec: PodSpec };

for (const helm of helmBinaries()) {
  describe(`helm ${helm.major} (${helm.version})`, () => {
    test('chart › is the pinned Helm binary', (t) => {
      t.diagnostic(helm.versionText);
      assert.match(helm.versionText, new RegExp(`Version:"${helm.version.replaceAll('.', '\\.')}"`));
    });

    test('chart › helm lint --strict passes with the defaults and with every option on', () => {
      for (const values of [{}, everyOption()]) {
        const result = lint(helm, values);
        assert.equal(result.status, 0, result.stdout + result.stderr);
        assert.doesNotMatch(result.stdout, /\[(WARNING|ERROR)\]/);
      }
    });

    test('chart › defaults: cluster-wide ClusterRole, one replica replaced with Recreate, no Lease rights', () => {
      const objects = template(helm);
      assert.deepEqual(kinds(objects), [
        'ClusterRole//lorahpo-operator',
        'ClusterRoleBinding//lorahpo-operator',
        'CustomResourceDefinition//lorastudies.lorahpo.io',
        'CustomResourceDefinition//loratrials.lorahpo.io',
        `Deployment/${NAMESPACE}/lorahpo-operator`,
        `Pod/${NAMESPACE}/lorahpo-test-readyz`,
        `Service/${NAMESPACE}/lorahpo-metrics`,
        `ServiceAccount/${NAMESPACE}/lorahpo-operator`,
      ]);
      const operator = deployment(objects);
      assert.equal(operator.spec.replicas, 1);
      assert.equal(operator.spec.strategy.type, 'Recreate');
      assert.deepEqual(args(objects), [
        '--metrics-port=8080',
        '--log-level=info',
        '--max-concurrent-reconciles=8',
        '--finished-job-ttl-seconds=86400',
      ]);
      assert.equal(operatorContainer(objects).image, `lorahpo-operator:${packageVersion}`);
      assert.equal(operatorContainer(objects).command, undefined, 'the image ENTRYPOINT runs');
      const binding = only(objects, 'ClusterRoleBinding') as KubeObject & { subjects: unknown[] };
      assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'lorahpo-operator', namespace: NAMESPACE }]);
    });

    test('chart › the pod runs restricted, with probes on the metrics port and POD_NAMESPACE from the API', () => {
      const objects = template(helm);
      const spec = deployment(objects).spec.template.spec;
      assert.deepEqual(spec.securityContext, {
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      const container = operatorContainer(objects);
      assert.deepEqual(container.securityContext, {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      assert.equal(spec.serviceAccountName, 'lorahpo-operator');
      assert.deepEqual(container.ports, [{ name: 'metrics', containerPort: 8080, protocol: 'TCP' }]);
      assert.deepEqual(container.livenessProbe.httpGet, { path: '/healthz', port: 'metrics' });
      assert.deepEqual(container.readinessProbe.httpGet, { path: '/readyz', port: 'metrics' });
      const fieldPath = (name: string) =>
        (
          container.env.find((entry) => entry.name === name)?.valueFrom as
            | { fieldRef?: { fieldPath: string } }
            | undefined
        )?.fieldRef?.fieldPath;
      assert.equal(fieldPath('POD_NAMESPACE'), 'metadata.namespace');
      assert.equal(fieldPath('POD_NAME'), 'metadata.name');
      const service = only(objects, 'Service') as KubeObject & {
        spec: { selector: Record<string, string>; ports: { targetPort: string }[] };
      };
      assert.deepEqual(
        service.spec.selector,
        pick(deployment(objects).spec.template.metadata.labels, Object.keys(service.spec.selector)),
      );
      assert.equal(service.spec.ports[0].targetPort, 'metrics');
    });

    test('chart › namespaced mode: a Role and RoleBinding in each watched namespace, no cluster rights', () => {
      const objects = template(helm, { watchNamespaces: ['team-a', 'team-b'] });
      assert.ok(!objects.some((object) => object.kind.startsWith('Cluster')), 'no ClusterRole or ClusterRoleBinding');
      for (const namespace of ['team-a', 'team-b']) {
        assert.equal(
          only(
            objects.filter((o) => o.metadata.namespace === namespace),
            'Role',
          ).metadata.name,
          'lorahpo-operator',
        );
        const binding = only(
          objects.filter((o) => o.metadata.namespace === namespace),
          'RoleBinding',
        ) as KubeObject & { subjects: unknown[]; roleRef: unknown };
        assert.deepEqual(binding.subjects, [
          { kind: 'ServiceAccount', name: 'lorahpo-operator', namespace: NAMESPACE },
        ]);
        assert.deepEqual(binding.roleRef, {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'Role',
          name: 'lorahpo-operator',
        });
      }
      assert.deepEqual(
        args(objects).filter((arg) => arg.startsWith('--namespace')),
        ['--namespace=team-a', '--namespace=team-b'],
      );
    });

    test('chart › two replicas: leader election flags, the Lease Role, a PDB and rolling updates', () => {
      const objects = template(helm, { replicaCount: 2 });
      assert.deepEqual(args(objects).slice(4), [
        '--leader-elect',
        `--leader-election-namespace=${NAMESPACE}`,
        '--lease-name=lorahpo-operator',
      ]);
      assert.equal(deployment(objects).spec.strategy.type, 'RollingUpdate');
      const role = only(objects, 'Role', 'lorahpo-operator-leader-election');
      assert.equal(role.metadata.namespace, NAMESPACE);
      const binding = only(objects, 'RoleBinding', 'lorahpo-operator-leader-election') as KubeObject & {
        roleRef: { name: string };
      };
      assert.equal(binding.roleRef.name, role.metadata.name);
      const pdb = only(objects, 'PodDisruptionBudget') as KubeObject & {
        spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } };
      };
      assert.equal(pdb.apiVersion, 'policy/v1');
      assert.equal(pdb.spec.minAvailable, 1);
      const podLabels = deployment(objects).spec.template.metadata.labels;
      assert.deepEqual(pdb.spec.selector.matchLabels, pick(podLabels, Object.keys(pdb.spec.selector.matchLabels)));
    });

    test('chart › leader election asked for with one replica: the flags and the Role, no PDB', () => {
      const objects = template(helm, { leaderElection: { enabled: true, leaseName: 'my-lease' } });
      assert.ok(args(objects).includes('--lease-name=my-lease'));
      only(objects, 'Role', 'lorahpo-operator-leader-election');
      assert.ok(!objects.some((object) => object.kind === 'PodDisruptionBudget'));
    });

    test('chart › ServiceMonitor: scrapes the metrics Service by its labels and port name', () => {
      const objects = template(helm, {
        metrics: { serviceMonitor: { enabled: true, labels: { release: 'prometheus' } } },
      });
      const monitor = only(objects, 'ServiceMonitor') as KubeObject & {
        spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] };
      };
      const service = only(objects, 'Service') as KubeObject & { spec: { ports: { name: string }[] } };
      assert.equal(monitor.metadata.labels?.release, 'prometheus');
      assert.deepEqual(
        monitor.spec.selector.matchLabels,
        pick(service.metadata.labels ?? {}, Object.keys(monitor.spec.selector.matchLabels)),
      );
      assert.deepEqual(
        monitor.spec.endpoints.map((e) => [e.port, e.path]),
        [[service.spec.ports[0].name, '/metrics']],
      );
      assert.ok(!template(helm).some((object) => object.kind === 'ServiceMonitor'), 'off by default');
    });

    test('chart › image: a digest wins over the tag; pull secrets on the pod and the ServiceAccount', () => {
      const objects = template(helm, {
        image: {
          repository: 'registry.example.com/ml/lorahpo-operator',
          tag: '9.9.9',
          digest: DIGEST,
          pullPolicy: 'Always',
        },
        imagePullSecrets: [{ name: 'regcred' }],
      });
      assert.equal(operatorContainer(objects).image, `registry.example.com/ml/lorahpo-operator@${DIGEST}`);
      assert.equal(operatorContainer(objects).imagePullPolicy, 'Always');
      assert.deepEqual(deployment(objects).spec.template.spec.imagePullSecrets, [{ name: 'regcred' }]);
      assert.deepEqual(only(objects, 'ServiceAccount').imagePullSecrets, [{ name: 'regcred' }]);
      assert.equal(testPod(objects).spec.containers[0].image, operatorContainer(objects).image);
      assert.equal(operatorContainer(template(helm, { image: { tag: '9.9.9' } })).image, 'lorahpo-operator:9.9.9');
    });

    test("chart › extra args and env follow the chart's own; log level and command reach the container", () => {
      const objects = template(helm, {
        logLevel: 'debug',
        extraArgs: ['--retry-period-ms=500'],
        command: ['node', 'bin/lorahpo.js', 'operator'],
        extraEnv: [{ name: 'UV_THREADPOOL_SIZE', value: '8' }],
      });
      assert.deepEqual(args(objects), [
        '--metrics-port=8080',
        '--log-level=debug',
        '--max-concurrent-reconciles=8',
        '--finished-job-ttl-seconds=86400',
        '--retry-period-ms=500',
      ]);
      assert.deepEqual(
        operatorContainer(objects).env.map((entry) => entry.name),
        ['POD_NAMESPACE', 'POD_NAME', 'UV_THREADPOOL_SIZE'],
      );
      assert.deepEqual(operatorContainer(objects).command, ['node', 'bin/lorahpo.js', 'operator']);
    });

    test('chart › scheduling and resources pass through to the pod', () => {
      const scheduling = {
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        priorityClassName: 'system-cluster-critical',
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ml', effect: 'NoSchedule' }],
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }],
            },
          },
        },
      };
      const resources = { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' } };
      const objects = template(helm, { ...scheduling, resources });
      const spec = deployment(objects).spec.template.spec;
      assert.deepEqual(pick(spec, Object.keys(scheduling)), scheduling);
      assert.deepEqual(operatorContainer(objects).resources, resources);
    });

    test('chart › CRDs: the generated ones, kept on uninstall by default; keep and install toggles', () => {
      const objects = template(helm);
      for (const definition of CRD_DEFINITIONS) {
        const onDisk = yaml.load(
          readFileSync(new URL(`../../crds/${crdFileName(definition)}`, import.meta.url), 'utf8'),
        ) as KubeObject;
        const rendered = only(objects, 'CustomResourceDefinition', onDisk.metadata.name);
        assert.deepEqual(rendered.spec, onDisk.spec, `${onDisk.metadata.name}: the chart's CRD differs from crds/`);
        assert.equal(rendered.metadata.annotations?.['helm.sh/resource-policy'], 'keep');
      }
      const notKept = template(helm, { crds: { keep: false } }).filter(
        (object) => object.kind === 'CustomResourceDefinition',
      );
      assert.equal(notKept.length, 2);
      assert.ok(notKept.every((crd) => crd.metadata.annotations === undefined));
      assert.ok(
        !template(helm, { crds: { install: false } }).some((object) => object.kind === 'CustomResourceDefinition'),
      );
    });

    test('chart › helm test pod: a test hook with no API token, pointed at the metrics Service by default', () => {
      const pod = testPod(template(helm));
      assert.equal(pod.metadata.annotations?.['helm.sh/hook'], 'test');
      assert.equal(pod.spec.automountServiceAccountToken, false);
      assert.deepEqual(pod.spec.containers[0].env, [
        { name: 'LORAHPO_TEST_HOST', value: `lorahpo-metrics.${NAMESPACE}.svc` },
        { name: 'LORAHPO_TEST_PORT', value: '8080' },
      ]);
      const pointed = testPod(template(helm, { tests: { host: '127.0.0.1', port: 18080 } }));
      assert.deepEqual(
        pointed.spec.containers[0].env.map((entry) => entry.value),
        ['127.0.0.1', '18080'],
      );
      assert.ok(!template(helm, { tests: { enabled: false } }).some((object) => object.kind === 'Pod'));
    });
  });
}

test('chart › the helm test command, run as a process, waits out a 503 and passes on /readyz 200', async () => {
  const [helm] = helmBinaries();
  let requests = 0;
  const server = http.createServer((request, response) => {
    requests++;
    const ready = request.url === '/readyz' && requests > 1;
    response.writeHead(ready ? 200 : 503).end(ready ? 'ok\n' : 'caches not synced\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    const container = testPod(template(helm, { tests: { host: '127.0.0.1', port } })).spec.containers[0];
    const env = Object.fromEntries(container.env.map((entry) => [entry.name, entry.value]));
    const [command, ...rest] = container.command ?? [];
    const child = spawn(command === 'node' ? process.execPath : command, rest, {
      env: { ...env, PATH: process.env.PATH },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(code, 0, output);
    assert.match(output, /503 caches not synced\n.*200 ok/s);
  } finally {
    server.close();
  }
});

test('chart › lorahpo operator parses the args the chart renders into the flags they mean', () => {
  const [helm] = helmBinaries();
  const container = operatorContainer(template(helm, { ...everyOption(), extraArgs: ['--retry-period-ms=500'] }));
  const spec = operatorCommandSpec({ POD_NAMESPACE: NAMESPACE, POD_NAME: 'lorahpo-operator-abc' }).parse(
    container.args ?? [],
    { from: 'user' },
  );
  const flags = spec.opts<OperatorFlags>();
  assert.deepEqual(
    { ...flags, kubeconfig: undefined },
    {
      kubeconfig: undefined,
      namespace: ['team-a', 'team-b'],
      metricsPort: 8080,
      leaderElect: true,
      leaderElectionNamespace: NAMESPACE,
      leaseName: 'lorahpo',
      identity: 'lorahpo-operator-abc',
      leaseDurationMs: 15000,
      renewDeadlineMs: 10000,
      retryPeriodMs: 500,
      maxConcurrentReconciles: 8,
      finishedJobTtlSeconds: 86400,
      allowHostPath: true,
      allowServiceAccount: ['trainer-identity'],
      allowSecret: ['hf-token', 'wandb'],
      allowWildcardTolerations: true,
      logLevel: 'warn',
    },
  );
});

function pick<T extends Record<string, unknown>>(record: T, keys: string[]): Partial<T> {
  return Object.fromEntries(keys.map((key) => [key, record[key]])) as Partial<T>;
}

/** Values with every option set, for lint. */
function everyOption(): object {
  return {
    replicaCount: 3,
    image: { repository: 'registry.example.com/lorahpo-operator', digest: DIGEST },
    imagePullSecrets: [{ name: 'regcred' }],
    watchNamespaces: ['team-a', 'team-b'],
    logLevel: 'warn',
    leaderElection: { leaseName: 'lorahpo' },
    extraArgs: ['--retry-period-ms=500'],
    extraEnv: [{ name: 'A', value: 'b' }],
    serviceAccount: { annotations: { 'iam.gke.io/gcp-service-account': 'x@y.iam.gserviceaccount.com' } },
    crds: { keep: false },
    metrics: { serviceMonitor: { enabled: true } },
    priorityClassName: 'high',
    nodeSelector: { pool: 'system' },
    tolerations: [{ operator: 'Exists' }],
    podAnnotations: { a: 'b' },
    podLabels: { team: 'ml' },
    trialPodPolicy: {
      allowHostPath: true,
      allowedServiceAccounts: ['trainer-identity'],
      allowedSecrets: ['hf-token', 'wandb'],
      allowWildcardTolerations: true,
    },
  };
}
