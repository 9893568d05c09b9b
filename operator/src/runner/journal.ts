/**
 * The local runner's memory: an append-only journal of JSON lines in the state directory. Each
 * event is written and fsync'ed before the runner acts on it, so a crash or Ctrl-C at any moment
 * loses nothing; `readJournal` rebuilds everything from it. A torn last line (the process died
 * mid-write) is dropped; any other bad line is an error naming the line.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { LoraStudyInput } from '../api/study.ts';
import type { LoraTrial, TrialStatus } from '../api/trial.ts';
import { LorahpoError } from '../errors.ts';

export const JOURNAL_FILE = 'journal.jsonl';
export const JOURNAL_VERSION = 1;

export type JournalEvent =
  | { type: 'study'; time: string; version: number; manifestPath: string; study: LoraStudyInput }
  | { type: 'started'; time: string; trial: LoraTrial; attempt: number }
  | { type: 'spawned'; name: string; pid: number }
  | { type: 'metric'; name: string; step: number; value: number }
  | { type: 'pruned'; time: string; name: string; step: number; value?: number; message: string }
  | { type: 'stopped'; time: string; name: string; reason: string; message: string }
  | { type: 'finished'; time: string; name: string; status: Partial<TrialStatus> & { phase: TrialStatus['phase'] } };

export class Journal {
  readonly path: string;
  #fd: number | undefined;

  constructor(path: string) {
    this.path = path;
    this.#fd = openSync(path, 'a');
  }

  /** Appends one event and waits until it is on disk. */
  append(event: JournalEvent): void {
    if (this.#fd === undefined) throw new LorahpoError('LORAHPO_IO', `journal ${this.path} is closed`);
    writeSync(this.#fd, `${JSON.stringify(event)}\n`);
    fsyncSync(this.#fd);
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/** Every event of a journal, in order; [] when there is none yet. */
export function readJournal(path: string): JournalEvent[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  const events: JournalEvent[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      events.push(JSON.parse(line) as JournalEvent);
    } catch (error) {
      const isTornTail = lines.slice(index + 1).every((rest) => rest.trim() === '');
      if (!isTornTail) throw new LorahpoError('LORAHPO_IO', `${path}:${index + 1}: not a journal event (${(error as Error).message})`);
    }
  });
  return events;
}
