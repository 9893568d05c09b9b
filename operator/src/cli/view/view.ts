/** How `lorahpo run` shows progress: a live table on a terminal, plain lines otherwise, or JSON. */
import type { RunnerEvent } from '../../runner/local-runner.ts';

export interface RunView {
  onEvent(event: RunnerEvent): void;
  /** Stops any redrawing; called once at the end. */
  close(): void;
}
