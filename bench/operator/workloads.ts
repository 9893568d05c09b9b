/**
 * The benchmark's trial workload: a function the simulated kubelet runs in place of the trainer.
 * It prints `steps` evaluations spread over a random duration and a result line, as the trainer
 * contract says, and counts how many trials run at once.
 */
import type { WorkloadContext, WorkloadFunction } from '../../tests/harness/simulated-node/workload.ts';

export interface WorkloadShape {
  steps: number;
  /** Each trial runs for a duration drawn uniformly from [min, max] milliseconds. */
  durationMs: readonly [number, number];
  /** Trials wait until this many run at once, then all go on (a burst of ends at that load). */
  holdUntilRunning?: number;
}

/** Trials running now, the most at once, and how many ran when each trial ended. */
export class RunningTrials {
  now = 0;
  peak = 0;
  /** trial name → trials running when it ended */
  readonly atEnd = new Map<string, number>();
  #release: (() => void) | undefined;
  readonly released = new Promise<void>((resolve) => (this.#release = resolve));

  began(holdUntil: number | undefined): void {
    this.now++;
    this.peak = Math.max(this.peak, this.now);
    if (holdUntil !== undefined && this.now >= holdUntil) this.#release?.();
  }

  ended(trial: string): void {
    this.atEnd.set(trial, this.now);
    this.now--;
  }
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

export function benchWorkload(shape: WorkloadShape, running: RunningTrials): WorkloadFunction {
  return async (context: WorkloadContext): Promise<number> => {
    running.began(shape.holdUntilRunning);
    try {
      if (shape.holdUntilRunning !== undefined)
        await Promise.race([running.released, sleep(2 ** 31 - 1, context.signal)]);
      const [min, max] = shape.durationMs;
      const stepMs = (min + Math.random() * (max - min)) / shape.steps;
      for (let step = 1; step <= shape.steps; step++) {
        await sleep(stepMs, context.signal);
        if (context.signal.aborted) return 0;
        context.stdout.write(
          JSON.stringify({ type: 'metric', name: 'eval_loss', value: 1 + Math.random() / step, step }) + '\n',
        );
      }
      context.stdout.write(JSON.stringify({ type: 'result', value: 1 + Math.random() }) + '\n');
      return 0;
    } finally {
      running.ended(context.pod.metadata?.labels?.['lorahpo.io/trial'] ?? '?');
    }
  };
}
