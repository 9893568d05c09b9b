/** `--json`: one JSON object per runner event, for machines. */
import type { OutputStream } from '../deps.ts';
import type { RunnerEvent } from '../../runner/local-runner.ts';
import type { RunView } from './view.ts';

export class JsonView implements RunView {
  readonly #out: OutputStream;
  readonly #now: () => Date;

  constructor(out: OutputStream, now: () => Date) {
    this.#out = out;
    this.#now = now;
  }

  onEvent(event: RunnerEvent): void {
    const body = event.type === 'status' ? { type: 'status', status: event.status } : event;
    this.#out.write(`${JSON.stringify({ time: this.#now().toISOString(), ...body })}\n`);
  }

  close(): void {}
}
