/**
 * The ask-and-tell study: `ask()` hands out the next trial's parameters, `report()` records
 * intermediate values, `tell()` finishes a trial. The trial records are the whole state, so
 * `Study.fromTrials` rebuilds a study that makes exactly the decisions the live one would.
 */
import { z } from 'zod';
import { LorahpoError, SpecInvalidError, type Issue } from '../errors.ts';
import type { Parameter, ParameterInput, Params } from '../api/parameters.ts';
import { checkGridSpace } from '../api/grid-space.ts';
import { checkSamplerSpec, type SamplerSpec, type SamplerSpecInput } from '../api/sampler-spec.ts';
import { parseSearchSpace } from '../api/search-space.ts';
import { DIRECTIONS, type Direction } from '../api/study.ts';
import { zodIssues } from '../../../trainer/src/contract/zod-issues.ts';
import { createSampler } from '../sampler/create-sampler.ts';
import type { Sampler } from '../sampler/sampler.ts';
import type { TrialRecord } from '../trial-record.ts';
import { checkWarmStart, type WarmStart, warmHistory } from './warm-start.ts';

export interface StudyConfig {
  direction: Direction;
  parameters: ParameterInput[];
  /** The same schema and rules as a LoraStudy's `spec.sampler`; default `{ algorithm: 'auto' }`. */
  sampler?: SamplerSpecInput;
  /** Parameter sets to try first and earlier studies' finished trials (see warm-start.ts). */
  warmStart?: WarmStart;
}

const DirectionSchema = z.object({ direction: z.enum(DIRECTIONS) });

/** The direction and sampler of a configuration, or a SpecInvalidError in the project's wording. */
function parseConfig(config: StudyConfig): { direction: Direction; sampler: SamplerSpec } {
  const direction = DirectionSchema.safeParse({ direction: config.direction });
  const directionIssues = direction.success ? [] : zodIssues(direction.error, { direction: config.direction });
  const sampler = checkSamplerSpec(config.sampler, 'sampler');
  const issues = [...directionIssues, ...sampler.issues];
  if (!direction.success || sampler.spec === undefined || issues.length > 0) {
    throw new SpecInvalidError('study configuration is invalid:', issues);
  }
  return { direction: direction.data.direction, sampler: sampler.spec };
}

export interface AskedTrial {
  number: number;
  params: Params;
}

export type TellOutcome = number | { state: 'pruned' } | { state: 'failed' };

export class Study {
  readonly direction: Direction;
  readonly space: readonly Parameter[];
  readonly samplerSpec: SamplerSpec;
  private readonly sampler: Sampler;
  private readonly enqueued: readonly Params[];
  private readonly history: readonly TrialRecord[];
  private readonly records: TrialRecord[] = [];
  private readonly indexByNumber = new Map<number, number>();
  private nextNumber = 0;

  constructor(config: StudyConfig) {
    const parsed = parseConfig(config);
    this.direction = parsed.direction;
    this.space = Object.freeze(parseSearchSpace(config.parameters));
    this.samplerSpec = parsed.sampler;
    const gridIssues = this.samplerSpec.algorithm === 'grid' ? checkGridSpace(this.space) : [];
    if (gridIssues.length > 0) {
      throw new SpecInvalidError('search space cannot be gridded:', gridIssues, 'LORAHPO_SEARCH_SPACE_INVALID');
    }
    this.sampler = createSampler(this.samplerSpec);
    const warmIssues = checkWarmStart(this.space, config.warmStart);
    if (warmIssues.length > 0) throw new SpecInvalidError('warm start is invalid:', warmIssues);
    this.enqueued = Object.freeze((config.warmStart?.enqueue ?? []).map((params) => Object.freeze({ ...params })));
    this.history = warmHistory(config.warmStart);
  }

  /** A study continuing from its trial records (any order; running ones stay running). */
  static fromTrials(config: StudyConfig, trials: readonly TrialRecord[]): Study {
    const study = new Study(config);
    const issues = checkRecords(trials);
    if (issues.length > 0) throw new SpecInvalidError('trial records are invalid:', issues);
    const sorted = [...trials].sort((a, b) => a.number - b.number);
    for (const trial of sorted) study.store(freezeRecord(trial));
    study.nextNumber = sorted.length === 0 ? 0 : sorted[sorted.length - 1].number + 1;
    return study;
  }

  get trials(): readonly TrialRecord[] {
    return this.records;
  }

  /** The best complete trial (NaN values never win; the earliest wins ties). */
  get bestTrial(): TrialRecord | undefined {
    const sign = this.direction === 'minimize' ? 1 : -1;
    let best: TrialRecord | undefined;
    let bestValue = Number.POSITIVE_INFINITY;
    for (const trial of this.records) {
      if (trial.state !== 'complete' || trial.value === undefined || Number.isNaN(trial.value)) continue;
      if (best === undefined || sign * trial.value < bestValue) {
        best = trial;
        bestValue = sign * trial.value;
      }
    }
    return best;
  }

