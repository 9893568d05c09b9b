import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { LineSplitter, TrialLog } from '../../../operator/src/controller/trial-log.ts';
import { LogFollower } from '../../../operator/src/controller/log-follower.ts';
import { silentLogger } from '../../../operator/src/controller/logger.ts';

const metric = (step: number, value: number) => JSON.stringify({ type: 'metric', name: 'eval_loss', value, step });

/** A follower whose every opened log is a fresh stream the test writes to. */
function followerOnStreams(onUpdate: (namespace: string, study: string, isComplete: boolean) => void): {
  follower: LogFollower;
  streams: PassThrough[];
} {
  const streams: PassThrough[] = [];
  const follower = new LogFollower({
    logger: silentLogger(),
    retryMs: 5,
    onUpdate,
    open: async () => {
      const stream = new PassThrough();
      streams.push(stream);
      return stream;
    },
  });
  return { follower, streams };
}

test('trial log › keeps one value per step, so reading a log twice changes nothing', () => {
  const log = new TrialLog();
  const lines = [
    'loading model',
    metric(10, 2.5),
    metric(20, 2.1),
    '{"type":"metric","name":"eval_loss"}',
    JSON.stringify({ type: 'result', value: 2.0 }),
  ];
  for (const line of lines) log.apply(line);
  const first = { curve: log.curve('eval_loss'), result: log.result };
  const changed = lines.map((line) => log.apply(line));
  assert.deepEqual(changed, [false, false, false, false, false]);
  assert.deepEqual(log.curve('eval_loss'), first.curve);
  assert.deepEqual(first.curve, [
    { step: 10, value: 2.5 },
    { step: 20, value: 2.1 },
  ]);
  assert.equal(log.result?.value, 2.0);
  assert.equal(log.malformed.length, 1, 'a contract violation is noted once');
});

test('line splitter › joins lines split across chunks', () => {
  const splitter = new LineSplitter();
  const lines: string[] = [];
  splitter.push('{"a":', (l) => lines.push(l));
  splitter.push('1}\r\nsecond\nthi', (l) => lines.push(l));
  splitter.end((l) => lines.push(l));
  assert.deepEqual(lines, ['{"a":1}', 'second', 'thi']);
});

test('log follower › resumes from the start after a broken stream and completes on a finished pod', async () => {
  const updates: string[] = [];
  const { follower, streams } = followerOnStreams((ns, study, isComplete) =>
    updates.push(`${ns}/${study}${isComplete ? ' complete' : ''}`),
  );
  const abort = new AbortController();
  const running = follower.start(abort.signal);
  const target = { namespace: 'ns', pod: 'qa-0-abc', trial: 'qa-0', study: 'qa', isFinished: false };
  follower.follow(target);
  follower.follow(target);
  await new Promise((r) => setImmediate(r));
  assert.equal(streams.length, 1, 'one stream per pod');
  streams[0].write(metric(1, 3) + '\n' + metric(2, 2.5) + '\n');
  await new Promise((r) => setImmediate(r));
  streams[0].destroy(new Error('connection reset'));
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(streams.length, 2, 'reopened after the back-off');
  streams[1].end(metric(1, 3) + '\n' + metric(2, 2.5) + '\n' + metric(3, 2.2) + '\n');
  await new Promise((r) => setTimeout(r, 5));
  follower.follow({ ...target, isFinished: true });
  await new Promise((r) => setImmediate(r));
  const last = streams.at(-1) as PassThrough;
  last.end(metric(3, 2.2) + '\n' + JSON.stringify({ type: 'result', value: 2.2 }));
  await new Promise((r) => setTimeout(r, 5));
  const report = follower.report('ns', 'qa-0');
  assert.equal(report?.isComplete, true);
  assert.deepEqual(
    report?.log.curve('eval_loss').map((p) => p.step),
    [1, 2, 3],
  );
  assert.equal(report?.log.result?.value, 2.2);
  assert.equal(updates.at(-1), 'ns/qa complete', "the finished pod's whole log says so");
  assert.ok(updates.length > 1 && updates.slice(0, -1).every((u) => u === 'ns/qa'));
  abort.abort();
  await running;
  assert.equal(follower.followed, 0);
});

test('log follower › a log whose result line was read is complete: no second read once the pod finishes', async () => {
  const updates: boolean[] = [];
  const { follower, streams } = followerOnStreams((_ns, _study, isComplete) => updates.push(isComplete));
  const abort = new AbortController();
  const running = follower.start(abort.signal);
  const target = { namespace: 'ns', pod: 'qa-0-abc', trial: 'qa-0', study: 'qa', isFinished: false };
  follower.follow(target);
  await new Promise((r) => setImmediate(r));
  streams[0].write(metric(1, 3) + '\n');
  await new Promise((r) => setImmediate(r));
  assert.equal(follower.report('ns', 'qa-0')?.isComplete, false, 'metric lines alone may be followed by more');
  streams[0].end(metric(2, 2.5) + '\n' + JSON.stringify({ type: 'result', value: 2.5 }) + '\n');
  await new Promise((r) => setTimeout(r, 20));
  follower.follow({ ...target, isFinished: true });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(streams.length, 1, 'neither re-read after the clean end nor once the pod finished');
  assert.equal(follower.report('ns', 'qa-0')?.isComplete, true);
  assert.deepEqual(
    follower
      .report('ns', 'qa-0')
      ?.log.curve('eval_loss')
      .map((p) => p.step),
    [1, 2],
  );
  assert.equal(updates.at(-1), true);
  abort.abort();
  await running;
});
