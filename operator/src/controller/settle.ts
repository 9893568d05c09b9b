/**
 * Settle: finishes the trials whose pods ended. The pruner first judges each one's full curve as
 * if it were still running (so whether a trial is pruned never depends on how late the operator
 * saw its values); the ones it would not prune get their final status.
 */
import type { LoraTrial, TrialStatus } from '../api/trial.ts';
import { nameOf, namespaceOf } from '../api/object-name.ts';
import type { PruneAction } from '../engine/actions.ts';
import { pruneTrial } from './act.ts';
import { checkSignal, type StudyContext } from './reconcile-context.ts';
import { trialEnded } from './trial-events.ts';
import type { Synced } from './trial-sync.ts';

export async function settle(context: StudyContext, synced: Synced): Promise<LoraTrial[]> {
  const { trials, finals } = synced;
  if (finals.size === 0) return trials;
  const prunes = new Map<string, PruneAction>();
  for (const action of context.tools.plan(context, trials).actions) {
    if (action.type === 'prune' && finals.has(action.name)) prunes.set(action.name, action);
  }
  return Promise.all(
    trials.map((trial) => {
      const final = finals.get(nameOf(trial));
      const prune = prunes.get(nameOf(trial));
      if (!final) return trial;
      return prune ? pruneTrial(context, trial, prune) : finish(context, trial, final);
    }),
  );
}

async function finish(context: StudyContext, trial: LoraTrial, final: TrialStatus): Promise<LoraTrial> {
  checkSignal(context);
  const written = await context.tools.writes.writeTrialEnd(trial, final);
  trialEnded(context, trial, written);
  context.tools.logs?.forget(namespaceOf(trial), nameOf(trial));
  return written;
}
