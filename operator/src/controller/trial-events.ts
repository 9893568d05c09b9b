/**
 * How a trial's changes are told: a log line and the same Event on its study and on the trial
 * (`kubectl describe lorastudy` and `kubectl describe loratrial` both list them). The words live
 * here; the steps that change trials call these.
 */
import type { Params } from '../api/parameters.ts';
import type { LoraTrial } from '../api/trial.ts';
import { nameOf } from '../api/object-name.ts';
import type { PruneAction } from '../engine/actions.ts';
import { studyTarget, type StudyContext } from './reconcile-context.ts';

function tell(context: StudyContext, trial: LoraTrial, type: 'Normal' | 'Warning', reason: string, text: string): void {
  const { events } = context.tools;
  events.record(studyTarget(context), type, reason, text);
  events.record({ kind: 'LoraTrial', metadata: trial.metadata }, type, reason, text);
}

export function trialStarted(context: StudyContext, trial: LoraTrial, number: number, params: Params): void {
  const name = nameOf(trial);
  context.log.child({ trial: name }).info({ number, params }, 'trial started');
  const text = `Started trial ${name} with ${JSON.stringify(params)}`;
  tell(context, trial, 'Normal', 'TrialStarted', text);
}

export function trialPruned(context: StudyContext, trial: LoraTrial, prune: PruneAction): void {
  const { name, step, value } = prune;
  context.log.child({ trial: name }).info({ step, value }, 'trial pruned');
  const text = `Pruned trial ${name} at step ${step}${value === undefined ? '' : ` (value ${value})`}`;
  tell(context, trial, 'Normal', 'TrialPruned', text);
}

/** A queued trial's Job runs at once: the API server dropped spec.suspend. */
export function suspendIgnored(context: StudyContext, trial: LoraTrial): void {
  const name = nameOf(trial);
  const queue = context.study.spec.trialTemplate?.queueName;
  context.log.child({ trial: name }).warn({ queue }, 'the API server dropped spec.suspend; the Job runs at once');
  const text = `The API server dropped spec.suspend from Job ${name}: it runs now instead of waiting for queue ${queue}`;
  tell(context, trial, 'Warning', 'SuspendIgnored', text);
}

/** A trial that ended by itself: Failed is a Warning, EarlyStopped says at which epoch and why. */
export function trialEnded(context: StudyContext, before: LoraTrial, after: LoraTrial): void {
  const phase = after.status?.phase;
  if (phase === before.status?.phase) return;
  const name = nameOf(after);
  const status = after.status;
  context.log.child({ trial: name }).info({ phase, value: status?.value, reason: status?.reason }, `trial ${phase}`);
  if (phase === 'Failed') {
    const text = `Trial ${name} failed (${status?.reason}): ${status?.message ?? ''}`.trim();
    tell(context, after, 'Warning', 'TrialFailed', text);
  }
  if (phase === 'EarlyStopped') {
    const why = status?.message ? `: ${status.message}` : '';
    const text = `Trial ${name} stopped itself at epoch ${status?.stoppedAtEpoch ?? '?'} with ${status?.value}${why}`;
    tell(context, after, 'Normal', 'TrialEarlyStopped', text);
  }
}

/** A disrupted trial runs again: its status message says which attempt, why, and its new Job. */
export function trialDisrupted(context: StudyContext, trial: LoraTrial): void {
  const name = nameOf(trial);
  const last = trial.status?.attempts?.at(-1);
  context.log
    .child({ trial: name })
    .warn({ attempt: trial.status?.attempt, reason: last?.reason }, 'trial disrupted; running it again');
  tell(context, trial, 'Warning', 'TrialDisrupted', `Trial ${name} ${trial.status?.message ?? 'was disrupted'}`);
}
