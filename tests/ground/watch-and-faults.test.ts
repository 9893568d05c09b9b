// Watches and the failures real clusters have, through the fault proxy and a restarted API server.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, makeInformer, type Informer, type ObjectCache, type V1ConfigMap } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { FaultProxy } from '../harness/fault-proxy.ts';
import { tokenKubeConfig } from '../harness/kubeconfig.ts';
import { eventually } from '../harness/eventually.ts';
import { startResilientInformer } from '../harness/resilient-informer.ts';

const namespace = 'ground-watch';
let cp: ControlPlane;
let core: CoreV1Api;

before(async () => {
  cp = await startControlPlane();
  core = cp.kubeConfig.makeApiClient(CoreV1Api);
  await cp.createNamespace(namespace);
});

afterEach(() => cp?.faults.clearFaults());

after(async () => {
  await cp?.stop();
});

type ConfigMapInformer = Informer<V1ConfigMap> & ObjectCache<V1ConfigMap>;

function configMapInformer(labelSelector: string): ConfigMapInformer {
  return makeInformer<V1ConfigMap>(
    cp.kubeConfig,
    `/api/v1/namespaces/${namespace}/configmaps`,
    () => core.listNamespacedConfigMap({ namespace, labelSelector }),
    labelSelector,
  );
}

function configMap(name: string, label: string, data: Record<string, string> = {}): V1ConfigMap {
  return { metadata: { name, labels: { ground: label } }, data };
}

interface Seen {
  added: string[];
  updated: string[];
  deleted: string[];
  errors: unknown[];
}

function record(informer: ConfigMapInformer): Seen {
  const seen: Seen = { added: [], updated: [], deleted: [], errors: [] };
  informer.on('add', (cm) => seen.added.push(cm.metadata?.name ?? ''));
  informer.on('update', (cm) => seen.updated.push(`${cm.metadata?.name}=${cm.data?.value}`));
  informer.on('delete', (cm) => seen.deleted.push(cm.metadata?.name ?? ''));
  informer.on('error', (error) => seen.errors.push(error));
  return seen;
}

test('test ground › a client-node informer sees add, update and delete', async () => {
  const informer = configMapInformer('ground=basic');
  const seen = record(informer);
  await informer.start();
  await core.createNamespacedConfigMap({ namespace, body: configMap('basic', 'basic', { value: '1' }) });
  await eventually('the add', () => seen.added.includes('basic'));
  await core.replaceNamespacedConfigMap({
    name: 'basic',
    namespace,
    body: configMap('basic', 'basic', { value: '2' }),
  });
  await eventually('the update', () => seen.updated.includes('basic=2'));
  await core.deleteNamespacedConfigMap({ name: 'basic', namespace });
  await eventually('the delete', () => seen.deleted.includes('basic'));
  assert.equal(informer.get('basic', namespace), undefined);
  await informer.stop();
});

test('test ground › a watch the server closes is re-established by the informer itself', async () => {
  const informer = configMapInformer('ground=closed');
  const seen = record(informer);
  await informer.start();
  await eventually('an open watch', () => cp.faults.openWatches() > 0);
  assert.ok(cp.faults.dropWatches('end') >= 1);
  await core.createNamespacedConfigMap({ namespace, body: configMap('after-close', 'closed') });
  await eventually('the add after the watch was closed', () => seen.added.includes('after-close'));
  assert.deepEqual(seen.errors, []);
  await informer.stop();
});

test('test ground › a reset watch stops the informer with an error; restarted, it catches up on what it missed', async () => {
  const informer = configMapInformer('ground=reset');
  const seen = record(informer);
  await informer.start();
  await eventually('an open watch', () => cp.faults.openWatches() > 0);
  cp.faults.dropWatches('reset');
  await eventually('the informer error', () => seen.errors.length > 0);
  await core.createNamespacedConfigMap({ namespace, body: configMap('while-down', 'reset') });
  await informer.start();
  await eventually('the object created while the informer was stopped', () => seen.added.includes('while-down'));
  await informer.stop();
});

