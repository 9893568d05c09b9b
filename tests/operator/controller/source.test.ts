/**
 * InformerSource against a scripted HTTP watch endpoint: it restarts client-node's informer
 * after errors (list failures, a 500 on the watch), re-lists after 410 Gone, and keeps the
 * cache and the change handlers right through all of it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { InformerSource } from '../../../operator/src/controller/runtime/source.ts';
import { silentLogger } from '../../../operator/src/controller/logger.ts';

type Answer = { status: number } | { events: object[]; keepOpen?: boolean };

async function watchServer(answers: Answer[]) {
  const seen: string[] = [];
  const server = http.createServer((request, response) => {
    seen.push(request.url ?? '');
    const answer = answers.shift() ?? { events: [], keepOpen: true };
    if ('status' in answer) return void response.writeHead(answer.status).end('{}');
    response.writeHead(200, { 'content-type': 'application/json' });
    for (const event of answer.events) response.write(JSON.stringify(event) + '\n');
    if (!answer.keepOpen) response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      { name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true },
    ],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return {
    kubeConfig,
    seen,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

const pod = (name: string, rv: string): KubernetesObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns', resourceVersion: rv },
});

function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = (): void =>
      predicate() ? resolve() : Date.now() > deadline ? reject(new Error('timed out')) : void setTimeout(check, 5);
    check();
  });
}

test('informer source › restarts after a failed list and a 500 watch, re-lists after 410, reports deletions', async () => {
  const answers: Answer[] = [
    { status: 500 },
    {
      events: [
        { type: 'ADDED', object: pod('b', '11') },
        { type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } },
      ],
    },
  ];
  const server = await watchServer(answers);
  const lists: Array<() => KubernetesObject[]> = [
    () => {
      throw new Error('connection refused');
    },
    () => [pod('a', '10')],
    () => [pod('b', '12')],
  ];
  let listCalls = 0;
  const list = async (): Promise<KubernetesListObject<KubernetesObject>> => {
    const items = (lists[Math.min(listCalls++, lists.length - 1)] as () => KubernetesObject[])();
    return { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: String(10 + listCalls) }, items };
  };
  const source = new InformerSource({
    name: 'pods',
    kubeConfig: server.kubeConfig,
    path: '/api/v1/namespaces/ns/pods',
    list,
    logger: silentLogger(),
    minBackoffMs: 5,
    rewatchDelayMs: 5,
  });
  const changes: string[] = [];
  source.onChange((object, event) => changes.push(`${event} ${object.metadata?.name}`));
  const abort = new AbortController();
  const running = source.start(abort.signal);
  try {
    await source.waitForSync(abort.signal);
    assert.equal(source.hasSynced, true);
    await until(() => listCalls >= 3 && source.get('a', 'ns') === undefined && source.get('b', 'ns') !== undefined);
    assert.deepEqual(changes, ['add a', 'add b', 'delete a', 'update b']);
    assert.ok(
      server.seen.filter((url) => url.includes('watch=true')).length >= 2,
      'the watch was opened again after the 500',
    );
  } finally {
    abort.abort();
    await running;
    server.close();
  }
});
