/**
 * A workload with a known objective, for the simulated node: it reads the trainer contract's
 * environment, prints one metric line per step (a curve falling towards the objective), writes
 * the result line to the termination-message file, and stops at once on SIGTERM.
 */
import { writeFileSync } from 'node:fs';
import type { WorkloadContext, WorkloadExit } from '../../harness/simulated-node/workload.ts';

export const STEPS = 5;

/** The minimum is at learningRate 3e-4 with loraR 16: about 0.5. */
export function objective(params: Record<string, unknown>): number {
  const lr = Number(params.learningRate ?? 1e-4);
  const rank = Number(params.loraR ?? 8);
  return 0.5 + (Math.log10(lr) + 3.5) ** 2 + (rank === 16 ? 0 : 0.25);
}

/** The value a trial reports at `step` (1-based): it improves towards the objective. */
export function curveValue(params: Record<string, unknown>, step: number): number {
  return Number((objective(params) + 1 / step).toFixed(6));
}

export interface ObjectiveWorkloadOptions {
  /** Pause between steps; default 20 ms. */
  stepMs?: number;
  /** Called once per run with the trial name (tests count runs per trial). */
  onRun?: (trial: string) => void;
  /** Decides a non-zero exit for some trials. */
  failWith?: (trial: string, params: Record<string, unknown>) => WorkloadExit | undefined;
  /** What a failing run prints on stderr before it exits, as a crashing trainer prints its error and stack. */
  failureOutput?: string;
}

export function objectiveWorkload(options: ObjectiveWorkloadOptions = {}) {
  return async (context: WorkloadContext): Promise<WorkloadExit | number> => {
    const trial = context.env.LORAHPO_TRIAL ?? 'unknown';
    const params = JSON.parse(context.env.LORAHPO_PARAMS ?? '{}') as Record<string, unknown>;
    options.onRun?.(trial);
    context.stdout.write(`starting ${trial}\n`);
    for (let step = 1; step <= STEPS; step++) {
      await new Promise((resolve) => setTimeout(resolve, options.stepMs ?? 20));
      if (context.signal.aborted) return 0;
      context.stdout.write(
        JSON.stringify({ type: 'metric', name: 'eval_loss', value: curveValue(params, step), step }) + '\n',
      );
      const failure = options.failWith?.(trial, params);
      if (failure && step === 2) {
        if (options.failureOutput) context.stderr.write(options.failureOutput);
        return failure;
      }
    }
    const result = JSON.stringify({
      type: 'result',
      value: curveValue(params, STEPS),
      metrics: { eval_loss: curveValue(params, STEPS) },
    });
    context.stdout.write(result + '\n');
    writeFileSync(context.terminationMessagePath, result);
    return 0;
  };
}
