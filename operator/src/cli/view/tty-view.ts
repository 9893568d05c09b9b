/**
 * The live view on a terminal: a progress bar with the best so far and a trials table that
 * redraws in place (ANSI cursor movement), at most every 100 ms.
 */
import type { OutputStream } from '../deps.ts';
import { escapeControl, rawOutput } from '../terminal-text.ts';
import type { StudyStatus } from '../../api/study.ts';
import type { LoraTrial } from '../../api/trial.ts';
import type { RunnerEvent } from '../../runner/local-runner.ts';
import { bestLine, countsLine, trialTable, warmStartLines } from '../render.ts';
import type { RunView } from './view.ts';

const REDRAW_MS = 100;
const BAR_WIDTH = 24;

export class TtyView implements RunView {
  readonly #out: OutputStream;
  readonly #metric: string;
  readonly #title: string;
  readonly #startMs = Date.now();
  #status?: StudyStatus;
  #trials: LoraTrial[] = [];
  #notes: string[] = [];
  #drawnLines = 0;
  #timer?: NodeJS.Timeout;

  constructor(out: OutputStream, metric: string, title: string) {
    // Our cursor codes go out raw; every line of text is escaped in #draw.
    this.#out = rawOutput(out);
    this.#metric = metric;
    this.#title = title;
  }

  onEvent(event: RunnerEvent): void {
    if (event.type === 'status') {
      this.#status = event.status;
      this.#trials = event.trials;
    } else if (event.type === 'resumed') {
      this.#notes.push(
        `resumed: ${event.finished} trials already finished${event.rerun.length ? `, running again: ${event.rerun.join(', ')}` : ''}`,
      );
    } else if (event.type === 'repaired') {
      this.#notes.push(event.message);
    } else if (event.type === 'interrupted') {
      this.#notes.push(`interrupted: stopping ${event.running.length} trials; run the same command again to resume`);
    }
    this.#timer ??= setTimeout(() => this.#draw(), REDRAW_MS);
  }

  #frame(): string[] {
    const status = this.#status;
    if (!status) return [this.#title];
    const [done, total] = (status.progress ?? '0/1').split('/').map(Number);
    const filled = Math.round((BAR_WIDTH * done) / Math.max(total, 1));
    const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
    const seconds = Math.round((Date.now() - this.#startMs) / 1000);
    const warm = warmStartLines(status);
    const rows = Math.max(5, ((this.#out as { rows?: number }).rows || 30) - 8 - this.#notes.length - warm.length);
    const table = trialTable(
      this.#trials.slice(-rows),
      this.#metric,
      status.bestTrial?.name,
      (this.#out.columns || 120) - 1,
    );
    return [
      `${this.#title}  ${bar} ${status.progress} trials  ${seconds}s`,
      `${bestLine(status, this.#metric)}`,
      `${countsLine(status)}`,
      ...warm,
      '',
      ...table,
      ...this.#notes,
    ];
  }

  #draw(): void {
    this.#timer = undefined;
    const lines = this.#frame().map(escapeControl);
    const up = this.#drawnLines > 0 ? `\x1b[${this.#drawnLines}A\r` : '';
    this.#out.write(`${up}\x1b[0J${lines.join('\n')}\n`);
    this.#drawnLines = lines.length;
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#draw();
  }
}
