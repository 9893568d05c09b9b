/**
 * Report: the study's status as the engine planned it, with the operator's own conditions
 * (Valid, SpecAccepted), written through the one writer; and the study's Events (finished, a
 * refused spec change, an invalid spec), each told once.
 */
import type { LoraStudy } from '../api/study.ts';
import type { LoraTrial } from '../api/trial.ts';
import { queueCondition, templateCondition } from './template-conditions.ts';
import { disruptionCondition } from './disruption-condition.ts';
import { nameOf, namespaceOf } from '../api/object-name.ts';
import type { Issue } from '../errors.ts';
import type { Plan } from '../engine/plan.ts';
import type { EventRecorder } from './event-recorder.ts';
import type { Logger } from './logger.ts';
import type { OwnWrites } from './own-writes.ts';
import { checkSignal, studyTarget, type StudyContext } from './reconcile-context.ts';
import { TerminalError } from './runtime/terminal-error.ts';
import { condition, desiredStudyStatus, invalidSpecStatus, isFinished } from './study-status.ts';

export async function reportStudy(
  context: StudyContext,
  plan: Plan,
  refusal: Issue | undefined,
  trials: readonly LoraTrial[],
): Promise<void> {
  const { study, nowMs } = context;
  const { events, writes } = context.tools;
  const generation = study.metadata.generation;
  const refused = refusal && `${refusal.path}: ${refusal.message}`;
  const accepted = refused
    ? condition('SpecAccepted', false, 'ImmutableFieldChanged', refused, nowMs, generation)
    : condition('SpecAccepted', true, 'SpecAccepted', 'the spec in effect is the current one', nowMs, generation);
  const queue = queueCondition(study, context.isSuspendIgnored === true, nowMs);
  const disrupted = disruptionCondition(study, trials, nowMs);
  const extra = [
    condition('Valid', true, 'SpecValid', 'the spec passed validation', nowMs, generation),
    accepted,
    templateCondition(study, trials, nowMs),
    ...(queue ? [queue] : []),
    ...(disrupted ? [disrupted] : []),
  ];
  const wasFinished = isFinished(study.status);
  checkSignal(context);
  const desired = (fresh: LoraStudy) => desiredStudyStatus({ ...study, status: fresh.status }, plan.status, extra);
  const written = await writes.writeStudy(study, desired);
  if (refused && !study.status?.conditions?.some((c) => c.type === 'SpecAccepted' && c.status === 'False')) {
    events.record(studyTarget(context), 'Warning', 'SpecChangeRefused', refused);
  }
  if (!wasFinished && isFinished(written.status)) {
    const { completionReason, bestTrial } = written.status ?? {};
    context.log.info({ reason: completionReason, best: bestTrial }, 'study finished');
    const best = `best trial ${bestTrial?.name ?? 'none'} with ${bestTrial?.value ?? '-'}`;
    events.record(studyTarget(context), 'Normal', 'StudyFinished', `Study finished (${completionReason}); ${best}`);
  }
}

export interface InvalidReport {
  study: LoraStudy;
  issues: Issue[];
  log: Logger;
  nowMs: number;
  writes: OwnWrites;
  events: EventRecorder;
}

/** Valid=False with every issue and one Warning (once per distinct problem), then a terminal error. */
export async function reportInvalid(report: InvalidReport): Promise<never> {
  const { study, issues, nowMs } = report;
  const message = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  const conditions = study.status?.conditions ?? [];
  // A new generation with the same problem is reported again, so observedGeneration follows the spec.
  const alreadyReported =
    study.status?.observedGeneration === study.metadata.generation &&
    conditions.some((c) => c.type === 'Valid' && c.status === 'False' && c.message === message);
  if (!alreadyReported) {
    await report.writes.writeStudy(study, (fresh) =>
      invalidSpecStatus(fresh.status, message, nowMs, study.metadata.generation),
    );
    report.events.record({ kind: 'LoraStudy', metadata: study.metadata }, 'Warning', 'SpecInvalid', message);
  }
  report.log.warn({ issues }, 'study spec is invalid; no trials start until it is fixed');
  throw new TerminalError(`LoraStudy ${namespaceOf(study)}/${nameOf(study)} is invalid: ${message}`);
}
