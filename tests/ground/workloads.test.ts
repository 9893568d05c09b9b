// The simulated node with the real job controller and garbage collector: workloads, logs through
// the API server, pod status as a kubelet writes it, deletion, deadlines and OOM kills.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchV1Api, CoreV1Api, CustomObjectsApi, type V1Job, type V1Pod } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { eventually } from '../harness/eventually.ts';
import type { WorkloadContext, WorkloadFunction } from '../harness/simulated-node/workload.ts';
import { crdsDir } from './paths.ts';

const namespace = 'ground-work';
const workloadLabel = 'ground.lorahpo.io/workload';
let cp: ControlPlane;
let core: CoreV1Api;
let batch: BatchV1Api;
const sigtermSeen = new Set<string>();

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

const workloads: Record<string, WorkloadFunction> = {
  async greet({ stdout, env }) {
    stdout.write(`hello from ${env.HOSTNAME}\n`);
    stdout.write(`param=${env.GROUND_PARAM}\n`);
    return 0;
  },
  async 'fail-with-message'({ terminationMessagePath, stderr }) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(terminationMessagePath, '{"type":"result","value":1.5}');
    stderr.write('about to fail\n');
    return 3;
  },
  async 'fail-with-logs'({ stdout }) {
    for (let i = 1; i <= 100; i += 1) stdout.write(`line ${i}\n`);
    return 2;
  },
  async 'wait-for-sigterm'({ signal, pod }: WorkloadContext) {
    await untilAborted(signal);
    sigtermSeen.add(pod.metadata?.name ?? '');
    return 143;
  },
  async 'ignore-sigterm'() {
    // Unreferenced: an abandoned workload must not keep the test process alive.
    await sleep(3_600_000, undefined, { ref: false });
    return 0;
  },
  async ticker({ stdout, signal }) {
    for (let i = 1; i <= 5 && !signal.aborted; i += 1) {
      stdout.write(`tick ${i}\n`);
      await sleep(200);
    }
    return 0;
  },
};

before(async () => {
  cp = await startControlPlane({
    node: {
      workloadFor: (pod) => workloads[pod.metadata?.labels?.[workloadLabel] ?? ''] ?? undefined,
      restartBackoffMs: { initial: 100, max: 1000 },
    },
  });
  core = cp.kubeConfig.makeApiClient(CoreV1Api);
  batch = cp.kubeConfig.makeApiClient(BatchV1Api);
  await cp.createNamespace(namespace);
  const applied = await cp.kubectl(['apply', '-f', crdsDir]);
  assert.equal(applied.code, 0, applied.stderr);
});

after(async () => {
  await cp?.stop();
});

function job(
  name: string,
  workload: string,
  extra: { backoffLimit?: number; restartPolicy?: string; message?: string } = {},
): V1Job {
  return {
    metadata: { name },
    spec: {
      backoffLimit: extra.backoffLimit ?? 0,
      template: {
        metadata: { labels: { [workloadLabel]: workload } },
        spec: {
          restartPolicy: extra.restartPolicy ?? 'Never',
          automountServiceAccountToken: false,
          containers: [
            {
              name: 'main',
              image: 'lorahpo-trainer:test',
              env: [
                { name: 'GROUND_BASE', value: 'base' },
                { name: 'GROUND_PARAM', value: 'x-$(GROUND_BASE)-$(UNDEFINED)' },
              ],
              terminationMessagePolicy: extra.message,
            },
          ],
        },
      },
    },
  };
}

function pod(name: string, workload: string, spec: Partial<V1Pod['spec']> = {}): V1Pod {
  return {
    metadata: { name, labels: { [workloadLabel]: workload } },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      containers: [{ name: 'main', image: 'any' }],
      ...spec,
    },
  };
}

async function jobCondition(name: string): Promise<string | undefined> {
  const current = await batch.readNamespacedJob({ name, namespace });
  return current.status?.conditions?.find((c) => c.status === 'True')?.type;
}

