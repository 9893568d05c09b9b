/** One line of the local runner's journal (journal.ts writes them, journal-state.ts replays them). */
import type { LoraStudyInput } from '../api/study.ts';
import type { LoraTrial, TrialStatus } from '../api/trial.ts';

export type JournalEvent =
  | { type: 'study'; time: string; version: number; manifestPath: string; study: LoraStudyInput }
  | { type: 'started'; time: string; trial: LoraTrial; attempt: number }
  | { type: 'spawned'; name: string; pid: number }
  | { type: 'metric'; name: string; step: number; value: number }
  | { type: 'pruned'; time: string; name: string; step: number; value?: number; message: string }
  | { type: 'stopped'; time: string; name: string; reason: string; message: string }
  | { type: 'finished'; time: string; name: string; status: Partial<TrialStatus> & { phase: TrialStatus['phase'] } };
