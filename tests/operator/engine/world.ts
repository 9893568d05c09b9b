/**
 * A tiny simulated world for the engine: it applies plan's actions to in-memory LoraTrials and
 * advances one trial at a time (which one is the caller's choice, so tests can reorder events).
 * Each trial reports `objective(params, step)` at steps 1..steps, then succeeds with its last value.
 */
import { plan, type Plan, type PlanOptions, type StudyInput } from '../../../operator/src/engine/plan.ts';
import { appendIntermediate, isTrialActive, type LoraTrial } from '../../../operator/src/api/trial.ts';
import type { PlanAction } from '../../../operator/src/engine/actions.ts';
import type { Params } from '../../../operator/src/api/parameters.ts';

export type Objective = (params: Params, step: number) => number;

export class World {
  trials: LoraTrial[] = [];
  study: StudyInput;
  nowMs = Date.parse('2026-01-01T00:00:00Z');
  log: PlanAction[] = [];
  maxActive = 0;
  last?: Plan;
  /** Handed to every plan (e.g. earlierTrials for warm starts). */
  planOptions: PlanOptions = {};
  readonly #objective: Objective;
  readonly #steps: number;
  readonly #fails: (params: Params) => boolean;

  constructor(spec: unknown, objective: Objective, steps: number, fails: (params: Params) => boolean = () => false) {
    this.study = { metadata: { name: 'demo', namespace: 'default', generation: 1 }, spec };
    this.#objective = objective;
    this.#steps = steps;
    this.#fails = fails;
  }

  get active(): LoraTrial[] {
    return this.trials.filter((trial) => isTrialActive(trial.status?.phase));
  }

  /** Plans and applies the actions, like a runner. */
  tick(): Plan {
    const result = plan(this.study, this.trials, new Date(this.nowMs), this.planOptions);
    for (const action of result.actions) this.#apply(action);
    this.study = { ...this.study, status: result.status };
    this.maxActive = Math.max(this.maxActive, this.active.length);
    this.last = result;
    return result;
  }

  #apply(action: PlanAction): void {
    this.log.push(action);
    if (action.type === 'start')
      this.trials.push({ ...action.trial, status: { phase: 'Running', intermediateValues: [] } });
    if (action.type === 'prune' || action.type === 'stop') this.#update(action.name, () => action.status);
  }

  #update(name: string, change: (status: NonNullable<LoraTrial['status']>) => NonNullable<LoraTrial['status']>): void {
    this.trials = this.trials.map((trial) =>
      trial.metadata.name === name
        ? { ...trial, status: change(trial.status ?? { phase: 'Running', intermediateValues: [] }) }
        : trial,
    );
  }

  /** Advances the `choice`-th active trial by one event: a metric, or its end. */
  advance(choice: number): void {
    const active = this.active;
    if (active.length === 0) return;
    const trial = active[choice % active.length];
    const curve = trial.status?.intermediateValues ?? [];
    const params = trial.spec.params as Params;
    this.nowMs += 1000;
    if (curve.length >= 2 && this.#fails(params)) {
      this.#update(trial.metadata.name as string, (status) => ({ ...status, phase: 'Failed', reason: 'Crashed' }));
    } else if (curve.length < this.#steps) {
      const step = curve.length + 1;
      this.#update(trial.metadata.name as string, (status) => ({
        ...status,
        intermediateValues: appendIntermediate(status.intermediateValues, step, this.#objective(params, step)),
      }));
    } else {
      this.#update(trial.metadata.name as string, (status) => ({
        ...status,
        phase: 'Succeeded',
        value: curve.at(-1)?.value,
      }));
    }
  }

  /** Runs to the end, taking event order from `choices` (cycled). */
  run(choices: readonly number[], maxEvents = 10_000): Plan {
    let result = this.tick();
    for (let i = 0; i < maxEvents && result.status.completionReason === undefined; i += 1) {
      this.advance(choices.length === 0 ? 0 : choices[i % choices.length]);
      result = this.tick();
    }
    return result;
  }
}

/** The outcome of a study without times: what must not depend on event order. */
export function outcome(world: World) {
  const status = world.last?.status;
  return {
    trials: [...world.trials]
      .sort((a, b) => a.spec.number - b.spec.number)
      .map((trial) => ({
        number: trial.spec.number,
        params: trial.spec.params,
        phase: trial.status?.phase,
        value: trial.status?.value,
        prunedAtStep: trial.status?.prunedAtStep,
      })),
    best: status?.bestTrial,
    counts: status?.trialCounts,
    reason: status?.completionReason,
    phase: status?.phase,
  };
}
