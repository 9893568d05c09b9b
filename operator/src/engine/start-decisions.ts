/**
 * Which trials start: up to parallelTrials at once, within maxTrials, numbers in order. Trial n
 * starts only when every trial below its cutoff has finished (see history.ts), and is sampled
 * from exactly that history, so its params never depend on timing. With `scheduling: greedy` a
 * trial starts whenever a slot is free and sees every earlier trial as it is at that moment.
 */
import { API_GROUP_VERSION } from '../api/common.ts';
import { isTrialActive, trialName, type LoraTrial } from '../api/trial.ts';
import type { StudySpec } from '../api/study.ts';
import type { Parameter, Params } from '../api/parameters.ts';
import { templateGpus } from '../api/trial-gpus.ts';
import { LorahpoError } from '../errors.ts';
import type { Pruner } from '../pruner/pruner.ts';
import type { Sampler } from '../sampler/sampler.ts';
import type { StartAction } from './actions.ts';
import { historyCutoff, samplerHistory, toRecord } from './history.ts';
import { trialSeed } from './trial-seed.ts';
import { enqueuedParams } from './warm-start.ts';
import type { TrialRecord } from '../trial-record.ts';

export interface StartContext {
  spec: StudySpec;
  study: { name: string; namespace?: string };
  space: readonly Parameter[];
  sampler: Sampler;
  pruner: Pruner;
  nowIso: string;
  /** Earlier studies' trials as the sampler sees them (engine/warm-start.ts); numbered below 0. */
  warmHistory: readonly TrialRecord[];
}

export interface StartDecisions {
  starts: StartAction[];
  trials: LoraTrial[];
  isSpaceExhausted: boolean;
}

/**
 * The lowest trial number not taken. Usually max + 1; a gap appears when one of several trials
 * started together failed to be created (the others were): that number is started next, as the
 * undisturbed run would have, instead of being skipped for good.
 */
function nextNumber(trials: readonly LoraTrial[]): number {
  const taken = new Set(trials.map((trial) => trial.spec.number));
  let number = 0;
  while (taken.has(number)) number += 1;
  return number;
}

/** The GPUs trials ask for now: kept in the trial, so a later template edit does not recount it. */
function gpusOf(spec: StudySpec): { gpus?: number } {
  const gpus = templateGpus(spec.trialTemplate);
  return gpus > 0 ? { gpus } : {};
}

function newTrial(context: StartContext, number: number, params: StartAction['params'], cutoff: number): StartAction {
  const name = trialName(context.study.name, number);
  const seed = trialSeed(context.spec.sampler.seed, number);
  const trial: LoraTrial = {
    apiVersion: API_GROUP_VERSION,
    kind: 'LoraTrial',
    metadata: {
      name,
      ...(context.study.namespace === undefined ? {} : { namespace: context.study.namespace }),
      labels: {
        'lorahpo.io/study': context.study.name,
        'lorahpo.io/trial': name,
        'lorahpo.io/trial-number': String(number),
      },
    },
    spec: { study: context.study.name, number, params, seed, historyCutoff: cutoff, ...gpusOf(context.spec) },
    status: { phase: 'Pending', intermediateValues: [] },
  };
  return { type: 'start', name, number, params, seed, historyCutoff: cutoff, trial };
}

/** Samples trial `number`, or says the (grid) space is used up. */
function sampleParams(
  context: StartContext,
  trials: readonly LoraTrial[],
  number: number,
  cutoff: number,
): StartAction['params'] | 'exhausted' {
  const records = trials.map(toRecord);
  const visible = samplerHistory(records, number, cutoff);
  const own = context.pruner.samplerHistory?.(number, visible, context.study.name) ?? visible;
  const history = [...context.warmHistory, ...own];
  const enqueued = enqueuedParams(context.spec, number);
  if (enqueued && context.space.every((param) => Object.hasOwn(enqueued, param.name)))
    return inSpaceOrder(context.space, enqueued, {});
  if (context.sampler.isExhausted?.(context.space, history)) return 'exhausted';
  try {
    const sampled = context.sampler.sample({
      space: context.space,
      direction: context.spec.objective.direction,
      trials: history,
      number,
    });
    return enqueued ? inSpaceOrder(context.space, enqueued, sampled) : sampled;
  } catch (error) {
    if (error instanceof LorahpoError && error.code === 'LORAHPO_GRID_EXHAUSTED') return 'exhausted';
    throw error;
  }
}

/** An enqueued set with its missing parameters taken from `sampled`, in space order (as samplers return them). */
function inSpaceOrder(space: readonly Parameter[], enqueued: Params, sampled: Params): Params {
  return Object.fromEntries(
    space.map((param) => [
      param.name,
      Object.hasOwn(enqueued, param.name) ? enqueued[param.name] : sampled[param.name],
    ]),
  ) as Params;
}

export function decideStarts(context: StartContext, current: readonly LoraTrial[]): StartDecisions {
  const { maxTrials, parallelTrials } = context.spec.budget;
  const trials = [...current];
  const starts: StartAction[] = [];
  for (;;) {
    const active = trials.filter((trial) => isTrialActive(trial.status?.phase));
    if (active.length >= parallelTrials || trials.length >= maxTrials) break;
    const number = nextNumber(trials);
    const isGreedy = context.spec.scheduling === 'greedy';
    const cutoff = isGreedy ? number : historyCutoff(number, parallelTrials);
    if (!isGreedy && active.some((trial) => trial.spec.number < cutoff)) break;
    const params = sampleParams(context, trials, number, cutoff);
    if (params === 'exhausted') return { starts, trials, isSpaceExhausted: true };
    const start = newTrial(context, number, params, cutoff);
    starts.push(start);
    trials.push(start.trial);
  }
  return { starts, trials, isSpaceExhausted: false };
}
