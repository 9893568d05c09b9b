/**
 * What an undisturbed run of a study must end with: the engine's `plan` driven in memory with
 * the known objective. The engine's decisions do not depend on timing, so the operator on the
 * cluster — killed, restarted, faulted or not — must end with exactly this.
 */
import { plan } from '../../../operator/src/engine/plan.ts';
import { isTrialActive, type LoraTrial } from '../../../operator/src/api/trial.ts';
import type { LoraStudy, StudyStatus } from '../../../operator/src/api/study.ts';
import { STEPS, curveValue } from './objective.ts';

export interface Outcome {
  phases: Record<string, string>;
  prunedAt: Record<string, number>;
  params: Record<string, unknown>;
  status: StudyStatus;
}

export function referenceRun(study: LoraStudy, failing: (trial: string) => boolean = () => false): Outcome {
  let trials: LoraTrial[] = [];
  const now = new Date('2026-01-01T00:00:00Z');
  for (let round = 0; round < 10_000; round++) {
    const result = plan(study, trials, now);
    for (const action of result.actions) {
      if (action.type === 'start')
        trials.push({ ...action.trial, status: { phase: 'Running', intermediateValues: [] } });
      if (action.type === 'prune' || action.type === 'stop')
        trials = trials.map((t) =>
          t.metadata.name === action.name
            ? {
                ...t,
                status: {
                  ...(t.status ?? { intermediateValues: [] }),
                  phase: 'Pruned',
                  prunedAtStep: action.type === 'prune' ? action.step : undefined,
                  value: action.type === 'prune' ? action.value : undefined,
                },
              }
            : t,
        );
    }
    study = { ...study, status: result.status };
    const next = trials.find((t) => isTrialActive(t.status?.phase) && !t.status?.completionTime);
    if (!next) return outcome(trials, result.status);
    trials = trials.map((t) => (t === next ? runToEnd(t, failing(t.metadata.name as string)) : t));
    const judged = plan(study, trials, now);
    trials = finish(
      trials,
      judged.actions.filter((a) => a.type === 'prune').map((a) => a as { name: string; step: number; value?: number }),
    );
  }
  throw new Error('reference run did not finish');
}

/** The trial with its whole curve (still Running, so the pruner judges it first). */
function runToEnd(trial: LoraTrial, fails: boolean): LoraTrial {
  const steps = fails ? 2 : STEPS;
  const intermediateValues = Array.from({ length: steps }, (_, i) => ({
    step: i + 1,
    value: curveValue(trial.spec.params, i + 1),
  }));
  return { ...trial, status: { phase: 'Running', intermediateValues, completionTime: fails ? 'failed' : 'done' } };
}

function finish(trials: LoraTrial[], prunes: Array<{ name: string; step: number; value?: number }>): LoraTrial[] {
  return trials.map((trial) => {
    const marker = trial.status?.completionTime;
    if (marker !== 'done' && marker !== 'failed') return trial;
    const prune = prunes.find((p) => p.name === trial.metadata.name);
    const base = { ...(trial.status as NonNullable<LoraTrial['status']>), completionTime: '2026-01-01T00:00:00Z' };
    if (prune) return { ...trial, status: { ...base, phase: 'Pruned', prunedAtStep: prune.step, value: prune.value } };
    if (marker === 'failed') return { ...trial, status: { ...base, phase: 'Failed' } };
    return { ...trial, status: { ...base, phase: 'Succeeded', value: base.intermediateValues.at(-1)?.value } };
  });
}

function outcome(trials: LoraTrial[], status: StudyStatus): Outcome {
  const phases: Record<string, string> = {};
  const prunedAt: Record<string, number> = {};
  const params: Record<string, unknown> = {};
  for (const trial of trials) {
    const name = trial.metadata.name as string;
    phases[name] = trial.status?.phase ?? 'Pending';
    params[name] = trial.spec.params;
    if (trial.status?.prunedAtStep !== undefined && trial.status.phase === 'Pruned')
      prunedAt[name] = trial.status.prunedAtStep;
  }
  return { phases, prunedAt, params, status };
}

/** The same summary from the trials on the cluster. */
export function clusterOutcome(trials: LoraTrial[], status: StudyStatus): Outcome {
  return outcome(trials, status);
}
