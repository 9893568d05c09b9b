/**
 * The study's word on disrupted trials, which its counts cannot show (a rerun trial is counted
 * by its last attempt): TrialsDisrupted=True once any trial ran again, naming the most recent
 * few. Absent while none was disrupted. Pure.
 */
import type { Condition } from '../api/common.ts';
import type { LoraStudy } from '../api/study.ts';
import type { LoraTrial } from '../api/trial.ts';
import { condition } from './study-status.ts';

const NAMED = 5;

export function disruptionCondition(
  study: LoraStudy,
  trials: readonly LoraTrial[],
  nowMs: number,
): Condition | undefined {
  const disrupted = trials.filter((trial) => (trial.status?.attempts?.length ?? 0) > 0);
  if (disrupted.length === 0) return undefined;
  const disruptions = disrupted.reduce((sum, trial) => sum + (trial.status?.attempts?.length ?? 0), 0);
  const latest = [...disrupted]
    .sort((a, b) => (b.status?.attempts?.at(-1)?.time ?? '').localeCompare(a.status?.attempts?.at(-1)?.time ?? ''))
    .slice(0, NAMED)
    .map((trial) => {
      const last = trial.status?.attempts?.at(-1);
      const now =
        trial.status?.reason === 'AttemptsExhausted' ? 'attempts exhausted' : `attempt ${trial.status?.attempt}`;
      return `${trial.metadata.name} ${now} (${last?.reason})`;
    });
  const more = disrupted.length > NAMED ? `, and ${disrupted.length - NAMED} more` : '';
  const counted = `${counting(disrupted.length, 'trial')} disrupted ${counting(disruptions, 'time')}`;
  const message = `${counted} and run again: ${latest.join(', ')}${more}`;
  return condition('TrialsDisrupted', true, 'TrialsRerun', message, nowMs, study.metadata.generation);
}

function counting(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
