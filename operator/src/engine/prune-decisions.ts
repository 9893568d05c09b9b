/**
 * Which running trials the pruner stops. Each trial is judged at every step it reported, in
 * order, against its fixed history (below its cutoff); the first step that fires is where it
 * was pruned. So the answer is the same whether plan runs after every metric or once after a
 * restart with the whole curve. (With `scheduling: greedy` the history is every finished trial and
 * only the latest step is judged.)
 */
import { isTrialActive, type LoraTrial } from '../api/trial.ts';
import { nameOf } from '../api/object-name.ts';
import type { StudySpec } from '../api/study.ts';
import type { Pruner } from '../pruner/pruner.ts';
import type { TrialRecord } from '../trial-record.ts';
import type { PruneAction } from './actions.ts';
import { cutoffOf, prunerHistory, toRecord } from './history.ts';
import { prunedStatus } from './trial-endings.ts';

function firstPrunedStep(
  pruner: Pruner,
  record: TrialRecord,
  history: TrialRecord[],
  spec: StudySpec,
  study: string,
): number | undefined {
  const curve = [...record.intermediate].sort((a, b) => a.step - b.step);
  // Greedy scheduling judges the latest step only (like Optuna at report time): its history
  // grows while the trial runs, so judging old steps again would prune retroactively.
  const first = spec.scheduling === 'greedy' ? curve.length - 1 : 0;
  for (let i = first; i < curve.length; i += 1) {
    const trial = { ...record, intermediate: curve.slice(0, i + 1) };
    if (pruner.shouldPrune({ trial, step: curve[i].step, history, direction: spec.objective.direction, study }))
      return curve[i].step;
  }
  return undefined;
}

export interface PruneInput {
  spec: StudySpec;
  study: string;
  pruner: Pruner;
  nowIso: string;
}

export function decidePrunes(input: PruneInput, trials: readonly LoraTrial[], records: readonly TrialRecord[]) {
  const { spec, study, pruner } = input;
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
    const valueText = value === undefined ? '' : ` (${spec.objective.metric} ${value})`;
    const message = `pruned by the ${spec.pruner.algorithm} pruner at step ${step}${valueText}`;
    const decision = { step, ...(value === undefined ? {} : { value }), message };
    const status = prunedStatus(trial.status, decision, input.nowIso);
    actions.push({ type: 'prune', name: nameOf(trial), number: trial.spec.number, ...decision, status });
  }
  return actions;
}
