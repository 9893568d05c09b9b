/**
 * Seeded property tests of the journal: a journal cut at any byte with any garbage after it
 * opens to exactly its whole records (or a LorahpoError naming damage before them), and the next
 * record lands on its own line; events in any order, repeated or missing, replay without
 * anything but a LorahpoError.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Journal, readJournal, type JournalEvent } from '../../operator/src/runner/journal.ts';
import { replayJournal, trialList } from '../../operator/src/runner/journal-state.ts';
import type { LoraTrial } from '../../operator/src/api/trial.ts';
import { LorahpoError } from '../../operator/src/errors.ts';
import { fuzzOptions } from './fuzz-options.ts';

const time = '2026-01-01T00:00:00.000Z';
const trial = (number: number): LoraTrial => ({
  apiVersion: 'lorahpo.io/v1alpha1',
  kind: 'LoraTrial',
  metadata: { name: `demo-${number}` },
  spec: { study: 'demo', number, params: { x: number / 10 }, seed: number, historyCutoff: 0 },
});

/** A plausible journal: each trial started, a few metrics, then finished or pruned. */
const events = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.boolean(), fc.double({ min: 0, max: 10, noNaN: true })), {
    minLength: 1,
    maxLength: 5,
  })
  .map((trials) => {
    const out: JournalEvent[] = [];
    trials.forEach(([steps, isPruned, value], number) => {
      out.push(
        { type: 'started', time, trial: trial(number), attempt: 1 },
        { type: 'spawned', name: `demo-${number}`, pid: 1000 + number },
      );
      for (let step = 1; step <= steps; step += 1)
        out.push({ type: 'metric', name: `demo-${number}`, step, value: value + step });
      if (isPruned) out.push({ type: 'pruned', time, name: `demo-${number}`, step: steps, message: 'pruned' });
      else out.push({ type: 'finished', time, name: `demo-${number}`, status: { phase: 'Succeeded', value } });
    });
    return out;
  });

const garbage = fc.oneof(
  fc.constant(''),
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom('{"type":"started"}\n', '\0\0\0', '{"type":"metric",', 'null\n'),
);

function writeJournal(list: readonly JournalEvent[]): { path: string; bytes: Buffer } {
  const path = join(mkdtempSync(join(tmpdir(), 'lorahpo-journal-fuzz-')), 'journal.jsonl');
  const journal = new Journal(path);
  for (const event of list) journal.append(event);
  journal.close();
  return { path, bytes: readFileSync(path) };
}

test('fuzz › a journal torn at any byte, with any garbage after, opens to its whole records and goes on', () => {
  fc.assert(
    fc.property(events, fc.double({ min: 0, max: 1, noNaN: true }), garbage, (list, where, tail) => {
      const { path, bytes } = writeJournal(list);
      const cut = Math.floor(where * bytes.length);
      writeFileSync(path, Buffer.concat([bytes.subarray(0, cut), Buffer.from(tail)]));
      const whole = bytes.subarray(0, cut).toString('utf8').split('\n').length - 1;
      let journal: Journal;
      try {
        journal = new Journal(path);
      } catch (error) {
        // Only garbage that holds a whole record after a bad line may read as damage.
        assert.ok(error instanceof LorahpoError, String(error));
        return;
      }
      const extra: JournalEvent = { type: 'spawned', name: 'demo-0', pid: 4242 };
      journal.append(extra);
      journal.close();
      const read = readJournal(path);
      assert.deepEqual(read.slice(0, whole), list.slice(0, whole));
      assert.deepEqual(read.at(-1), extra, 'the next record is whole and last');
    }),
    fuzzOptions(100),
  );
});

test('fuzz › events in any order, repeated or missing, replay without a crash', () => {
  fc.assert(
    fc.property(events, fc.array(fc.nat(), { maxLength: 40 }), (list, picks) => {
      const shuffled = picks.map((pick) => list[pick % list.length]);
      try {
        trialList(replayJournal(shuffled));
      } catch (error) {
        assert.ok(error instanceof LorahpoError, String(error));
      }
    }),
    fuzzOptions(300),
  );
});
