/**
 * The local runner's memory: an append-only journal of JSON lines in the state directory. Each
 * event is written and fsync'ed before the runner acts on it, so a crash or Ctrl-C at any moment
 * loses nothing; `readJournal` rebuilds everything from it. A torn tail (the process died
 * mid-write) is cut back on open (journal-recovery.ts); any other bad line is an error naming it.
 */
import { closeSync, fsyncSync, ftruncateSync, openSync, truncateSync, writeSync } from 'node:fs';
import type { JournalEvent } from './journal-event.ts';
import { LorahpoError } from '../errors.ts';
import { scanJournal } from './journal-recovery.ts';
import { stateDirError } from './state-dir.ts';

export const JOURNAL_FILE = 'journal.jsonl';
export const JOURNAL_VERSION = 1;

export type { JournalEvent } from './journal-event.ts';

export class Journal {
  readonly path: string;
  /** Said once when opening cut a torn tail off (a crash mid-write): which line, how many bytes. */
  readonly repairedTail?: string;
  #fd: number | undefined;
  /** The file's length after the last whole record: where the next one begins. */
  #size: number;

  constructor(path: string) {
    this.path = path;
    const scan = scanJournal(path);
    try {
      if (scan.tail) truncateSync(path, scan.wholeBytes);
      this.#fd = openSync(path, 'a');
    } catch (error) {
      throw stateDirError(path, 'open the journal', error);
    }
    this.#size = scan.wholeBytes;
    if (scan.tail) {
      const { line, bytes } = scan.tail;
      this.repairedTail = `${path}: cut a torn tail from line ${line} (${bytes} bytes a crash left half-written)`;
    }
  }

  /**
   * Appends one event and waits until it is on disk. The record goes out whole or not at all: a
   * write that fails part-way (a full disk) is cut back, so the journal never holds a torn line.
   */
  append(event: JournalEvent): void {
    if (this.#fd === undefined) throw new LorahpoError('LORAHPO_IO', `journal ${this.path} is closed`);
    const record = Buffer.from(`${JSON.stringify(event)}\n`);
    try {
      for (let written = 0; written < record.length; ) written += writeSync(this.#fd, record, written);
      fsyncSync(this.#fd);
    } catch (error) {
      this.#cutBack();
      throw stateDirError(this.path, 'write the journal', error);
    }
    this.#size += record.length;
  }

  #cutBack(): void {
    try {
      ftruncateSync(this.#fd as number, this.#size);
    } catch {
      // Nothing more to do: the next open cuts the torn tail instead.
    }
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/** Every whole event of a journal, in order; [] when there is none yet. A torn tail is left out. */
export function readJournal(path: string): JournalEvent[] {
  return scanJournal(path).events;
}
