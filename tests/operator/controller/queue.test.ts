import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from '../../../operator/src/controller/runtime/queue.ts';
import { ExponentialFailureRateLimiter } from '../../../operator/src/controller/runtime/rate-limiter.ts';

/** The next `count` keys in the order the queue hands them out. */
async function take(queue: WorkQueue, count: number): Promise<Array<string | undefined>> {
  const keys: Array<string | undefined> = [];
  for (let i = 0; i < count; i++) keys.push(await queue.get());
  return keys;
}

test('work queue › holds a key once however often it is added', async () => {
  const queue = new WorkQueue();
  queue.add('ns/a');
  queue.add('ns/a');
  queue.add('ns/b');
  assert.equal(queue.length, 2);
  assert.equal(await queue.get(), 'ns/a');
  assert.equal(await queue.get(), 'ns/b');
});

test('work queue › a key in process is not handed out again until done, then it is', async () => {
  const queue = new WorkQueue();
  queue.add('ns/a');
  const key = await queue.get();
  queue.add('ns/a');
  assert.equal(queue.length, 0, 'not queued while processing');
  let second: string | undefined;
  void queue.get().then((k) => (second = k));
  await new Promise((r) => setImmediate(r));
  assert.equal(second, undefined);
  queue.done(key as string);
  await new Promise((r) => setImmediate(r));
  assert.equal(second, 'ns/a');
});

test('work queue › addAfter keeps the earliest deadline', async () => {
  const queue = new WorkQueue();
  queue.addAfter('ns/a', 10_000);
  queue.addAfter('ns/a', 5);
  const started = Date.now();
  assert.equal(await queue.get(), 'ns/a');
  assert.ok(Date.now() - started < 5_000);
  queue.shutDown();
});

test('work queue › rate-limited adds back off per key', async () => {
  const queue = new WorkQueue({ rateLimiter: new ExponentialFailureRateLimiter({ baseDelayMs: 1, jitter: 0 }) });
  queue.addRateLimited('ns/a');
  queue.addRateLimited('ns/a');
  assert.equal(queue.failures('ns/a'), 2);
  assert.equal(await queue.get(), 'ns/a');
  queue.forget('ns/a');
  assert.equal(queue.failures('ns/a'), 0);
});

test('work queue › shut down wakes waiting workers with undefined and drops new keys', async () => {
  const queue = new WorkQueue();
  const waiting = queue.get();
  queue.shutDown();
  assert.equal(await waiting, undefined);
  queue.add('ns/a');
  assert.equal(await queue.get(), undefined);
});

test('work queue › tells its observer the length and how long each key waited', async () => {
  const depths: number[] = [];
  const waits: number[] = [];
  const queue = new WorkQueue({ observer: { depth: (n) => depths.push(n), waited: (ms) => waits.push(ms) } });
  queue.add('ns/a');
  queue.add('ns/b');
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(await queue.get(), 'ns/a');
  assert.deepEqual(depths, [1, 2, 1]);
  assert.equal(waits.length, 1);
  assert.ok(waits[0] >= 25, `waited ${waits[0]} ms`);
  const next = queue.get();
  queue.done('ns/a');
  assert.equal(await next, 'ns/b');
  assert.equal(waits.length, 2);
});

test('work queue › normal keys are handed out before low ones, each lane in order', async () => {
  const queue = new WorkQueue();
  queue.add('ns/values-1', 'low');
  queue.add('ns/end-1');
  queue.add('ns/values-2', 'low');
  queue.add('ns/end-2');
  assert.deepEqual(await take(queue, 4), ['ns/end-1', 'ns/end-2', 'ns/values-1', 'ns/values-2']);
});

test('work queue › a low key added again as normal moves up, once; normal never drops to low', async () => {
  const queue = new WorkQueue();
  queue.add('ns/a', 'low');
  queue.add('ns/b');
  queue.add('ns/a');
  queue.add('ns/b', 'low');
  queue.add('ns/c');
  assert.equal(queue.length, 3);
  assert.deepEqual(await take(queue, 3), ['ns/b', 'ns/a', 'ns/c']);
});

test('work queue › a key raised while it is processed comes back in the normal lane', async () => {
  const queue = new WorkQueue();
  queue.add('ns/a');
  const key = await queue.get();
  queue.add('ns/a', 'low');
  queue.add('ns/b', 'low');
  queue.add('ns/a');
  queue.done(key as string);
  assert.equal(await queue.get(), 'ns/a');
  assert.equal(await queue.get(), 'ns/b');
});

test('work queue › a delayed add keeps the earlier deadline and the higher lane of the adds it merged', async () => {
  const queue = new WorkQueue();
  queue.addAfter('ns/low', 5, 'low');
  queue.addAfter('ns/raised', 30, 'low');
  queue.addAfter('ns/raised', 60);
  queue.addAfter('ns/kept', 20);
  queue.addAfter('ns/kept', 50, 'low');
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(queue.length, 3);
  assert.deepEqual(await take(queue, 3), ['ns/kept', 'ns/raised', 'ns/low'], 'normal first although low was due first');
});