async function podsOf(jobName: string): Promise<V1Pod[]> {
  return (await core.listNamespacedPod({ namespace, labelSelector: `job-name=${jobName}` })).items;
}

test('test ground › a Job pod runs a test workload; kubectl logs shows its output', async () => {
  await batch.createNamespacedJob({ namespace, body: job('greet', 'greet') });
  assert.equal(await eventually('the Job to finish', () => jobCondition('greet')), 'Complete');
  const [finished] = await podsOf('greet');
  const logs = await cp.kubectl(['logs', '-n', namespace, 'job/greet']);
  assert.equal(logs.code, 0, logs.stderr);
  assert.equal(logs.stdout, `hello from ${finished.metadata?.name}\nparam=x-base-$(UNDEFINED)\n`);
  const state = finished.status?.containerStatuses?.[0].state?.terminated;
  assert.equal(state?.exitCode, 0);
  assert.equal(state?.reason, 'Completed');
  assert.equal(finished.status?.phase, 'Succeeded');
});

test('test ground › a real command runs as a local process: kubectl create job … -- sh -c', async () => {
  const created = await cp.kubectl([
    'create',
    'job',
    'hello',
    '-n',
    namespace,
    '--image=any',
    '--',
    'sh',
    '-c',
    'echo hi; echo to-stderr >&2',
  ]);
  assert.equal(created.code, 0, created.stderr);
  const waited = await cp.kubectl(['wait', '-n', namespace, '--for=condition=complete', '--timeout=60s', 'job/hello']);
  assert.equal(waited.code, 0, waited.stderr);
  const logs = await cp.kubectl(['logs', '-n', namespace, 'job/hello']);
  assert.equal(logs.stdout, 'hi\nto-stderr\n');
});

test('test ground › a failed container reports exit code, reason and the termination message file', async () => {
  await batch.createNamespacedJob({ namespace, body: job('fails', 'fail-with-message') });
  assert.equal(await eventually('the Job to fail', () => jobCondition('fails')), 'Failed');
  const [failed] = await podsOf('fails');
  const state = failed.status?.containerStatuses?.[0].state?.terminated;
  assert.equal(failed.status?.phase, 'Failed');
  assert.equal(state?.exitCode, 3);
  assert.equal(state?.reason, 'Error');
  assert.equal(state?.message, '{"type":"result","value":1.5}');
  const current = await batch.readNamespacedJob({ name: 'fails', namespace });
  assert.equal(current.status?.conditions?.[0].reason, 'BackoffLimitExceeded');
});

test('test ground › FallbackToLogsOnError puts the last 80 log lines into the message', async () => {
  await batch.createNamespacedJob({
    namespace,
    body: job('fallback', 'fail-with-logs', { message: 'FallbackToLogsOnError' }),
  });
  await eventually('the Job to fail', async () => (await jobCondition('fallback')) === 'Failed');
  const [failed] = await podsOf('fallback');
  const message = failed.status?.containerStatuses?.[0].state?.terminated?.message ?? '';
  const lines = message.trimEnd().split('\n');
  assert.equal(lines.length, 80);
  assert.equal(lines[0], 'line 21');
  assert.equal(lines.at(-1), 'line 100');
});

test('test ground › the job controller retries failed pods up to backoffLimit', async () => {
  await batch.createNamespacedJob({ namespace, body: job('retries', 'fail-with-logs', { backoffLimit: 1 }) });
  await eventually('the Job to fail', async () => (await jobCondition('retries')) === 'Failed', 120_000);
  const pods = await podsOf('retries');
  assert.equal(pods.length, 2);
  assert.ok(pods.every((p) => p.status?.phase === 'Failed'));
});

test('test ground › restartPolicy OnFailure restarts the container in place and keeps the previous log', async () => {
  await core.createNamespacedPod({
    namespace,
    body: pod('restarts', 'fail-with-logs', { restartPolicy: 'OnFailure' }),
  });
  const restarted = await eventually('two restarts', async () => {
    const current = await core.readNamespacedPod({ name: 'restarts', namespace });
    return (current.status?.containerStatuses?.[0].restartCount ?? 0) >= 2 ? current : undefined;
  });
  assert.equal(restarted.status?.containerStatuses?.[0].lastState?.terminated?.exitCode, 2);
  const previous = await cp.kubectl(['logs', '-n', namespace, 'restarts', '--previous']);
  assert.equal(previous.code, 0, previous.stderr);
  assert.match(previous.stdout, /^line 1\n/);
  await core.deleteNamespacedPod({ name: 'restarts', namespace });
});