  /** True when the sampler has nothing left to suggest (a grid whose every point is taken). */
  get isExhausted(): boolean {
    return this.sampler.isExhausted?.(this.space, this.records) ?? false;
  }

  /** Starts a trial. Throws LORAHPO_GRID_EXHAUSTED when a grid has no point left. */
  ask(): AskedTrial {
    const number = this.nextNumber;
    const trials = this.history.length === 0 ? this.records : [...this.history, ...this.records];
    const params =
      number < this.enqueued.length
        ? orderedLike(this.space, this.enqueued[number])
        : this.sampler.sample({ space: this.space, direction: this.direction, trials, number });
    this.nextNumber = number + 1;
    this.store(freezeRecord({ number, params, state: 'running', intermediate: [] }));
    return { number, params: { ...params } };
  }

  /** Records an intermediate value of a running trial; each step at most once. */
  report(number: number, step: number, value: number): void {
    const trial = this.running(number, 'report');
    if (!Number.isFinite(step))
      throw new LorahpoError('LORAHPO_TRIAL_STATE', `trial ${number}: step is ${step} but must be a finite number`);
    if (trial.intermediate.some((entry) => entry.step === step)) {
      throw new LorahpoError('LORAHPO_TRIAL_STATE', `trial ${number} already reported step ${step}`);
    }
    const intermediate = [...trial.intermediate, { step, value }].sort((a, b) => a.step - b.step);
    this.replace(freezeRecord({ ...trial, intermediate }));
  }

  /** Finishes a running trial: complete with a value, pruned (keeps its last value) or failed. */
  tell(number: number, outcome: TellOutcome): void {
    const trial = this.running(number, 'tell');
    if (typeof outcome === 'number') {
      this.replace(freezeRecord({ ...trial, state: 'complete', value: outcome }));
    } else if (outcome?.state === 'pruned') {
      const last = trial.intermediate[trial.intermediate.length - 1];
      this.replace(freezeRecord({ ...trial, state: 'pruned', value: last?.value }));
    } else if (outcome?.state === 'failed') {
      this.replace(freezeRecord({ ...trial, state: 'failed' }));
    } else {
      throw new LorahpoError(
        'LORAHPO_TRIAL_STATE',
        `trial ${number}: outcome is ${JSON.stringify(outcome)} but must be a number, {state: 'pruned'} or {state: 'failed'}`,
      );
    }
  }

  private running(number: number, action: string): TrialRecord {
    const index = this.indexByNumber.get(number);
    if (index === undefined)
      throw new LorahpoError('LORAHPO_TRIAL_UNKNOWN', `cannot ${action} trial ${number}: no such trial`);
    const trial = this.records[index];
    if (trial.state !== 'running') {
      throw new LorahpoError(
        'LORAHPO_TRIAL_STATE',
        `cannot ${action} trial ${number}: it is ${trial.state}, not running`,
      );
    }
    return trial;
  }

  private store(trial: TrialRecord): void {
    this.indexByNumber.set(trial.number, this.records.length);
    this.records.push(trial);
  }

  private replace(trial: TrialRecord): void {
    this.records[this.indexByNumber.get(trial.number) as number] = trial;
  }
}

/** An enqueued parameter set in space order (as samplers return them). */
function orderedLike(space: readonly Parameter[], params: Params): Params {
  const ordered: Params = {};
  for (const param of space) ordered[param.name] = params[param.name];
  return ordered;
}

function freezeRecord(trial: TrialRecord): TrialRecord {
  const record: TrialRecord = {
    number: trial.number,
    params: Object.freeze({ ...trial.params }),
    state: trial.state,
    intermediate: Object.freeze(
      (trial.intermediate ?? []).map((entry) => Object.freeze({ ...entry })),
    ) as TrialRecord['intermediate'],
  };
  if (trial.value !== undefined) record.value = trial.value;
  return Object.freeze(record);
}

const STATES = new Set(['running', 'complete', 'pruned', 'failed']);

function checkRecords(trials: readonly TrialRecord[]): Issue[] {
  const issues: Issue[] = [];
  const seen = new Set<number>();
  trials.forEach((trial, index) => {
    const path = `trials[${index}]`;
    if (!Number.isInteger(trial.number) || trial.number < 0) {
      issues.push({
        code: 'invalid_number',
        path: `${path}.number`,
        message: `is ${trial.number} but must be an integer ≥ 0`,
      });
    } else if (seen.has(trial.number)) {
      issues.push({
        code: 'number_not_unique',
        path: `${path}.number`,
        message: `is ${trial.number} but trial numbers must be unique`,
      });
    }
    seen.add(trial.number);
    if (!STATES.has(trial.state)) {
      issues.push({
        code: 'invalid_state',
        path: `${path}.state`,
        message: `is ${JSON.stringify(trial.state)} but must be running, complete, pruned or failed`,
      });
    }
    if (trial.params === null || typeof trial.params !== 'object') {
      issues.push({ code: 'invalid_params', path: `${path}.params`, message: 'must be an object of parameter values' });
    }
  });
  return issues;
}
