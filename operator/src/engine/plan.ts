/**
 * The engine: a pure function of (study, trials, clock) that says what to do and what the
 * study's status is. No I/O, no clock reads, randomness only from the sampler's seeded streams;
 * the Kubernetes controller and the local runner both call it after every change and apply the
 * actions idempotently.
 */
import type { StudySpec, StudyStatus } from '../api/study.ts';
import type { LoraTrial } from '../api/trial.ts';
import type { ObjectMeta } from '../api/common.ts';
import { checkStudySpec } from '../api/validate-study.ts';
import { createSampler } from '../sampler/create-sampler.ts';
import { hasTpePhase, type SamplerSpec } from '../api/sampler-spec.ts';
import { parseSearchSpace } from '../api/search-space.ts';
import { createPruner } from '../pruner/create-pruner.ts';
import type { PlanAction } from './actions.ts';
import { completionReason, STOPPING_REASONS, timeUntilTimeoutMs } from './completion.ts';
import { studyGpuHours, timeUntilGpuBudgetMs } from './gpu-hours.ts';
import { toRecord } from './history.ts';
import { decidePrunes } from './prune-decisions.ts';
import { decideStarts } from './start-decisions.ts';
import { decideStops } from './stop-decisions.ts';
import { applyEndings } from './trial-endings.ts';
import { buildStatus, invalidStatus } from './status.ts';
import { warmHistory, warmStartStatus } from './warm-start.ts';

/** A study as read: the spec may be anything (it is validated here). */
export interface StudyInput {
  metadata: ObjectMeta;
  spec: unknown;
  status?: StudyStatus;
}

/** What to do, and the study's status once it is done. */
export interface Plan {
  actions: PlanAction[];
  status: StudyStatus;
  /** Call plan again after this long even if nothing changes (the timeout). */
  requeueAfterMs?: number;
}

/** The sampler configuration of a spec: TPE options only for the algorithms with a TPE phase. */
export function samplerConfig(spec: StudySpec): SamplerSpec {
  const { algorithm, seed, ...options } = spec.sampler;
  if (!hasTpePhase(algorithm)) return { algorithm, seed };
  const set = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  return { algorithm, seed, ...set };
}

export interface PlanOptions {
  /** Trials run another trainer than the spec names (`lorahpo run --trainer`): skip the built-in trainer's rules. */
  hasTrainerOverride?: boolean;
  /** The caller validated this spec (checkStudySpec with the same options): do not again. */
  isSpecChecked?: boolean;
  /** Start no trial (a refused spec change): the status counts only the trials there are. */
  isStartBlocked?: boolean;
  /** Trials run as local processes (`lorahpo run`): their output folders stay, no pod volume applies. */
  isLocal?: boolean;
  /**
   * Trials of the studies spec.warmStart.fromStudies names, as the runner read them (the
   * operator from the cluster, `lorahpo run` from their state directories); others are ignored.
   */
  earlierTrials?: readonly LoraTrial[];
}

/** The engine as a runner receives it (the operator takes one, so tests can script it). */
export type Planner = (study: StudyInput, trials: readonly LoraTrial[], now: Date, options?: PlanOptions) => Plan;

export function plan(study: StudyInput, trials: readonly LoraTrial[], now: Date, options: PlanOptions = {}): Plan {
  const nowIso = now.toISOString();
  const generation = study.metadata.generation;
  const { spec, issues } = options.isSpecChecked
    ? { spec: study.spec as StudySpec, issues: [] }
    : checkStudySpec(study.spec, options);
  if (spec === undefined) return { actions: [], status: invalidStatus(issues, nowIso, study.status, generation) };
  const name = study.metadata.name ?? 'study';
  const pruner = createPruner(spec.pruner);
  const own = trials.filter((trial) => trial.spec.study === name);
  const prunes = decidePrunes({ spec, study: name, pruner, nowIso }, own, own.map(toRecord));
  let current = applyEndings(own, prunes);
  const startTime = study.status?.startTime ?? nowIso;
  const clock = { startTimeMs: Date.parse(startTime), nowMs: now.getTime() };
  let reason = completionReason({
    spec,
    records: current.map(toRecord),
    started: current.length,
    isSpaceExhausted: false,
    gpuHours: studyGpuHours(current, clock.nowMs),
    ...clock,
  });
  const actions: PlanAction[] = [...prunes];
  const space = parseSearchSpace(spec.parameters);
  const history = warmHistory(spec, name, space, options.earlierTrials ?? []);
  if (reason !== undefined && STOPPING_REASONS.has(reason)) {
    const stops = decideStops(current, reason, nowIso);
    actions.push(...stops);
    current = applyEndings(current, stops);
  } else if (reason === undefined && !options.isStartBlocked) {
    const decided = decideStarts(
      {
        spec,
        study: { name, namespace: study.metadata.namespace },
        space,
        sampler: createSampler(samplerConfig(spec)),
        pruner,
        nowIso,
        warmHistory: history.records,
      },
      current,
    );
    actions.push(...decided.starts);
    current = decided.trials;
    reason = completionReason({
      spec,
      records: current.map(toRecord),
      started: current.length,
      isSpaceExhausted: decided.isSpaceExhausted,
      gpuHours: studyGpuHours(current, clock.nowMs),
      ...clock,
    });
  }
  const status = buildStatus({
    previous: study.status,
    generation,
    nowIso,
    spec,
    trials: current,
    reason,
    gpuHours: studyGpuHours(current, clock.nowMs),
    startTime: current.length > 0 ? startTime : study.status?.startTime,
    ...(options.isLocal ? { isLocal: true } : {}),
  });
  const warmStart = warmStartStatus(spec, current, history);
  if (warmStart) status.warmStart = warmStart;
  if (status.completionReason !== undefined)
    actions.push({ type: 'finish', reason: status.completionReason, phase: status.phase });
  const requeueAfterMs =
    status.completionReason === undefined
      ? earliest(
          timeUntilTimeoutMs(spec, clock.startTimeMs, clock.nowMs),
          timeUntilGpuBudgetMs(spec.budget.maxGpuHours, current, clock.nowMs),
        )
      : undefined;
  return { actions, status, ...(requeueAfterMs === undefined ? {} : { requeueAfterMs }) };
}

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}
