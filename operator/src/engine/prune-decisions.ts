/**
 * Which running trials the pruner stops. Each trial is judged at every step it reported, in
 * order, against its fixed history (below its cutoff); the first step that fires is where it
 * was pruned. So the answer is the same whether plan runs after every metric or once after a
 * restart with the whole curve. (With `scheduling: greedy` the history is every finished trial and
 * only the latest step is judged.)
 */
import { isTrialActive, type LoraTrial } from '../api/trial.ts';
import type { StudySpec } from '../api/study.ts';
import type { Pruner } from '../pruner/pruner.ts';
import type { TrialRecord } from '../trial-record.ts';
import type { PruneAction } from './actions.ts';
import { cutoffOf, prunerHistory, toRecord } from './history.ts';

function firstPrunedStep(pruner: Pruner, record: TrialRecord, history: TrialRecord[], spec: StudySpec, study: string): number | undefined {
  const curve = [...record.intermediate].sort((a, b) => a.step - b.step);
  // Greedy scheduling judges the latest step only (like Optuna at report time): its history
  // grows while the trial runs, so judging old steps again would prune retroactively.
  const first = spec.scheduling === 'greedy' ? curve.length - 1 : 0;
  for (let i = first; i < curve.length; i += 1) {
    const trial = { ...record, intermediate: curve.slice(0, i + 1) };
    if (pruner.shouldPrune({ trial, step: curve[i].step, history, direction: spec.objective.direction, study })) return curve[i].step;
  }
  return undefined;
}

export function decidePrunes(spec: StudySpec, study: string, trials: readonly LoraTrial[], records: readonly TrialRecord[], pruner: Pruner): PruneAction[] {
  const actions: PruneAction[] = [];
  for (const trial of trials) {
    if (!isTrialActive(trial.status?.phase) || (trial.status?.intermediateValues.length ?? 0) === 0) continue;
    const history =
      spec.scheduling === 'greedy'
        ? records.filter((record) => record.number !== trial.spec.number && record.state !== 'running')
        : prunerHistory(records, cutoffOf(trial, spec.budget.parallelTrials));
    const step = firstPrunedStep(pruner, toRecord(trial), history, spec, study);
    if (step === undefined) continue;
    const value = trial.status?.intermediateValues.find((point) => point.step === step)?.value;
    actions.push({
      type: 'prune',
      name: trial.metadata.name as string,
      number: trial.spec.number,
      step,
      ...(value === undefined ? {} : { value }),
      message: `pruned by the ${spec.pruner.algorithm} pruner at step ${step}${value === undefined ? '' : ` (${spec.objective.metric} ${value})`}`,
    });
  }
  return actions;
}

/** The trials as they are once the runner has applied these prunes. */
export function applyPrunes(trials: readonly LoraTrial[], prunes: readonly PruneAction[], nowIso: string): LoraTrial[] {
  return trials.map((trial) => {
    const prune = prunes.find((action) => action.name === trial.metadata.name);
    if (!prune) return trial;
    const status = trial.status ?? { phase: 'Pending' as const, intermediateValues: [] };
    return {
      ...trial,
      status: {
        ...status,
        phase: 'Pruned',
        prunedAtStep: prune.step,
        intermediateValues: status.intermediateValues.filter((point) => point.step <= prune.step),
        ...(prune.value === undefined ? {} : { value: prune.value }),
        reason: 'Pruned',
        message: prune.message,
        completionTime: nowIso,
      },
    };
  });
}