test('test ground › kubectl logs -f follows the output until the container ends, with timestamps', async () => {
  await core.createNamespacedPod({ namespace, body: pod('ticker', 'ticker') });
  await eventually(
    'the container to start',
    async () =>
      (await core.readNamespacedPod({ name: 'ticker', namespace })).status?.containerStatuses?.[0].state?.running,
  );
  const followed = await cp.kubectl(['logs', '-f', '--timestamps', '-n', namespace, 'ticker']);
  assert.equal(followed.code, 0, followed.stderr);
  const lines = followed.stdout.trimEnd().split('\n');
  assert.deepEqual(
    lines.map((line) => line.split(' ').slice(1).join(' ')),
    ['tick 1', 'tick 2', 'tick 3', 'tick 4', 'tick 5'],
  );
  for (const line of lines) assert.ok(!Number.isNaN(Date.parse(line.split(' ')[0])), `no timestamp in "${line}"`);
  const future = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  assert.equal((await cp.kubectl(['logs', '-n', namespace, 'ticker', `--since-time=${future}`])).stdout, '');
  assert.equal((await cp.kubectl(['logs', '-n', namespace, 'ticker', '--tail=2'])).stdout, 'tick 4\ntick 5\n');
});

test('test ground › deleting a pod sends SIGTERM, then the kubelet removes it', async () => {
  await core.createNamespacedPod({ namespace, body: pod('graceful', 'wait-for-sigterm') });
  await eventually(
    'the pod to run',
    async () => (await core.readNamespacedPod({ name: 'graceful', namespace })).status?.phase === 'Running',
  );
  await core.deleteNamespacedPod({ name: 'graceful', namespace, gracePeriodSeconds: 30 });
  await eventually('the pod to be gone', () =>
    core.readNamespacedPod({ name: 'graceful', namespace }).then(
      () => false,
      (e: { code?: number }) => e.code === 404,
    ),
  );
  assert.ok(sigtermSeen.has('graceful'));
});

test('test ground › a workload that ignores SIGTERM is killed after the grace period', async () => {
  await core.createNamespacedPod({ namespace, body: pod('stubborn', 'ignore-sigterm') });
  await eventually(
    'the pod to run',
    async () => (await core.readNamespacedPod({ name: 'stubborn', namespace })).status?.phase === 'Running',
  );
  await core.deleteNamespacedPod({ name: 'stubborn', namespace, gracePeriodSeconds: 1 });
  await eventually('the pod to be gone', () =>
    core.readNamespacedPod({ name: 'stubborn', namespace }).then(
      () => false,
      (e: { code?: number }) => e.code === 404,
    ),
  );
});

test('test ground › activeDeadlineSeconds fails the pod with DeadlineExceeded', async () => {
  await core.createNamespacedPod({
    namespace,
    body: pod('deadline', 'wait-for-sigterm', { activeDeadlineSeconds: 1 }),
  });
  const failed = await eventually('the deadline', async () => {
    const current = await core.readNamespacedPod({ name: 'deadline', namespace });
    return current.status?.containerStatuses?.[0].state?.terminated ? current : undefined;
  });
  assert.equal(failed.status?.phase, 'Failed');
  assert.equal(failed.status?.reason, 'DeadlineExceeded');
  assert.ok(sigtermSeen.has('deadline'));
});

