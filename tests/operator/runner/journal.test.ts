import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, readJournal } from '../../../operator/src/runner/journal.ts';
import { replayJournal, trialList } from '../../../operator/src/runner/journal-state.ts';
import type { LoraTrial } from '../../../operator/src/api/trial.ts';

const trial: LoraTrial = {
  apiVersion: 'lorahpo.io/v1alpha1',
  kind: 'LoraTrial',
  metadata: { name: 'demo-0' },
  spec: { study: 'demo', number: 0, params: { x: 1 }, seed: 5, historyCutoff: 0 },
};
const time = '2026-01-01T00:00:00.000Z';

function journalPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'lorahpo-journal-')), 'journal.jsonl');
}

test('journal › events survive a reopen and replay into trials', () => {
  const path = journalPath();
  const journal = new Journal(path);
  journal.append({ type: 'started', time, trial, attempt: 1 });
  journal.append({ type: 'metric', name: 'demo-0', step: 1, value: 3 });
  journal.append({ type: 'metric', name: 'demo-0', step: 2, value: 2 });
  journal.close();
  const again = new Journal(path);
  again.append({ type: 'finished', time, name: 'demo-0', status: { phase: 'Succeeded', value: 2 } });
  again.close();
  const [replayed] = trialList(replayJournal(readJournal(path)));
  assert.equal(replayed.status?.phase, 'Succeeded');
  assert.equal(replayed.status?.value, 2);
  assert.deepEqual(replayed.status?.intermediateValues, [
    { step: 1, value: 3 },
    { step: 2, value: 2 },
  ]);
});

test('journal › a trial started again (after an interruption) starts with an empty curve', () => {
  const path = journalPath();
  const journal = new Journal(path);
  journal.append({ type: 'started', time, trial, attempt: 1 });
  journal.append({ type: 'metric', name: 'demo-0', step: 1, value: 3 });
  journal.append({ type: 'started', time, trial, attempt: 2 });
  journal.close();
  const state = replayJournal(readJournal(path));
  assert.deepEqual(trialList(state)[0].status?.intermediateValues, []);
  assert.equal(state.attempts.get('demo-0'), 2);
});

test('journal › events after a trial finished change nothing (a late metric, a late exit)', () => {
  const path = journalPath();
  const journal = new Journal(path);
  journal.append({ type: 'started', time, trial, attempt: 1 });
  journal.append({ type: 'pruned', time, name: 'demo-0', step: 1, value: 9, message: 'pruned' });
  journal.append({ type: 'metric', name: 'demo-0', step: 2, value: 1 });
  journal.append({ type: 'finished', time, name: 'demo-0', status: { phase: 'Succeeded', value: 1 } });
  journal.close();
  const [replayed] = trialList(replayJournal(readJournal(path)));
  assert.equal(replayed.status?.phase, 'Pruned');
  assert.equal(replayed.status?.prunedAtStep, 1);
  assert.deepEqual(replayed.status?.intermediateValues, []);
});

test('journal › a torn last line is dropped; a bad line in the middle is an error naming the line', () => {
  const path = journalPath();
  const journal = new Journal(path);
  journal.append({ type: 'started', time, trial, attempt: 1 });
  journal.close();
  appendFileSync(path, '{"type":"metric","name":"demo-0","st');
  assert.equal(readJournal(path).length, 1);
  writeFileSync(path, `not json\n${JSON.stringify({ type: 'started', time, trial, attempt: 1 })}\n`);
  assert.throws(() => readJournal(path), /journal\.jsonl:1: not a journal event/);
});
