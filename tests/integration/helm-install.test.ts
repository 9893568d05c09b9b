/**
 * The chart's whole life on the test ground's real API server, with Helm 3 and Helm 4:
 * `helm install --wait` of helm/lorahpo, then the chart's own operator — the Deployment's pod,
 * run by the simulated kubelet from the image table with the ServiceAccount token mounted and
 * in-cluster configuration — runs a study to Succeeded under the chart's RBAC; `kubectl auth
 * can-i` shows what that account may not do; `helm test`, `helm upgrade` (the pod rolls, the
 * new one runs another study) and `helm uninstall`, after which exactly what docs/helm.md says
 * stays behind is left.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { freePort } from '../harness/free-port.ts';
import { storedImage } from '../harness/image-store.ts';
import { canMountVolumes } from '../harness/simulated-node/simulated-node.ts';
import { fixtureStudy } from '../fixtures/study.ts';
import { ensureHelm, type HelmBinary } from '../helm/install-helm.ts';
import { eventually, readStudy } from './support/cluster.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const CHART = join(root, 'helm/lorahpo');
const RELEASE = 'lorahpo';
const NAMESPACE = 'lorahpo-system';
const SERVICE_ACCOUNT = `system:serviceaccount:${NAMESPACE}:lorahpo-operator`;
const TOKEN_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const node24 = process.execPath;
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
// The operator image built on this machine (tests/images), when there is one: Helm 4 installs
// it by that name and the pod runs in the image's own root filesystem; Helm 3 runs the checkout.
const BUILT_REPOSITORY = 'localhost/lorahpo-operator';
const builtImage = storedImage(`${BUILT_REPOSITORY}:${version}`);

let cp: ControlPlane;
const helmHome = mkdtempSync(join(tmpdir(), 'lorahpo-helm-install-'));
const skip = canMountVolumes() ? false : 'mounting the ServiceAccount token needs root and unshare';

// The API server's audit log says who sent each request: proof that trials are created with the
// token of the chart's ServiceAccount, not with credentials a test handed the operator.
const auditLog = join(helmHome, 'audit.log');
const auditPolicy = join(helmHome, 'audit-policy.yaml');
writeFileSync(
  auditPolicy,
  JSON.stringify({
    apiVersion: 'audit.k8s.io/v1',
    kind: 'Policy',
    omitStages: ['RequestReceived'],
    rules: [
      {
        level: 'Metadata',
        verbs: ['create'],
        resources: [
          { group: 'lorahpo.io', resources: ['loratrials'] },
          { group: 'batch', resources: ['jobs'] },
        ],
      },
      { level: 'None' },
    ],
  }),
);
// The image's HOME: an empty one, so no ~/.kube/config of this machine stands in for in-cluster config.
const imageHome = join(helmHome, 'home');
mkdirSync(imageHome);

before(async () => {
  if (skip) return;
  cp = await startControlPlane({
    apiServerArgs: [`--audit-policy-file=${auditPolicy}`, `--audit-log-path=${auditLog}`],
    controllerManagerArgs: ['--kube-api-qps=400', '--kube-api-burst=800'],
    node: {
      // The operator image (Dockerfile: WORKDIR /app, ENTRYPOINT node … bin/lorahpo.js operator)
      // as this checkout: its bin/lorahpo.js runs the operator's sources with Node 24.
      images: {
        'lorahpo-operator': {
          entrypoint: [node24, '--max-semi-space-size=2', '--heap-growing-percent=50', 'bin/lorahpo.js', 'operator'],
          workingDir: root,
          env: { NODE_ENV: 'production', HOME: imageHome },
        },
        ...(builtImage ? { [`${BUILT_REPOSITORY}:${version}`]: builtImage } : {}),
      },
      // `node` of the test pod's command is the image's Node 24.
      baseEnv: { PATH: `${dirname(node24)}:${process.env.PATH ?? '/usr/bin:/bin'}`, HOME: process.env.HOME ?? '/root' },
    },
  });
});

after(async () => {
  await cp?.stop();
  rmSync(helmHome, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

// Asynchronous on purpose: the simulated node runs in this process and must keep working while Helm waits.
function helm(binary: HelmBinary, args: string[], timeoutMs = 180_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary.path, [...args, '--kubeconfig', cp.directKubeconfigPath], {
      env: {
        ...process.env,
        HELM_CONFIG_HOME: join(helmHome, `${binary.major}/config`),
        HELM_CACHE_HOME: join(helmHome, `${binary.major}/cache`),
        HELM_DATA_HOME: join(helmHome, `${binary.major}/data`),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

function assertOk(what: string, run: Run): string {
  assert.equal(run.code, 0, `${what} failed (${run.code}):\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

async function kubectl(args: string[], input?: string): Promise<string> {
  const result = await cp.kubectl(args, { direct: true, input });
  assert.equal(result.code, 0, `kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

async function operatorPods(): Promise<V1Pod[]> {
  const api = cp.directKubeConfig.makeApiClient(CoreV1Api);
  const pods = await api.listNamespacedPod({
    namespace: NAMESPACE,
    labelSelector: 'app.kubernetes.io/component=operator',
  });
  return pods.items.filter((pod) => !pod.metadata?.deletionTimestamp);
}

async function runStudy(name: string, namespace: string): Promise<void> {
  const manifest = fixtureStudy({ name, maxTrials: 4, parallelTrials: 2, maxSteps: 3 });
  (manifest.metadata as Record<string, string>).namespace = namespace;
  const spec = manifest.spec as { trialTemplate: Record<string, unknown> };
  spec.trialTemplate = { image: 'lorahpo-trainer:test', ...spec.trialTemplate };
  await kubectl(['apply', '-f', '-'], JSON.stringify(manifest));
  const study = await eventually(
    `study ${namespace}/${name} to finish`,
    async () => {
      const current = await readStudy(cp, namespace, name);
      return current.status?.phase === 'Succeeded' || current.status?.phase === 'Failed' ? current : undefined;
    },
    120_000,
  );
  assert.equal(study.status?.phase, 'Succeeded', JSON.stringify(study.status));
  const counts = study.status?.trialCounts;
  assert.equal(
    (counts?.succeeded ?? 0) + (counts?.pruned ?? 0) + (counts?.earlyStopped ?? 0),
    4,
    JSON.stringify(counts),
  );
}

/** Who created loratrials and jobs in the namespace, by resource, from the audit log. */
function auditedCreators(namespace: string): Map<string, Set<string>> {
  const creators = new Map<string, Set<string>>();
  for (const line of readFileSync(auditLog, 'utf8').split('\n').filter(Boolean)) {
    const event = JSON.parse(line) as {
      stage: string;
      user: { username: string };
      objectRef?: { resource: string; namespace?: string };
    };
    if (event.stage !== 'ResponseComplete' || event.objectRef?.namespace !== namespace) continue;
    const users = creators.get(event.objectRef.resource) ?? new Set<string>();
    creators.set(event.objectRef.resource, users.add(event.user.username));
  }
  return creators;
}

