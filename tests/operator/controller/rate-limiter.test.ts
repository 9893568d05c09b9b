import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  TokenBucketRateLimiter,
} from '../../../operator/src/controller/runtime/rate-limiter.ts';

test('exponential limiter › doubles from 5 ms per key and caps at ~1000 s', () => {
  const limiter = new ExponentialFailureRateLimiter({ jitter: 0 });
  const delays = Array.from({ length: 5 }, () => limiter.when('a'));
  assert.deepEqual(delays, [5, 10, 20, 40, 80]);
  assert.equal(limiter.when('b'), 5, 'another key has its own history');
  for (let i = 0; i < 40; i++) limiter.when('a');
  assert.equal(limiter.when('a'), 1_000_000);
  limiter.forget('a');
  assert.equal(limiter.when('a'), 5);
});

test('exponential limiter › jitter adds at most the given fraction', () => {
  const limiter = new ExponentialFailureRateLimiter({ jitter: 0.1, random: () => 0.999 });
  const delay = limiter.when('a');
  assert.ok(delay > 5 && delay < 5.5, `delay ${delay}`);
});

test('token bucket › lets a burst through, then spaces retries at the rate', () => {
  let now = 0;
  const bucket = new TokenBucketRateLimiter({ ratePerSecond: 10, burst: 3, now: () => now });
  assert.deepEqual([bucket.when(), bucket.when(), bucket.when()], [0, 0, 0]);
  assert.equal(Math.round(bucket.when()), 100);
  assert.equal(Math.round(bucket.when()), 200);
  now = 1000;
  assert.equal(bucket.when(), 0, 'refilled after a second');
});

test('max-of limiter › the larger delay wins', () => {
  const now = 0;
  const limiter = new MaxOfRateLimiter(
    new ExponentialFailureRateLimiter({ jitter: 0 }),
    new TokenBucketRateLimiter({ ratePerSecond: 1, burst: 1, now: () => now }),
  );
  assert.equal(limiter.when('a'), 5);
  assert.equal(Math.round(limiter.when('b')), 1000);
  assert.equal(limiter.failures('a'), 1);
});
