/**
 * Replays a journal into what the engine needs: the study as first run, its start time, and the
 * trials as LoraTrial objects. A trial started again (after an interruption) starts afresh.
 */
import type { LoraStudyInput } from '../api/study.ts';
import { appendIntermediate, isTrialActive, type LoraTrial } from '../api/trial.ts';
import { nameOf } from '../api/object-name.ts';
import { prunedStatus, stoppedStatus } from '../engine/trial-endings.ts';
import { withTrialGpuHours } from '../engine/gpu-hours.ts';
import type { JournalEvent } from './journal.ts';

export interface JournalState {
  study?: LoraStudyInput;
  manifestPath?: string;
  startTime?: string;
  trials: Map<string, LoraTrial>;
  attempts: Map<string, number>;
  /** The pid of each trial's latest process (to stop orphans of a runner that died). */
  pids: Map<string, number>;
}

function update(state: JournalState, name: string, change: (trial: LoraTrial) => LoraTrial): void {
  const trial = state.trials.get(name);
  if (!trial) return;
  const changed = change(trial);
  // As the operator writes it: the trial's GPU-hours once it ends.
  state.trials.set(name, changed.status ? { ...changed, status: withTrialGpuHours(changed, changed.status) } : changed);
}

function status(trial: LoraTrial): NonNullable<LoraTrial['status']> {
  return trial.status ?? { phase: 'Pending', intermediateValues: [] };
}

/** Applies one event; events about finished trials (a late metric) change nothing. */
export function applyEvent(state: JournalState, event: JournalEvent): void {
  switch (event.type) {
    case 'study':
      state.study = event.study;
      state.manifestPath = event.manifestPath;
      return;
    case 'started':
      state.startTime ??= event.time;
      state.attempts.set(nameOf(event.trial), event.attempt);
      state.trials.set(nameOf(event.trial), {
        ...event.trial,
        status: { phase: 'Running', intermediateValues: [], startTime: event.time },
      });
      return;
    case 'spawned':
      state.pids.set(event.name, event.pid);
      return;
    case 'metric':
      return update(state, event.name, (trial) =>
        isTrialActive(trial.status?.phase)
          ? {
              ...trial,
              status: {
                ...status(trial),
                intermediateValues: appendIntermediate(status(trial).intermediateValues, event.step, event.value),
              },
            }
          : trial,
      );
    // The engine's rule (trial-endings.ts) on the decision the journal holds: the status the
    // runner had when it acted, for journals of any version.
    case 'pruned':
      return update(state, event.name, (trial) => ({
        ...trial,
        status: prunedStatus(trial.status, event, event.time),
      }));
    case 'stopped':
      return update(state, event.name, (trial) => ({
        ...trial,
        status: stoppedStatus(trial.status, event.message, event.time),
      }));
    case 'finished':
      return update(state, event.name, (trial) =>
        isTrialActive(trial.status?.phase)
          ? { ...trial, status: { ...status(trial), ...event.status, completionTime: event.time } }
          : trial,
      );
  }
}

export function replayJournal(events: readonly JournalEvent[]): JournalState {
  const state: JournalState = { trials: new Map(), attempts: new Map(), pids: new Map() };
  for (const event of events) applyEvent(state, event);
  return state;
}

/** The trials in number order. */
export function trialList(state: JournalState): LoraTrial[] {
  return [...state.trials.values()].sort((a, b) => a.spec.number - b.spec.number);
}
