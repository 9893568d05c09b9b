import { join } from 'node:path';
import { loadStudy } from '../../../operator/src/cli/load-study.ts';
import { LocalRunner, type RunnerEvent, type RunOutcome } from '../../../operator/src/runner/local-runner.ts';
import type { LoraTrial } from '../../../operator/src/api/trial.ts';
import type { StudyStatus } from '../../../operator/src/api/study.ts';

/** Runs the study in `manifest` in-process; `stopWhen` may abort it (like Ctrl-C). */
export async function runStudy(
  dir: string,
  manifest: string,
  stopWhen?: (event: RunnerEvent) => boolean,
): Promise<{ outcome: RunOutcome; events: RunnerEvent[] }> {
  const { study, manifestPath } = loadStudy(manifest, dir, undefined, false);
  const controller = new AbortController();
  const events: RunnerEvent[] = [];
  const runner = new LocalRunner({
    study,
    manifestPath,
    stateDir: join(dir, '.lorahpo', 'demo'),
    cwd: dir,
    env: process.env,
    now: () => new Date(),
    signal: controller.signal,
    graceMs: 2000,
    onEvent: (event) => {
      events.push(event);
      if (stopWhen?.(event)) controller.abort();
    },
  });
  return { outcome: await runner.run(), events };
}

/** What must be equal between a disturbed and an undisturbed run: no times, no attempts. */
export function studyOutcome(status: StudyStatus, trials: readonly LoraTrial[]) {
  return {
    phase: status.phase,
    reason: status.completionReason,
    counts: status.trialCounts,
    best: status.bestTrial,
    earlyStopping: status.earlyStopping,
    trials: trials.map((trial) => ({
      name: trial.metadata.name,
      params: trial.spec.params,
      seed: trial.spec.seed,
      phase: trial.status?.phase,
      value: trial.status?.value,
      prunedAtStep: trial.status?.prunedAtStep,
      curve: trial.status?.intermediateValues,
      reason: trial.status?.reason,
    })),
  };
}
