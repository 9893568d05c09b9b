/**
 * Act: does what the plan says. Starts are independent and idempotent (the name is the key), so
 * they go together; prunes and stops write the status the engine returned, then delete the Job
 * (a restart in between finishes the delete, see trial-sync.ts).
 */
import { isTrialActive, type LoraTrial } from '../api/trial.ts';
import { nameOf, namespaceOf } from '../api/object-name.ts';
import type { Issue } from '../errors.ts';
import type { PruneAction, StartAction, StopAction } from '../engine/actions.ts';
import type { Plan } from '../engine/plan.ts';
import { decideStops } from '../engine/stop-decisions.ts';
import { checkSignal, type StudyContext } from './reconcile-context.ts';
import { isFinished } from './study-status.ts';
import { deleteJob, startTrial } from './trial-actions.ts';
import { suspendIgnored, trialPruned, trialStarted } from './trial-events.ts';

/** The trials once the plan's actions are done. A refused spec change starts nothing. */
export async function act(
  context: StudyContext,
  plan: Plan,
  trials: readonly LoraTrial[],
  refusal: Issue | undefined,
): Promise<LoraTrial[]> {
  if (!refusal && !isFinished(plan.status)) {
    const starts = plan.actions.filter((action) => action.type === 'start');
    checkSignal(context);
    await Promise.all(starts.map((action) => start(context, action)));
  }
  let current = [...trials];
  for (const action of plan.actions) {
    checkSignal(context);
    if (action.type === 'prune' || action.type === 'stop') current = await endOne(context, current, action);
  }
  const reason = plan.status.completionReason;
  if (isFinished(plan.status) && reason !== undefined) {
    // The engine stops running trials when it finishes; a plan that finished without saying so
    // for some trial gets the engine's stops for it all the same.
    const nowIso = new Date(context.nowMs).toISOString();
    for (const stop of decideStops(current, reason, nowIso)) current = await endOne(context, current, stop);
  }
  return current;
}

async function start(context: StudyContext, action: StartAction): Promise<void> {
  const { number, params, seed } = action;
  const started = await startTrial(context.tools.api, context.study, number, params, seed, action.trial);
  const { trial, isNew } = started;
  if (isNew) trialStarted(context, trial, number, params);
  if (started.isSuspendIgnored) {
    context.isSuspendIgnored = true;
    suspendIgnored(context, trial);
  }
}

async function endOne(context: StudyContext, trials: LoraTrial[], action: PruneAction | StopAction) {
  const trial = trials.find((candidate) => candidate.metadata.name === action.name);
  if (!trial || !isTrialActive(trial.status?.phase)) return trials;
  const ending = action.type === 'prune' ? pruneTrial(context, trial, action) : endTrial(context, trial, action);
  const written = await ending;
  return trials.map((candidate) => (candidate === trial ? written : candidate));
}

/** Writes the pruned status the engine returned, stops the trial and tells so. */
export async function pruneTrial(context: StudyContext, trial: LoraTrial, prune: PruneAction): Promise<LoraTrial> {
  const written = await endTrial(context, trial, prune);
  trialPruned(context, written, prune);
  return written;
}

/** Records the trial's end first, then deletes its Job. A trial already ended keeps its status. */
async function endTrial(context: StudyContext, trial: LoraTrial, ending: PruneAction | StopAction): Promise<LoraTrial> {
  const { api, logs, writes } = context.tools;
  checkSignal(context);
  const written = await writes.writeTrialEnd(trial, ending.status);
  await deleteJob(api, trial);
  logs?.forget(namespaceOf(trial), nameOf(trial));
  return written;
}
