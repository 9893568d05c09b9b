import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { OURS_INPUTS, RunRecord, codeFingerprints } from '../../bench/sampler/record.ts';

const PROJECT = fileURLToPath(new URL('../../', import.meta.url));

const key = { mode: 1, task: 'Branin · noise high', contender: 'Optuna multi', version: '3.1.0', seeds: 2 };
const cell = { ...key, regrets: { 30: [0.5, 0.25], 100: [0.125, 0.0625] }, seconds: 1.5 };

const recordFile = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'lorahpo-record-')), 'run.jsonl');

test('sampler record › a finished cell is found again by a later run of the same code', () => {
  const file = recordFile();
  new RunRecord(file, { ours: 'ours', peer: 'abc' }).add(cell);
  const later = new RunRecord(file, { ours: 'ours', peer: 'abc' });
  assert.equal(later.size, 1);
  assert.deepEqual(later.find(key, [30, 100])?.regrets, { 30: [0.5, 0.25], 100: [0.125, 0.0625] });
  // another mode, Optuna version or seed count is another cell
  assert.equal(later.find({ ...key, mode: 4 }, [30]), undefined);
  assert.equal(later.find({ ...key, version: '5.0.0rc1' }, [30]), undefined);
  assert.equal(later.find({ ...key, seeds: 20 }, [30]), undefined);
  // a cell that did not run to a budget asked for does not stand in for it
  assert.equal(later.find(key, [30, 200]), undefined);
});

test('sampler record › cells of other code are stale; a torn line costs only its cell', () => {
  const file = recordFile();
  new RunRecord(file, { ours: 'ours', peer: 'old' }).add(cell);
  new RunRecord(file, { ours: 'ours', peer: 'new' }).add({ ...cell, task: 'Sphere 2D' });
  appendFileSync(file, '{"mode":1,"task":"Sphere 10D","regr'); // an interrupted write
  const run = new RunRecord(file, { ours: 'ours', peer: 'new' });
  assert.equal(run.size, 1);
  assert.equal(run.stale, 2);
  assert.equal(run.find(key, [30]), undefined);
  assert.ok(run.find({ ...key, task: 'Sphere 2D' }, [30, 100]));
  run.add({ ...cell, task: 'Sphere 10D' });
  assert.equal(new RunRecord(file, { ours: 'ours', peer: 'new' }).size, 2);
  assert.equal(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.includes('"Sphere 10D"')).length,
    2,
  );
});

test("sampler record › our cells follow our sampler code; Optuna's follow only the problems and the driver", () => {
  const file = recordFile();
  const ours = { ...cell, contender: 'ours default', version: '' };
  new RunRecord(file, { ours: 'tpe-1', peer: 'problems-1' }).add(ours);
  new RunRecord(file, { ours: 'tpe-1', peer: 'problems-1' }).add(cell);
  // the TPE changed: our cell runs again, Optuna's stands
  const afterTpe = new RunRecord(file, { ours: 'tpe-2', peer: 'problems-1' });
  assert.equal(afterTpe.find(ours, [30]), undefined);
  assert.ok(afterTpe.find(cell, [30]));
  // a problem changed: both run again
  const afterProblem = new RunRecord(file, { ours: 'tpe-2', peer: 'problems-2' });
  assert.equal(afterProblem.size, 0);
});

test('sampler record › the fingerprints change with the code they cover, and only with it', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'lorahpo-fingerprint-'));
  for (const entry of OURS_INPUTS) cpSync(path.join(PROJECT, entry), path.join(root, entry), { recursive: true });
  const original = codeFingerprints(root);
  assert.match(original.ours, /^[0-9a-f]{16}$/);
  assert.notEqual(original.ours, original.peer);
  assert.deepEqual(codeFingerprints(PROJECT), original);
  const change = (file: string) =>
    writeFileSync(path.join(root, file), `${readFileSync(path.join(root, file), 'utf8')}\n# changed\n`);
  mkdirSync(path.join(root, 'operator/src/controller'), { recursive: true });
  writeFileSync(path.join(root, 'operator/src/controller/unrelated.ts'), 'export {};\n');
  assert.deepEqual(codeFingerprints(root), original);
  change('operator/src/sampler/tpe/mixture.ts');
  const afterTpe = codeFingerprints(root);
  assert.notEqual(afterTpe.ours, original.ours);
  assert.equal(afterTpe.peer, original.peer);
  change('bench/sampler/optuna_peer.py');
  const afterPeer = codeFingerprints(root);
  assert.notEqual(afterPeer.peer, original.peer);
  assert.notEqual(afterPeer.ours, afterTpe.ours);
});