test('test ground › a workload killed as by the OOM killer ends with 137 OOMKilled', async () => {
  await core.createNamespacedPod({ namespace, body: pod('hungry', 'ignore-sigterm') });
  await eventually(
    'the pod to run',
    async () => (await core.readNamespacedPod({ name: 'hungry', namespace })).status?.phase === 'Running',
  );
  assert.equal(cp.node?.oomKill(namespace, 'hungry'), true);
  const killed = await eventually(
    'the OOM kill',
    async () =>
      (await core.readNamespacedPod({ name: 'hungry', namespace })).status?.containerStatuses?.[0].state?.terminated,
  );
  assert.equal(killed.exitCode, 137);
  assert.equal(killed.reason, 'OOMKilled');
});

test('test ground › an evicted Job pod is Failed Evicted, stays, and the Job counts it as failed', async () => {
  await batch.createNamespacedJob({ namespace, body: job('evicted', 'wait-for-sigterm') });
  const running = await eventually('the pod to run', async () =>
    (await podsOf('evicted')).find((p) => p.status?.phase === 'Running'),
  );
  const name = running.metadata?.name ?? '';
  assert.ok(running.status?.containerStatuses?.length && running.status.podIP);
  assert.equal(cp.node?.evict(namespace, name), true);
  const evicted = await eventually('the eviction', async () => {
    const current = await core.readNamespacedPod({ name, namespace });
    return current.status?.reason === 'Evicted' ? current : undefined;
  });
  // As on 1.20 (before 1.22's pod lifecycle rework): the eviction manager's status replaces the
  // kubelet's, so nothing but phase, reason, message and startTime is left, and logs are gone.
  assert.deepEqual(Object.keys(evicted.status ?? {}).sort(), ['message', 'phase', 'reason', 'startTime']);
  assert.equal(evicted.status?.phase, 'Failed');
  assert.equal(evicted.status?.message, 'The node was low on resource: memory. ');
  assert.equal(evicted.status?.startTime?.toISOString(), running.status?.startTime?.toISOString());
  const logs = await cp.kubectl(['logs', '-n', namespace, name]);
  assert.notEqual(logs.code, 0);
  assert.match(logs.stderr, new RegExp(`container "main" in pod "${name}" is not available`));
  await eventually('the container to get SIGTERM', async () => sigtermSeen.has(name));
  // backoffLimit 0: the 1.20 job controller counts the evicted pod as a failure and gives up.
  await eventually('the Job to fail', async () => (await jobCondition('evicted')) === 'Failed', 120_000);
  const pods = await podsOf('evicted');
  assert.deepEqual(
    pods.map((p) => [p.metadata?.name, p.status?.reason, p.status?.containerStatuses]),
    [[name, 'Evicted', undefined]],
  );
});

test('test ground › a pod evicted through the Eviction API (kubectl drain) is deleted and replaced', async () => {
  await batch.createNamespacedJob({ namespace, body: job('drained', 'wait-for-sigterm') });
  const first = await eventually('the pod to run', async () =>
    (await podsOf('drained')).find((p) => p.status?.phase === 'Running'),
  );
  const name = first.metadata?.name ?? '';
  // What kubectl drain sends per pod; a 1.20 server serves the policy/v1beta1 Eviction.
  const eviction = { apiVersion: 'policy/v1beta1', kind: 'Eviction', metadata: { name, namespace } };
  await core.createNamespacedPodEviction({ name, namespace, body: eviction });
  await eventually('the container to get SIGTERM', async () => sigtermSeen.has(name));
  await eventually(
    'the evicted pod to go',
    async () => !(await podsOf('drained')).some((p) => p.metadata?.name === name),
  );
  const second = await eventually('a replacement pod', async () =>
    (await podsOf('drained')).find((p) => p.metadata?.name !== name && !p.metadata?.deletionTimestamp),
  );
  assert.notEqual(second.metadata?.uid, first.metadata?.uid);
  assert.equal(await jobCondition('drained'), undefined);
  await batch.deleteNamespacedJob({ name: 'drained', namespace, propagationPolicy: 'Background' });
});

