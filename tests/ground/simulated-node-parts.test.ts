// The simulated node's pure parts, without a control plane: quantities, scheduling verdicts,
// $(VAR) expansion, the log store and the termination message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandReferences } from '../harness/simulated-node/container-env.ts';
import { LogStore } from '../harness/simulated-node/log-store.ts';
import { unschedulableReason } from '../harness/simulated-node/pod-resources.ts';
import { parseQuantity } from '../harness/simulated-node/quantity.ts';
import { terminationMessage } from '../harness/simulated-node/termination-message.ts';

test('simulated node › quantities parse as Kubernetes writes them', () => {
  assert.equal(parseQuantity('500m'), 0.5);
  assert.equal(parseQuantity('2Gi'), 2 * 2 ** 30);
  assert.equal(parseQuantity('1e3'), 1000);
  assert.equal(parseQuantity(4), 4);
  assert.throws(() => parseQuantity('lots'), /"lots" is not a Kubernetes quantity/);
});

test('simulated node › $(VAR) expands only names defined before; $$ escapes', () => {
  assert.equal(expandReferences('$(A)-$(B)-$$(A)', { A: 'a' }), 'a-$(B)-$(A)');
});

test('simulated node › the scheduler refuses what does not fit, in its own words', () => {
  const node = {
    metadata: { labels: { gpu: 'h100' } },
    spec: { taints: [{ key: 'dedicated', value: 'ml', effect: 'NoSchedule' }] },
    status: { allocatable: { 'nvidia.com/gpu': '2', pods: '10' } },
  };
  const tolerating = { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ml', effect: 'NoSchedule' }] };
  const gpuPod = (count: string, spec: object = tolerating) => ({
    spec: { ...spec, containers: [{ name: 'c', resources: { limits: { 'nvidia.com/gpu': count } } }] },
  });
  assert.equal(unschedulableReason(gpuPod('1'), node, new Map([['nvidia.com/gpu', 1]])), undefined);
  assert.match(
    unschedulableReason(gpuPod('1'), node, new Map([['nvidia.com/gpu', 2]])) ?? '',
    /Insufficient nvidia\.com\/gpu/,
  );
  assert.match(unschedulableReason(gpuPod('1', {}), node, new Map()) ?? '', /had taint \{dedicated: ml\}/);
  assert.match(
    unschedulableReason(gpuPod('1', { ...tolerating, nodeSelector: { gpu: 'a100' } }), node, new Map()) ?? '',
    /didn't match node selector/,
  );
});

test('simulated node › the log store splits lines, flushes the last one on close and ends followers', () => {
  const logs = new LogStore();
  const followed: (string | null)[] = [];
  logs.follow((entry) => followed.push(entry?.text ?? null));
  logs.write('stdout', 'a\nb');
  logs.write('stdout', 'c\n');
  logs.write('stderr', 'tail');
  logs.close();
  logs.write('stdout', 'dropped\n');
  assert.deepEqual(
    logs.entries.map((e) => e.text),
    ['a\n', 'bc\n', 'tail'],
  );
  assert.deepEqual(followed, ['a\n', 'bc\n', 'tail', null]);
  const stamps = logs.entries.map((e) => e.timestamp);
  assert.deepEqual([...stamps].sort(), stamps);
  assert.equal(new Set(stamps).size, stamps.length);
});

test('simulated node › the termination message comes from the file, else the log tail on failure when asked', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lorahpo-tm-'));
  const file = join(dir, 'termination-log');
  const logs = new LogStore();
  for (let i = 1; i <= 100; i += 1) logs.write('stdout', `line ${i}\n`);
  writeFileSync(file, '');
  const fallback = { name: 'c', terminationMessagePolicy: 'FallbackToLogsOnError' };
  assert.equal(terminationMessage(fallback, file, { exitCode: 0, reason: 'Completed' }, logs), undefined);
  assert.equal(terminationMessage({ name: 'c' }, file, { exitCode: 1, reason: 'Error' }, logs), undefined);
  const tail = terminationMessage(fallback, file, { exitCode: 1, reason: 'Error' }, logs) ?? '';
  assert.equal(tail.split('\n')[0], 'line 21');
  writeFileSync(file, 'x'.repeat(5000));
  assert.equal(terminationMessage(fallback, file, { exitCode: 1, reason: 'Error' }, logs)?.length, 4096);
});
