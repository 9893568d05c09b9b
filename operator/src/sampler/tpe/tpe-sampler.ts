/**
 * The tree-structured Parzen estimator. After the start-up trials, split the finished trials into
 * good and bad, fit a Parzen estimator l(x) to the good and g(x) to the bad per block of
 * dimensions, draw candidates from l and keep the one maximising log l(x) − log g(x).
 */
import type { Params } from '../../api/parameters.ts';
import type { TrialRecord } from '../../trial-record.ts';
import { fromInternal, toDomain, type Domain } from '../domain.ts';
import { sampleSpaceUniform } from '../random.ts';
import { trialRng, type Rng } from '../rng.ts';
import type { SampleContext, Sampler } from '../sampler.ts';
import type { TpeOptions } from '../../api/sampler-spec.ts';
import { planBlocks, type TpeMode } from './blocks.ts';
import {
  InternalCache,
  blockObservations,
  toObservations,
  type BlockObservations,
  type Observations,
} from './observations.ts';
import { buildParzenEstimator, type ParzenOptions } from './parzen-estimator.ts';
import { SortedColumns } from './sorted-columns.ts';
import { splitTrials } from './split.ts';

export type TpeSamplerOptions = TpeOptions & { seed: number };

/**
 * Finished trials from which the bad trials' joint estimator gets Scott's width as a floor
 * (ParzenOptions.scottFloor). Before that TPE's narrow g helps it exploit its first good trials:
 * with the floor always on, multivariate TPE lost to Optuna 3.1's default on 7 of the suite's 75
 * tasks at 30 trials instead of 2. The suite's smallest budget, as auto's hand-over to TPE.
 */
const SCOTT_FLOOR_FROM = 30;

/** Below this many observations a fresh sort is cheaper than reading the kept order. */
const KEEP_ORDER_FROM = 64;

function countFinished(trials: readonly TrialRecord[]): number {
  let finished = 0;
  for (const trial of trials) if (trial.state === 'complete' || trial.state === 'pruned') finished++;
  return finished;
}

export class TpeSampler implements Sampler {
  private readonly options: TpeSamplerOptions;
  private readonly mode: TpeMode;
  /** Estimator options of the good trials (l) and of the bad ones (g). */
  private readonly parzenBelow: ParzenOptions;
  private readonly parzenAbove: ParzenOptions;
  private readonly cache = new InternalCache();
  private readonly sorted = new SortedColumns();
  private space: { of: SampleContext['space']; domains: Domain[]; key: string } | undefined;

  constructor(options: TpeSamplerOptions) {
    this.options = Object.freeze({ ...options });
    this.mode = options.group ? 'group' : options.multivariate ? 'multivariate' : 'univariate';
    this.parzenBelow = {
      priorWeight: options.priorWeight,
      considerEndpoints: options.considerEndpoints,
      bandwidth: options.bandwidth,
    };
    this.parzenAbove = { ...this.parzenBelow, scottFloor: true };
  }

  sample(context: SampleContext): Params {
    const rng = trialRng(this.options.seed, context.number);
    const finished = countFinished(context.trials);
    if (finished < Math.max(1, this.options.startupTrials)) return sampleSpaceUniform(context.space, rng);
    const aboveOptions = finished >= SCOTT_FLOOR_FROM ? this.parzenAbove : this.parzenBelow;
    const { good, bad } = splitTrials(context.trials, { ...this.options, direction: context.direction });
    const { domains, key } = this.spaceOf(context.space);
    const observations = toObservations(domains, [...good, ...bad], this.cache, key);
    const params: Params = {};
    for (const block of planBlocks(domains.length, observations, this.mode)) {
      this.sampleBlock(domains, key, block, observations, good.length, aboveOptions, rng, params);
    }
    const ordered: Params = {};
    for (const domain of domains) ordered[domain.name] = params[domain.name];
    return ordered;
  }

  /** The space's domains and cache key, worked out again only when the space changes (a study asks with the same one). */
  private spaceOf(space: SampleContext['space']): { domains: Domain[]; key: string } {
    if (this.space?.of !== space) this.space = { of: space, domains: space.map(toDomain), key: JSON.stringify(space) };
    return this.space;
  }

  /** Fits l and g on one block, draws candidates from l and writes the best one into params. */
  private sampleBlock(
    domains: readonly Domain[],
    spaceKey: string,
    block: readonly number[],
    observations: Observations,
    goodCount: number,
    aboveOptions: ParzenOptions,
    rng: Rng,
    params: Params,
  ): void {
    const blockDomains = block.map((d) => domains[d]);
    const good = blockObservations(observations, block, 0, goodCount);
    const bad = blockObservations(observations, block, goodCount, observations.trials.length);
    const ordersOf = (subset: BlockObservations) =>
      block.map((d, j) =>
        blockDomains[j].kind === 'categorical' || subset.numbers.length < KEEP_ORDER_FROM
          ? undefined
          : this.sorted.orderOf(spaceKey, d, subset.numbers, subset.columns[j]),
      );
    const below = buildParzenEstimator(blockDomains, good.columns, good.weights, this.parzenBelow, ordersOf(good));
    const above = buildParzenEstimator(blockDomains, bad.columns, bad.weights, aboveOptions, ordersOf(bad));
    const count = this.options.candidates;
    const candidates = blockDomains.map(() => new Float64Array(count));
    below.sample(rng, count, candidates);
    const logBelow = new Float64Array(count);
    const logAbove = new Float64Array(count);
    below.logDensity(candidates, count, logBelow);
    above.logDensity(candidates, count, logAbove);
    const best = bestCandidate(logBelow, logAbove);
    blockDomains.forEach((domain, j) => {
      const x = candidates[j][best];
      params[domain.name] = domain.kind === 'categorical' ? domain.values[x] : fromInternal(domain, x);
    });
  }
}

/** Index of the largest log l − log g; the first on ties. */
function bestCandidate(logBelow: Float64Array, logAbove: Float64Array): number {
  let best = 0;
  let bestScore = -Infinity;
  for (let i = 0; i < logBelow.length; i++) {
    const score = logBelow[i] - logAbove[i];
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  }
  return best;
}
