// What the simulated kubelet gives a pod beyond running its command: volumes at their mountPath
// (the ServiceAccount token where in-cluster clients read it), the `kubernetes` Service's
// variables, and probes; with the deployment, replicaset and endpoint controllers a Deployment
// becomes available and its Service gets the ready pod as an endpoint.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AppsV1Api, CoreV1Api, type V1Container, type V1Pod } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { eventually } from '../harness/eventually.ts';
import { freePort } from '../harness/free-port.ts';
import { canMountVolumes } from '../harness/simulated-node/simulated-node.ts';

const namespace = 'ground-runtime';
const TOKEN_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const skip = canMountVolumes() ? false : 'mount namespaces need root and unshare';
let cp: ControlPlane;
let core: CoreV1Api;

before(async () => {
  if (skip) return;
  cp = await startControlPlane({ node: { restartBackoffMs: { initial: 100, max: 1000 } } });
  core = cp.directKubeConfig.makeApiClient(CoreV1Api);
  await cp.createNamespace(namespace);
});

after(async () => {
  await cp?.stop();
});

async function finished(name: string): Promise<V1Pod> {
  return eventually(
    `pod ${name} to finish`,
    async () => {
      const pod = await core.readNamespacedPod({ name, namespace });
      return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed' ? pod : undefined;
    },
    30_000,
  );
}

async function logs(name: string): Promise<string> {
  return core.readNamespacedPodLog({ name, namespace });
}

test('pod runtime › the ServiceAccount token, a configMap and the kubernetes Service env are where a container looks', {
  skip,
}, async () => {
  await core.createNamespacedConfigMap({
    namespace,
    body: { metadata: { name: 'settings' }, data: { 'a.txt': 'alpha', 'b.txt': 'beta' } },
  });
  const script = [
    `cat ${TOKEN_DIR}/namespace; echo`,
    `cat ${TOKEN_DIR}/token; echo`,
    `cmp -s ${TOKEN_DIR}/ca.crt "$CA_FILE" && echo ca-matches`,
    'echo "$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT"',
    'cat /etc/lorahpo-ground/renamed; echo',
    'ls /etc/lorahpo-ground',
    'touch /etc/lorahpo-ground/x 2>/dev/null && echo writable || echo read-only',
  ].join('; ');
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: 'mounts' },
      spec: {
        restartPolicy: 'Never',
        volumes: [{ name: 'settings', configMap: { name: 'settings', items: [{ key: 'b.txt', path: 'renamed' }] } }],
        containers: [
          {
            name: 'main',
            image: 'busybox',
            command: ['sh', '-c', script],
            env: [{ name: 'CA_FILE', value: cp.pki.caCert }],
            volumeMounts: [{ name: 'settings', mountPath: '/etc/lorahpo-ground', readOnly: true }],
          },
        ],
      },
    },
  });
  const started = Date.now();
  const pod = await finished('mounts');
  console.log(`# mounts pod finished after ${Date.now() - started} ms`);
  assert.equal(pod.status?.phase, 'Succeeded');
  const tokenVolume = pod.spec?.volumes?.find((v) => v.secret?.secretName?.startsWith('default-token-'));
  assert.ok(tokenVolume, 'the ServiceAccount admission plugin added the token volume');
  const secret = await core.readNamespacedSecret({ name: tokenVolume.secret!.secretName!, namespace });
  const token = Buffer.from(secret.data!.token, 'base64').toString();
  const apiServer = new URL(cp.apiServerUrl);
  assert.deepEqual((await logs('mounts')).trim().split('\n'), [
    namespace,
    token,
    'ca-matches',
    `${apiServer.hostname}:${apiServer.port}`,
    'beta',
    'renamed',
    'read-only',
  ]);
});

// An HTTP server that answers 503 on /readyz for its first `unready` requests, and /healthz 200 until `sick` requests.
function server(port: number, unready: number, sick = Infinity): V1Container {
  const code = `let ready = 0, health = 0; require('node:http').createServer((q, s) => {
    if (q.url === '/readyz') { ready++; s.writeHead(ready > ${unready} ? 200 : 503).end(); }
    else { health++; s.writeHead(health <= ${Number.isFinite(sick) ? sick : 1e9} ? 200 : 500).end(); }
  }).listen(${port}, '127.0.0.1');`;
  return {
    name: 'web',
    image: 'node',
    command: [process.execPath, '-e', code],
    ports: [{ name: 'http', containerPort: port }],
    readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
    livenessProbe: { httpGet: { path: '/healthz', port: port }, periodSeconds: 1, failureThreshold: 2 },
  };
}

test("pod runtime › readiness gates Ready and a Deployment's availability; its Service lists the ready pod", {
  skip,
}, async () => {
  const port = await freePort();
  const apps = cp.directKubeConfig.makeApiClient(AppsV1Api);
  const labels = { app: 'web' };
  await core.createNamespacedService({
    namespace,
    body: { metadata: { name: 'web' }, spec: { selector: labels, ports: [{ port: 80, targetPort: 'http' }] } },
  });
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [server(port, 2)] } },
      },
    },
  });
  const running = await eventually(
    'a running, unready web pod',
    async () => {
      const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
      const pod = pods.items.find((p) => p.status?.containerStatuses?.[0]?.state?.running);
      return pod && !pod.status?.containerStatuses?.[0].ready ? pod : undefined;
    },
    30_000,
  );
  assert.equal(running.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
  const deployment = await eventually(
    'the Deployment available',
    async () => {
      const current = await apps.readNamespacedDeployment({ name: 'web', namespace });
      return current.status?.availableReplicas === 1 ? current : undefined;
    },
    30_000,
  );
  assert.equal(deployment.status?.readyReplicas, 1);
  const endpoints = await eventually(
    'the Service endpoint',
    async () => {
      const current = await core.readNamespacedEndpoints({ name: 'web', namespace });
      return current.subsets?.[0]?.addresses?.length ? current : undefined;
    },
    30_000,
  );
  const [pod] = (await core.listNamespacedPod({ namespace, labelSelector: 'app=web' })).items;
  assert.equal(endpoints.subsets?.[0].addresses?.[0].ip, pod.status?.podIP);
  assert.equal(endpoints.subsets?.[0].ports?.[0].port, port);
  await apps.deleteNamespacedDeployment({ name: 'web', namespace });
});

test('pod runtime › a failing liveness probe restarts the container', { skip }, async () => {
  const port = await freePort();
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: 'sick' },
      spec: { restartPolicy: 'Always', terminationGracePeriodSeconds: 1, containers: [server(port, 0, 2)] },
    },
  });
  const restarted = await eventually(
    'the container restarted after failed liveness probes',
    async () => {
      const pod = await core.readNamespacedPod({ name: 'sick', namespace });
      const status = pod.status?.containerStatuses?.[0];
      return (status?.restartCount ?? 0) >= 1 ? status : undefined;
    },
    30_000,
  );
  assert.ok(restarted?.lastState?.terminated, 'the killed attempt is the last state');
  await core.deleteNamespacedPod({ name: 'sick', namespace, gracePeriodSeconds: 0 });
});
