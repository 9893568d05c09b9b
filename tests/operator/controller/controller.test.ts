import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Controller } from '../../../operator/src/controller/runtime/controller.ts';
import { TerminalError } from '../../../operator/src/controller/runtime/terminal-error.ts';
import { ExponentialFailureRateLimiter } from '../../../operator/src/controller/runtime/rate-limiter.ts';
import { silentLogger } from '../../../operator/src/controller/logger.ts';
import { OperatorMetrics } from '../../../operator/src/controller/metrics.ts';

const fastRetries = () => new ExponentialFailureRateLimiter({ baseDelayMs: 1, jitter: 0 });

function until(predicate: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => (predicate() ? resolve() : void setTimeout(check, 2));
    check();
  });
}

test('controller › never runs one key in two workers, runs different keys at once', async () => {
  let running = 0;
  let maxSameKey = 0;
  let maxAll = 0;
  const perKey = new Map<string, number>();
  const calls: string[] = [];
  const controller = new Controller({
    name: 't',
    logger: silentLogger(),
    maxConcurrentReconciles: 4,
    reconciler: async (key) => {
      calls.push(key);
      perKey.set(key, (perKey.get(key) ?? 0) + 1);
      running++;
      maxSameKey = Math.max(maxSameKey, perKey.get(key) as number);
      maxAll = Math.max(maxAll, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      perKey.set(key, (perKey.get(key) as number) - 1);
    },
  });
  const abort = new AbortController();
  const done = controller.start(abort.signal);
  for (let i = 0; i < 20; i++) controller.enqueue(`ns/${i % 3}`);
  await until(() => calls.length >= 3 && running === 0);
  controller.enqueue('ns/0');
  await until(() => calls.length >= 4 && running === 0);
  abort.abort();
  await done;
  assert.equal(maxSameKey, 1);
  assert.ok(maxAll > 1, 'different keys ran concurrently');
  assert.ok(calls.length <= 7, `20 adds of 3 keys deduplicated to at most 2 runs each plus one: ${calls.length} calls`);
});

test('controller › retries a throwing reconcile with back-off, never a terminal error', async () => {
  const metrics = new OperatorMetrics();
  const attempts = new Map<string, number>();
  const controller = new Controller({
    name: 't',
    logger: silentLogger(),
    metrics,
    rateLimiter: fastRetries(),
    reconciler: async (key) => {
      const n = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, n);
      if (key === 'ns/terminal') throw new TerminalError('bad spec');
      if (n < 3) throw new Error('transient');
    },
  });
  const abort = new AbortController();
  const done = controller.start(abort.signal);
  controller.enqueue('ns/flaky');
  controller.enqueue('ns/terminal');
  await until(() => attempts.get('ns/flaky') === 3);
  await new Promise((r) => setTimeout(r, 30));
  abort.abort();
  await done;
  assert.equal(attempts.get('ns/flaky'), 3);
  assert.equal(attempts.get('ns/terminal'), 1);
  const text = await metrics.registry.metrics();
  assert.match(text, /lorahpo_reconcile_total\{controller="t",result="terminal"\} 1/);
  assert.match(text, /lorahpo_reconcile_total\{controller="t",result="error"\} 2/);
});

test('controller › requeueAfterMs brings the key back; start queues the initial keys', async () => {
  const seen: string[] = [];
  const controller = new Controller({
    name: 't',
    logger: silentLogger(),
    initialKeys: () => ['ns/a'],
    reconciler: async (key) => {
      seen.push(key);
      return seen.length < 3 ? { requeueAfterMs: 1 } : {};
    },
  });
  const abort = new AbortController();
  const done = controller.start(abort.signal);
  await until(() => seen.length === 3);
  abort.abort();
  await done;
  assert.deepEqual(seen, ['ns/a', 'ns/a', 'ns/a']);
});

test('controller › initial keys go in the low lane: a change seen live is reconciled before them', async () => {
  const seen: string[] = [];
  let release: () => void = () => {};
  const first = new Promise<void>((resolve) => (release = resolve));
  const controller = new Controller({
    name: 't',
    logger: silentLogger(),
    initialKeys: () => ['ns/a', 'ns/b', 'ns/c'],
    reconciler: async (key) => {
      seen.push(key);
      if (seen.length === 1) await first;
    },
  });
  const abort = new AbortController();
  const done = controller.start(abort.signal);
  await until(() => seen.length === 1);
  controller.enqueue('ns/live');
  release();
  await until(() => seen.length === 4);
  abort.abort();
  await done;
  assert.deepEqual(seen, ['ns/a', 'ns/live', 'ns/b', 'ns/c']);
});