test('test ground › a deleted pod of a running Job is replaced by the job controller', async () => {
  await batch.createNamespacedJob({ namespace, body: job('replaced', 'wait-for-sigterm') });
  const first = await eventually('the pod to run', async () =>
    (await podsOf('replaced')).find((p) => p.status?.phase === 'Running'),
  );
  await core.deleteNamespacedPod({ name: first.metadata?.name ?? '', namespace });
  const second = await eventually('a replacement pod', async () =>
    (await podsOf('replaced')).find((p) => p.metadata?.name !== first.metadata?.name && !p.metadata?.deletionTimestamp),
  );
  assert.notEqual(second.metadata?.uid, first.metadata?.uid);
  assert.equal(await jobCondition('replaced'), undefined);
  await batch.deleteNamespacedJob({ name: 'replaced', namespace, propagationPolicy: 'Background' });
});

test('test ground › a pod that asks for more GPUs than the node has stays Pending as Unschedulable', async () => {
  const greedy = pod('greedy', 'greet');
  greedy.spec!.containers[0].resources = { limits: { 'nvidia.com/gpu': '100' } };
  await core.createNamespacedPod({ namespace, body: greedy });
  const condition = await eventually('the scheduler verdict', async () =>
    (await core.readNamespacedPod({ name: 'greedy', namespace })).status?.conditions?.find(
      (c) => c.type === 'PodScheduled',
    ),
  );
  assert.equal(condition.status, 'False');
  assert.equal(condition.reason, 'Unschedulable');
  assert.match(condition.message ?? '', /Insufficient nvidia\.com\/gpu/);
});

test('test ground › deleting an owner (a LoraStudy) removes its LoraTrial, Job and Pods', async () => {
  const custom = cp.kubeConfig.makeApiClient(CustomObjectsApi);
  const study = (await custom.createNamespacedCustomObject({
    group: 'lorahpo.io',
    version: 'v1alpha1',
    namespace,
    plural: 'lorastudies',
    body: {
      apiVersion: 'lorahpo.io/v1alpha1',
      kind: 'LoraStudy',
      metadata: { name: 'owner' },
      spec: {
        objective: { metric: 'eval_loss', direction: 'minimize' },
        parameters: [{ name: 'lr', type: 'float', min: 0.1, max: 1 }],
      },
    },
  })) as { metadata: { uid: string } };
  const ownedBy = (kind: string, name: string, uid: string) => [
    { apiVersion: 'lorahpo.io/v1alpha1', kind, name, uid, controller: true, blockOwnerDeletion: true },
  ];
  const trial = (await custom.createNamespacedCustomObject({
    group: 'lorahpo.io',
    version: 'v1alpha1',
    namespace,
    plural: 'loratrials',
    body: {
      apiVersion: 'lorahpo.io/v1alpha1',
      kind: 'LoraTrial',
      metadata: { name: 'owner-0', ownerReferences: ownedBy('LoraStudy', 'owner', study.metadata.uid) },
      spec: { study: 'owner', number: 0, params: { lr: 0.5 }, seed: 1 },
    },
  })) as { metadata: { uid: string } };
  const owned = job('owner-0', 'wait-for-sigterm');
  owned.metadata!.ownerReferences = ownedBy('LoraTrial', 'owner-0', trial.metadata.uid);
  await batch.createNamespacedJob({ namespace, body: owned });
  await eventually('the trial pod to run', async () =>
    (await podsOf('owner-0')).some((p) => p.status?.phase === 'Running'),
  );
  await custom.deleteNamespacedCustomObject({
    group: 'lorahpo.io',
    version: 'v1alpha1',
    namespace,
    plural: 'lorastudies',
    name: 'owner',
  });
  await eventually(
    'the garbage collector to remove trial, Job and pods',
    async () => {
      const trials = (await custom.listNamespacedCustomObject({
        group: 'lorahpo.io',
        version: 'v1alpha1',
        namespace,
        plural: 'loratrials',
      })) as { items: unknown[] };
      const jobs = (await batch.listNamespacedJob({ namespace })).items.filter((j) => j.metadata?.name === 'owner-0');
      return trials.items.length === 0 && jobs.length === 0 && (await podsOf('owner-0')).length === 0;
    },
    120_000,
  );
});
