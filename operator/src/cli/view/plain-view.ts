/** Plain lines (not a terminal, or `--plain`): one line per trial event, greppable in CI logs. */
import type { OutputStream } from '../deps.ts';
import type { RunnerEvent } from '../../runner/local-runner.ts';
import { bestLine, formatParams, formatValue, warmStartLines } from '../render.ts';
import type { RunView } from './view.ts';

export class PlainView implements RunView {
  readonly #out: OutputStream;
  readonly #metric: string;
  readonly #now: () => Date;
  #lastProgress = '';
  #lastWarmStart = '';

  constructor(out: OutputStream, metric: string, now: () => Date) {
    this.#out = out;
    this.#metric = metric;
    this.#now = now;
  }

  #line(text: string): void {
    this.#out.write(`[${this.#now().toISOString().slice(11, 19)}] ${text}\n`);
  }

  onEvent(event: RunnerEvent): void {
    switch (event.type) {
      case 'resumed':
        return this.#line(
          `resuming: ${event.finished} trials already finished${event.rerun.length > 0 ? `, running again: ${event.rerun.join(', ')}` : ''}${event.orphans.length > 0 ? ` (stopped their leftover processes: ${event.orphans.join(', ')})` : ''}`,
        );
      case 'started':
        return this.#line(
          `${event.trial.metadata.name} started${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}  ${formatParams(event.trial.spec.params)}`,
        );
      case 'pruned':
        return this.#line(`${event.name} pruned at step ${event.step} (${this.#metric} ${formatValue(event.value)})`);
      case 'stopped':
        return this.#line(`${event.name} ${event.message}`);
      case 'finished': {
        const status = event.trial.status;
        const detail =
          status?.phase === 'Failed' ? `: ${status.message}` : `  ${this.#metric} ${formatValue(status?.value)}`;
        return this.#line(`${event.trial.metadata.name} ${status?.phase.toLowerCase()}${detail}`);
      }
      case 'status': {
        // what the warm start gave, once and again when another enqueued set has been tried
        const warm = warmStartLines(event.status).join('; ');
        if (warm !== this.#lastWarmStart && warm !== '') this.#line(warm);
        this.#lastWarmStart = warm;
        const progress = `${event.status.progress} trials finished, ${bestLine(event.status, this.#metric)}`;
        if (progress !== this.#lastProgress && event.trials.length > 0) this.#line(progress);
        this.#lastProgress = progress;
        return;
      }
      case 'interrupted':
        return this.#line(
          `interrupted: stopping ${event.running.length} running trials; run the same command again to resume`,
        );
      case 'repaired':
        return this.#line(event.message);
      case 'metric':
        return;
    }
  }

  close(): void {}
}
