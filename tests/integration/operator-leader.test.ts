/**
 * Two operator replicas with leader election on a Lease: only the leader creates trials; when
 * the leader is killed, the other takes over within the lease time and finishes the study.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { CoordinationV1Api } from '@kubernetes/client-node';
import type { ControlPlane } from '../harness/control-plane.ts';
import { freePort } from '../harness/free-port.ts';
import {
  createNamespace,
  createStudy,
  eventually,
  readTrials,
  spawnOperator,
  startCluster,
  studyFinished,
  studyManifest,
} from './support/cluster.ts';
import { objectiveWorkload } from './support/objective.ts';

let cp: ControlPlane;
const replicas: ChildProcess[] = [];
const LEASE_SECONDS = 3;

before(async () => {
  cp = await startCluster(objectiveWorkload({ stepMs: 100 }));
});

after(async () => {
  for (const replica of replicas) replica.kill('SIGKILL');
  await cp?.stop();
});

async function holder(namespace: string): Promise<string | undefined> {
  const lease = await cp.directKubeConfig
    .makeApiClient(CoordinationV1Api)
    .readNamespacedLease({ namespace, name: 'lorahpo-operator' });
  return lease.spec?.holderIdentity || undefined;
}

test('operator › two replicas: one leads; killing it hands over within the lease time', async () => {
  const namespace = await createNamespace(cp, 'leader');
  const args = (identity: string) => [
    '--leader-elect',
    '--leader-election-namespace',
    namespace,
    '--identity',
    identity,
  ];
  const env = {
    LORAHPO_LEASE_DURATION_MS: String(LEASE_SECONDS * 1000),
    LORAHPO_LEASE_RENEW_DEADLINE_MS: '2000',
    LORAHPO_LEASE_RETRY_MS: '500',
  };
  Object.assign(process.env, env);
  const byIdentity = new Map<string, ChildProcess>();
  const ports = new Map<string, number>();
  for (const identity of ['replica-a', 'replica-b']) {
    const port = await freePort();
    const replica = spawnOperator(cp, namespace, [...args(identity), '--metrics-port', String(port)]);
    replicas.push(replica);
    byIdentity.set(identity, replica);
    ports.set(identity, port);
  }
  const leader = await eventually('a leader', () => holder(namespace), 30_000);
  await createStudy(cp, studyManifest('ha', namespace, { budget: { maxTrials: 8, parallelTrials: 2 } }));
  await eventually(
    'trials started by the leader',
    async () => ((await readTrials(cp, namespace)).length > 0 ? true : undefined),
    30_000,
  );
  const follower = leader === 'replica-a' ? 'replica-b' : 'replica-a';
  // A replica that won no lease may still be starting its metrics server on a loaded machine.
  const metricsOf = (identity: string) =>
    eventually(
      `${identity}'s /metrics`,
      async () => (await fetch(`http://127.0.0.1:${ports.get(identity)}/metrics`)).text(),
      30_000,
    );
  const followerMetrics = await metricsOf(follower);
  const leaderMetrics = await metricsOf(leader);
  assert.match(leaderMetrics, /lorahpo_api_requests_total\{verb="create",resource="loratrials"\} [1-9]/);
  assert.doesNotMatch(followerMetrics, /verb="create"/, 'the replica without the lease created nothing');
  assert.doesNotMatch(followerMetrics, /lorahpo_reconcile_total\{/, 'the replica without the lease reconciled nothing');
  assert.match(followerMetrics, /lorahpo_leader 0/);
  byIdentity.get(leader)?.kill('SIGKILL');
  const killedAt = Date.now();
  const successor = await eventually(
    'a new leader',
    async () => {
      const current = await holder(namespace);
      return current && current !== leader ? current : undefined;
    },
    30_000,
    100,
  );
  const handoverMs = Date.now() - killedAt;
  assert.notEqual(successor, leader);
  assert.ok(
    handoverMs < (LEASE_SECONDS + 2) * 1000 + 1500,
    `handover took ${handoverMs} ms; lease is ${LEASE_SECONDS} s`,
  );
  const study = await studyFinished(cp, namespace, 'ha', 120_000);
  assert.equal(study.status?.phase, 'Succeeded');
  assert.equal((await readTrials(cp, namespace)).length, 8);
});