// What the operator's account may do, and (the point of the chart's RBAC) what it may not.
const mayDo = [
  ['create', 'loratrials.lorahpo.io'],
  ['create', 'jobs.batch'],
  ['delete', 'jobs.batch'],
  ['get', 'pods', '--subresource=log'],
  ['patch', 'lorastudies.lorahpo.io', '--subresource=status'],
  ['watch', 'lorastudies.lorahpo.io'],
];
const mayNot = [
  ['get', 'secrets'],
  ['create', 'pods'],
  ['create', 'pods', '--subresource=exec'],
  ['delete', 'lorastudies.lorahpo.io'],
  ['update', 'lorastudies.lorahpo.io'],
  ['patch', 'lorastudies.lorahpo.io'],
  ['delete', 'loratrials.lorahpo.io'],
  ['list', 'configmaps'],
  ['get', 'nodes'],
  ['create', 'leases.coordination.k8s.io'],
];

async function canI(verb: string, resource: string, extra: string[], namespace: string): Promise<string> {
  const result = await cp.kubectl(
    ['auth', 'can-i', verb, resource, ...extra, '-n', namespace, `--as=${SERVICE_ACCOUNT}`],
    { direct: true },
  );
  return result.stdout.trim();
}

async function lifecycle(
  binary: HelmBinary,
  image: 'checkout' | 'built',
  scope: 'cluster' | 'namespaced',
): Promise<void> {
  const helmVersion = assertOk('helm version', await helm(binary, ['version', '--short']));
  console.log(
    `# helm ${binary.major}: ${helmVersion.trim()}, ${scope}, operator image: ${image === 'built' ? `${BUILT_REPOSITORY}:${version} (its root filesystem)` : 'this checkout'}`,
  );
  const port = await freePort();
  const values = [
    ...(image === 'built' ? ['--set', `image.repository=${BUILT_REPOSITORY}`] : []),
    '--set',
    `metrics.port=${port}`,
    '--set',
    'tests.host=127.0.0.1',
    '--set',
    `tests.port=${port}`,
    '--set',
    'readinessProbe.periodSeconds=1',
    '--set',
    'readinessProbe.initialDelaySeconds=0',
  ];
  const studies = `ml-team-${binary.major}`;
  await cp.createNamespace(studies);
  // Namespaced: a Role in the studies' namespace, and no right anywhere else.
  if (scope === 'namespaced') values.push('--set', `watchNamespaces={${studies}}`);

  const installStart = Date.now();
  const install = await helm(binary, [
    'install',
    RELEASE,
    CHART,
    '-n',
    NAMESPACE,
    '--create-namespace',
    '--wait',
    '--timeout',
    process.env.LORAHPO_HELM_TIMEOUT ?? '120s',
    ...values,
  ]);
  if (install.code !== 0)
    console.log(
      `# operator log:\n${(await cp.kubectl(['logs', '-n', NAMESPACE, 'deployment/lorahpo-operator', '--tail=40'], { direct: true })).stdout}`,
    );
  assertOk('helm install', install);
  const installedMs = Date.now() - installStart;

  const [pod] = await operatorPods();
  assert.equal(pod?.status?.phase, 'Running');
  assert.equal(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  assert.equal(pod.spec?.serviceAccountName, 'lorahpo-operator');
  const tokenMount = pod.spec?.containers[0].volumeMounts?.find((m) => m.mountPath === TOKEN_DIR);
  assert.ok(tokenMount, 'the ServiceAccount admission plugin mounted the token');
  assert.equal(pod.spec?.containers[0].command, undefined, 'the image entrypoint runs, not a command from the test');

  await runStudy('first', studies);
  const succeededMs = Date.now() - installStart;
  console.log(`# helm ${binary.major}: install --wait ${installedMs} ms, install to study Succeeded ${succeededMs} ms`);
  const creators = auditedCreators(studies);
  assert.deepEqual(
    creators.get('loratrials'),
    new Set([SERVICE_ACCOUNT]),
    "trials created by the chart's ServiceAccount only",
  );
  assert.deepEqual(creators.get('jobs'), new Set([SERVICE_ACCOUNT]), "Jobs created by the chart's ServiceAccount only");

  for (const [verb, resource, ...extra] of mayDo)
    assert.equal(await canI(verb, resource, extra, studies), 'yes', `may ${verb} ${resource} ${extra}`);
  for (const [verb, resource, ...extra] of mayNot)
    assert.equal(await canI(verb, resource, extra, studies), 'no', `may not ${verb} ${resource} ${extra}`);
  assert.equal(
    await canI('create', 'loratrials.lorahpo.io', [], 'default'),
    scope === 'cluster' ? 'yes' : 'no',
    `${scope}: trials elsewhere`,
  );

  assertOk('helm test', await helm(binary, ['test', RELEASE, '-n', NAMESPACE, '--timeout', '90s']));

  const before = pod.metadata?.uid;
  assertOk(
    'helm upgrade',
    await helm(binary, [
      'upgrade',
      RELEASE,
      CHART,
      '-n',
      NAMESPACE,
      '--wait',
      '--timeout',
      '120s',
      ...values,
      '--set',
      'logLevel=debug',
    ]),
  );
  const [rolled] = await operatorPods();
  assert.notEqual(rolled?.metadata?.uid, before, 'the Deployment rolled a new pod');
  assert.ok(rolled.spec?.containers[0].args?.includes('--log-level=debug'));
  assert.equal(rolled.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  await runStudy('after-upgrade', studies);

  assertOk('helm uninstall', await helm(binary, ['uninstall', RELEASE, '-n', NAMESPACE, '--wait', '--timeout', '60s']));
  // docs/helm.md, Uninstall: the CRDs stay with every study; the namespace stays; the release's own objects go.
  const crds = await kubectl(['get', 'crd', '-o', 'name']);
  assert.match(crds, /lorastudies\.lorahpo\.io/);
  assert.match(crds, /loratrials\.lorahpo\.io/);
  assert.deepEqual((await kubectl(['get', 'lorastudies', '-n', studies, '-o', 'name'])).trim().split('\n').sort(), [
    'lorastudy.lorahpo.io/after-upgrade',
    'lorastudy.lorahpo.io/first',
  ]);
  await kubectl(['get', 'namespace', NAMESPACE]);
  const left = await kubectl([
    'get',
    'deployments,replicasets,services,serviceaccounts,roles,rolebindings,pods',
    '-n',
    NAMESPACE,
    '-o',
    'name',
  ]);
  const released = left
    .trim()
    .split('\n')
    .filter((line) => line !== '' && line !== 'serviceaccount/default' && !line.startsWith('pod/'));
  assert.deepEqual(released, [], `left in ${NAMESPACE}: ${left}`);
  await eventually(
    'the operator pod to be gone',
    async () => ((await operatorPods()).length === 0 ? true : undefined),
    60_000,
  );
  const cluster = await kubectl(['get', 'clusterroles,clusterrolebindings', '-o', 'name']);
  assert.doesNotMatch(cluster, /lorahpo/);
  assert.doesNotMatch(await kubectl(['get', 'roles,rolebindings', '-n', studies, '-o', 'name']), /lorahpo/);
  console.log(
    `# helm ${binary.major}: after uninstall: ${crds
      .trim()
      .split('\n')
      .filter((line) => line.includes('lorahpo'))
      .join(' ')}, studies kept`,
  );
}

if (skip) test('helm › install, study, test, upgrade, uninstall', { skip }, () => {});
else {
  for (const binary of ensureHelm()) {
    const image = binary.major === 4 && builtImage ? 'built' : 'checkout';
    const scope = binary.major === 4 ? 'namespaced' : 'cluster';
    test(`helm ${binary.major} › install --wait (${scope}, ${image} image), the chart's operator runs a study; test, upgrade, uninstall`, async () => {
      await lifecycle(binary, image, scope);
    });
  }
}