test('test ground › injected 500, 429 and 409 answers carry the API Status shape', async () => {
  const probe = () => core.readNamespace({ name: namespace });
  for (const [status, reason] of [
    [500, 'InternalError'],
    [429, 'TooManyRequests'],
    [409, 'Conflict'],
  ] as const) {
    cp.faults.failRequests({ status, count: 1, retryAfterSeconds: status === 429 ? 2 : undefined });
    await assert.rejects(probe(), (error: { code?: number; body?: string; headers?: Record<string, string> }) => {
      assert.equal(error.code, status);
      assert.equal(JSON.parse(String(error.body)).reason, reason);
      if (status === 429) assert.equal(error.headers?.['retry-after'], '2');
      return true;
    });
    assert.equal((await probe()).metadata?.name, namespace, 'the rule fires only `count` times');
    cp.faults.clearFaults();
  }
});

test('test ground › a fraction of requests fails, the same ones for the same seed', async () => {
  const pattern = async (seed: number) => {
    const proxy = await FaultProxy.start({
      upstreamUrl: cp.apiServerUrl,
      caPem: cp.caPem,
      seed,
      certPem: readFileSync(cp.pki.apiServerCert, 'utf8'),
      keyPem: readFileSync(cp.pki.apiServerKey, 'utf8'),
    });
    proxy.failRequests({ status: 500, fraction: 0.3 });
    const api = tokenKubeConfig(proxy.url, cp.caPem, 'lorahpo-admin', cp.adminToken).makeApiClient(CoreV1Api);
    const outcomes: boolean[] = [];
    for (let i = 0; i < 40; i += 1)
      outcomes.push(
        await api.readNamespace({ name: namespace }).then(
          () => true,
          () => false,
        ),
      );
    const injected = proxy.stats.injectedFailures;
    await proxy.close();
    return { outcomes, injected };
  };
  const first = await pattern(7);
  const failures = first.outcomes.filter((ok) => !ok).length;
  assert.ok(failures > 0 && failures < 40, `${failures} of 40 failed`);
  assert.equal(first.injected, failures);
  assert.deepEqual((await pattern(7)).outcomes, first.outcomes);
  assert.notDeepEqual((await pattern(8)).outcomes, first.outcomes);
});

test('test ground › requests can match by verb and path, e.g. only status writes conflict', async () => {
  cp.faults.failRequests({
    status: 409,
    match: (request) => request.method === 'PUT' && request.path.includes('/configmaps/'),
  });
  await core.createNamespacedConfigMap({ namespace, body: configMap('guarded', 'match') });
  await assert.rejects(
    core.replaceNamespacedConfigMap({
      name: 'guarded',
      namespace,
      body: configMap('guarded', 'match', { value: 'x' }),
    }),
    (error: { code?: number }) => error.code === 409,
  );
  assert.equal((await core.readNamespacedConfigMap({ name: 'guarded', namespace })).data, undefined);
});

test('test ground › a restarted API server keeps etcd data and a resilient informer resumes', async () => {
  const seen: string[] = [];
  const informer = await startResilientInformer<V1ConfigMap>(
    cp.kubeConfig,
    `/api/v1/namespaces/${namespace}/configmaps`,
    () => core.listNamespacedConfigMap({ namespace }),
    { add: (cm) => seen.push(cm.metadata?.name ?? ''), update: () => {}, delete: () => {} },
  );
  const before = await core.createNamespacedConfigMap({ namespace, body: configMap('survivor', 'restart') });
  await eventually('the add before the restart', () => seen.includes('survivor'));
  await cp.restartApiServer();
  const after = await core.readNamespacedConfigMap({ name: 'survivor', namespace });
  assert.equal(after.metadata?.uid, before.metadata?.uid);
  await core.createNamespacedConfigMap({ namespace, body: configMap('after-restart', 'restart') });
  await eventually('the add after the restart', () => seen.includes('after-restart'));
  await informer.stop();
});
