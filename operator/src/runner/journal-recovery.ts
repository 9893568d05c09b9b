/**
 * Reading a journal that a crash may have cut short. A record is whole when its line is a
 * well-formed journal event and ends in a newline; the runner writes each record with one write
 * and fsyncs it, so a crash (or a full disk) can only leave a torn tail after the last whole
 * record. That tail, and any garbage after it, is cut back on open and said once. A bad line
 * followed by whole records is not a crash but damage, and an error naming the line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { LorahpoError } from '../errors.ts';
import type { JournalEvent } from './journal-event.ts';

export interface JournalScan {
  events: JournalEvent[];
  /** Bytes of the file up to and including the last whole record. */
  wholeBytes: number;
  /** What follows the last whole record (undefined when nothing does). */
  tail?: { line: number; bytes: number };
}

type Check = (event: Record<string, unknown>) => boolean;

const isString = (value: unknown): boolean => typeof value === 'string';
const isNumber = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value);
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function isTrial(value: unknown): boolean {
  if (!isRecord(value) || !isRecord(value.metadata) || !isRecord(value.spec)) return false;
  return isString(value.metadata.name) && isNumber(value.spec.number);
}

/** The fields each event type needs before journal-state may read them. */
const CHECKS: Record<JournalEvent['type'], Check> = {
  study: (event) => isRecord(event.study) && isString(event.manifestPath),
  started: (event) => isString(event.time) && isTrial(event.trial) && isNumber(event.attempt),
  spawned: (event) => isString(event.name) && Number.isInteger(event.pid),
  metric: (event) => isString(event.name) && isNumber(event.step) && isNumber(event.value),
  pruned: (event) => isString(event.time) && isString(event.name) && isNumber(event.step),
  stopped: (event) => isString(event.time) && isString(event.name),
  finished: (event) =>
    isString(event.time) && isString(event.name) && isRecord(event.status) && isString(event.status.phase),
};

/** The event on this line, or why it is not one. */
export function parseJournalLine(line: string): { event: JournalEvent } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { error: (error as Error).message };
  }
  if (!isRecord(value)) return { error: 'not a JSON object' };
  const check = Object.hasOwn(CHECKS, String(value.type)) ? CHECKS[value.type as JournalEvent['type']] : undefined;
  if (check === undefined) return { error: `unknown event type ${JSON.stringify(value.type)?.slice(0, 40)}` };
  if (!check(value)) return { error: `a ${value.type} event without the fields it needs` };
  return { event: value as JournalEvent };
}

/** Every whole record of the journal at `path`, and where the torn tail (if any) begins. */
export function scanJournal(path: string): JournalScan {
  if (!existsSync(path)) return { events: [], wholeBytes: 0 };
  const bytes = readFileSync(path);
  const events: JournalEvent[] = [];
  let wholeBytes = 0;
  let bad: { line: number; offset: number; error: string } | undefined;
  let start = 0;
  for (let line = 1; start < bytes.length; line += 1) {
    const end = bytes.indexOf(0x0a, start);
    const text = bytes.toString('utf8', start, end === -1 ? bytes.length : end);
    const next = end === -1 ? bytes.length : end + 1;
    if (text.trim() !== '') {
      const parsed = end === -1 ? { error: 'no newline at its end' } : parseJournalLine(text);
      if ('error' in parsed) bad ??= { line, offset: start, error: parsed.error };
      else if (bad) throw damaged(path, bad);
      else events.push(parsed.event);
    }
    if (!bad) wholeBytes = next;
    start = next;
  }
  return { events, wholeBytes, ...(bad ? { tail: { line: bad.line, bytes: bytes.length - bad.offset } } : {}) };
}

function damaged(path: string, bad: { line: number; error: string }): LorahpoError {
  return new LorahpoError('LORAHPO_IO', `${path}:${bad.line}: not a journal event (${bad.error})`, {
    hint: 'the journal is damaged before its end; move it away (or use another --state-dir) to start afresh',
  });
}
