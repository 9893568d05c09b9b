/**
 * Settle: finishes the trials whose pods ended. The pruner first judges each one's full curve as
 * if it were still running (so whether a trial is pruned never depends on how late the operator
 * saw its values); the ones it would not prune get their final status.
 */
import { trialJobName, type LoraTrial, type TrialStatus } from '../api/trial.ts';
import { nameOf, namespaceOf } from '../api/object-name.ts';
import type { PruneAction } from '../engine/actions.ts';
import { pruneTrial } from './act.ts';
import { checkSignal, type StudyContext } from './reconcile-context.ts';
import { trialEnded } from './trial-events.ts';
import { deleteJob } from './trial-actions.ts';
import { ATTEMPTS_EXHAUSTED } from './trial-rerun.ts';
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

/**
 * Only now may the Job go: its result and log are in the trial's status. A TTL set at creation
 * could delete a finished Job while the operator is down, and the operator would then start the
 * trial again for want of a Job. The Job (and its pod's log) stays for `kubectl logs` until the
 * TTL ends. A failed patch is logged, not retried: the trial is done either way.
 */
async function expireJob(context: StudyContext, trial: LoraTrial): Promise<void> {
  const ttl = context.tools.finishedJobTtlSeconds;
  if (!ttl) return;
  try {
    await context.tools.api.expireJob(namespaceOf(trial), trialJobName(trial), ttl);
  } catch (error) {
    context.log
      .child({ trial: nameOf(trial) })
      .warn({ err: error }, 'could not set ttlSecondsAfterFinished on the Job');
  }
}

async function finish(context: StudyContext, trial: LoraTrial, final: TrialStatus): Promise<LoraTrial> {
  checkSignal(context);
  const written = await context.tools.writes.writeTrialEnd(trial, final);
  trialEnded(context, trial, written);
  context.tools.logs?.forget(namespaceOf(trial), nameOf(trial));
  // The job controller may run a replacement pod in a disrupted attempt's Job: it goes now.
  if (written.status?.reason === ATTEMPTS_EXHAUSTED) await deleteJob(context.tools.api, written);
  await expireJob(context, written);
  return written;
}
