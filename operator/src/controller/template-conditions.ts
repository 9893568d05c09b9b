/**
 * Conditions about how trials' Jobs are built, which the engine cannot see: whether started
 * trials still run the current trial template, and whether Kueue gets to admit them. Pure.
 */
import type { Condition } from '../api/common.ts';
import type { LoraStudy } from '../api/study.ts';
import { isTrialActive, type LoraTrial } from '../api/trial.ts';
import { condition } from './study-status.ts';
import { TEMPLATE_HASH_ANNOTATION, templateHash } from './trial-actions.ts';

/**
 * A template edit on a running study is taken, for new trials only: a started trial's Job is
 * never rebuilt (its pod may be running, and its params were judged with the old template), so
 * a trial stuck on the old nodeSelector stays stuck until it ends or its pod is deleted (it then runs
 * again as its next attempt, with the current template). Said here.
 */
export function templateCondition(study: LoraStudy, trials: readonly LoraTrial[], nowMs: number): Condition {
  const current = templateHash(study);
  const stale = trials.filter((trial) => {
    const recorded = (trial.metadata.annotations as Record<string, string> | undefined)?.[TEMPLATE_HASH_ANNOTATION];
    return isTrialActive(trial.status?.phase) && recorded !== undefined && recorded !== current;
  });
  const generation = study.metadata.generation;
  if (stale.length === 0)
    return condition(
      'TemplateCurrent',
      true,
      'TemplateCurrent',
      'every started trial runs the current trial template',
      nowMs,
      generation,
    );
  const names = stale.map((trial) => trial.metadata.name).join(', ');
  const message = `the trial template changed: ${stale.length} started trials (${names}) keep the template they started with; new trials get the new one (delete a trial's pod to run it again with the new one)`;
  return condition('TemplateCurrent', false, 'TemplateChanged', message, nowMs, generation);
}

/**
 * With a queueName, Jobs are created suspended and Kueue unsuspends them; the operator never
 * does. A server without Job suspend (before 1.21, or with the feature off) drops the field and
 * the Job runs at once, outside the queue's quota: sticky once seen, since the server stays so.
 */
export function queueCondition(study: LoraStudy, isSuspendIgnored: boolean, nowMs: number): Condition | undefined {
  const queue = study.spec.trialTemplate?.queueName;
  if (!queue) return undefined;
  const generation = study.metadata.generation;
  const seen = study.status?.conditions?.some((c) => c.type === 'QueueAdmission' && c.reason === 'SuspendIgnored');
  if (isSuspendIgnored || seen)
    return condition(
      'QueueAdmission',
      false,
      'SuspendIgnored',
      `the API server dropped spec.suspend from trial Jobs (Job suspend needs Kubernetes 1.21+): they run at once instead of waiting for Kueue queue ${queue}`,
      nowMs,
      generation,
    );
  return condition(
    'QueueAdmission',
    true,
    'Suspended',
    `trial Jobs are created suspended for Kueue queue ${queue}; Kueue starts them`,
    nowMs,
    generation,
  );
}
