/** Which trials stop because the study finished: every one still running, none judged by the pruner. */
import { isTrialActive, type LoraTrial } from '../api/trial.ts';
import { nameOf } from '../api/object-name.ts';
import type { CompletionReason } from '../api/study.ts';
import type { StopAction } from './actions.ts';
import { stoppedMessage, stoppedStatus } from './trial-endings.ts';

export function decideStops(trials: readonly LoraTrial[], reason: CompletionReason, nowIso: string): StopAction[] {
  return trials
    .filter((trial) => isTrialActive(trial.status?.phase))
    .map((trial) => {
      const message = stoppedMessage(reason);
      const status = stoppedStatus(trial.status, message, nowIso);
      return { type: 'stop', name: nameOf(trial), number: trial.spec.number, reason, message, status };
    });
}
