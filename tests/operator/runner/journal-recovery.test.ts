import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, readJournal, type JournalEvent } from '../../../operator/src/runner/journal.ts';
import type { LoraTrial } from '../../../operator/src/api/trial.ts';
import { writeFixtureStudy } from '../../fixtures/study.ts';
import { runStudy, studyOutcome } from './helpers.ts';

const trial: LoraTrial = {
  apiVersion: 'lorahpo.io/v1alpha1',
  kind: 'LoraTrial',
  metadata: { name: 'demo-0' },
  spec: { study: 'demo', number: 0, params: { x: 1 }, seed: 5, historyCutoff: 0 },
};
const time = '2026-01-01T00:00:00.000Z';
const events: JournalEvent[] = [
  { type: 'started', time, trial, attempt: 1 },
  { type: 'metric', name: 'demo-0', step: 1, value: 3 },
  { type: 'finished', time, name: 'demo-0', status: { phase: 'Succeeded', value: 2 } },
];

function writtenJournal(): { path: string; bytes: Buffer } {
  const path = join(mkdtempSync(join(tmpdir(), 'lorahpo-journal-')), 'journal.jsonl');
  const journal = new Journal(path);
  for (const event of events) journal.append(event);
  journal.close();
  return { path, bytes: readFileSync(path) };
}

test('journal recovery › torn at every byte of its last record, open cuts back to the whole records and goes on', () => {
  const { path, bytes } = writtenJournal();
  const lastStart = bytes.lastIndexOf(0x0a, bytes.length - 2) + 1;
  const extra: JournalEvent = { type: 'metric', name: 'demo-0', step: 2, value: 1 };
  for (let cut = lastStart; cut < bytes.length; cut += 1) {
    writeFileSync(path, bytes.subarray(0, cut));
    assert.deepEqual(readJournal(path), events.slice(0, -1), `cut at byte ${cut}`);
    const journal = new Journal(path);
    assert.equal(
      journal.repairedTail === undefined,
      cut === lastStart,
      `cut at byte ${cut}: said once, and only when cut`,
    );
    if (cut > lastStart)
      assert.match(journal.repairedTail ?? '', new RegExp(`cut a torn tail from line 3 \\(${cut - lastStart} bytes`));
    journal.append(extra);
    journal.close();
    assert.deepEqual(
      readJournal(path),
      [...events.slice(0, -1), extra],
      `cut at byte ${cut}: the next record starts on its own line`,
    );
    assert.equal(new Journal(path).repairedTail, undefined, 'a second open finds nothing to repair');
  }
});

test('journal recovery › garbage or malformed events at the end are cut; in the middle they are an error naming the line', () => {
  const tails = [
    'garbage\n',
    'garbage',
    '\0\0\0\0',
    '{"type":"started"}\n',
    '{"type":"nope"}\n',
    '[]\n',
    '{"type":"metric","name":"x","step":1,"value":"NaN"}\n',
  ];
  for (const tail of tails) {
    const { path, bytes } = writtenJournal();
    appendFileSync(path, tail);
    assert.deepEqual(readJournal(path), events, JSON.stringify(tail));
    assert.match(new Journal(path).repairedTail ?? '', /cut a torn tail from line 4/);
    assert.deepEqual(readFileSync(path), bytes, `${JSON.stringify(tail)}: the file is cut back to its whole records`);
  }
  const { path, bytes } = writtenJournal();
  writeFileSync(path, Buffer.concat([Buffer.from('{"type":"started"}\n'), bytes]));
  assert.throws(
    () => readJournal(path),
    /journal\.jsonl:1: not a journal event \(a started event without the fields it needs\)/,
  );
  assert.throws(() => new Journal(path), /journal\.jsonl:1: not a journal event/);
  assert.deepEqual(readFileSync(path).subarray(19), bytes, 'a damaged journal is left as it is');
});

/** Byte offsets, within the last record and across the journal, to tear a finished study's journal at. */
function tearPoints(bytes: Buffer): number[] {
  const lastStart = bytes.lastIndexOf(0x0a, bytes.length - 2) + 1;
  return [lastStart + 1, bytes.length - 1, Math.floor(bytes.length / 3), Math.floor((2 * bytes.length) / 3)];
}

test('journal recovery › a study whose journal is torn anywhere resumes to the undisturbed result', async () => {
  const options = { maxTrials: 6, parallelTrials: 2 };
  const reference = writeFixtureStudy(options);
  const undisturbed = await runStudy(reference.dir, reference.manifest);
  const expected = studyOutcome(undisturbed.outcome.status, undisturbed.outcome.trials);
  const journal = readFileSync(join(reference.dir, '.lorahpo', 'demo', 'journal.jsonl'));
  for (const cut of tearPoints(journal)) {
    const copy = writeFixtureStudy(options);
    cpSync(join(reference.dir, '.lorahpo'), join(copy.dir, '.lorahpo'), { recursive: true });
    const path = join(copy.dir, '.lorahpo', 'demo', 'journal.jsonl');
    writeFileSync(path, journal.subarray(0, cut));
    const resumed = await runStudy(copy.dir, copy.manifest);
    assert.deepEqual(
      studyOutcome(resumed.outcome.status, resumed.outcome.trials),
      expected,
      `torn at byte ${cut} of ${journal.length}`,
    );
    assert.ok(
      resumed.events.some((event) => event.type === 'repaired'),
      `torn at byte ${cut}: said so`,
    );
  }
});
