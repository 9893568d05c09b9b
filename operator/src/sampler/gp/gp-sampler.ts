/**
 * Gaussian-process Bayesian optimisation for small budgets. After the start-up trials (random),
 * fit a GP (Matérn 5/2 ARD, Hamming distance for categoricals) to the complete trials by marginal
 * likelihood, condition it on the running trials at their predicted mean (the "kriging believer",
 * so parallel workers do not all propose the same point), and propose the point of largest log
 * expected improvement, found by random candidates plus a local search from the best of them.
 */
import type { Params } from '../../api/parameters.ts';
import type { TrialRecord } from '../../trial-record.ts';
import { type Domain, fromInternal, snapInternal, toDomain, toInternal } from '../domain.ts';
import { sampleSpaceUniform } from '../random.ts';
import { type Rng, trialRng } from '../rng.ts';
import type { SampleContext, Sampler } from '../sampler.ts';
import { fitHyperparameters, type GpData, initialHyperparameters, Posterior } from './gaussian-process.ts';
import { logExpectedImprovement } from './log-ei.ts';

export interface GpSamplerOptions {
  seed: number;
  /** Complete trials sampled at random before the GP starts (as Optuna's GPSampler: 10). */
  startupTrials?: number;
  /** Random candidates scored per suggestion before the local search. */
  candidates?: number;
}

const DEFAULT_STARTUP = 10;
const DEFAULT_CANDIDATES = 512;
/** Local searches start from this many of the best random candidates and observed points. */
const LOCAL_STARTS = 4;
const LOCAL_ROUNDS = 12;

/** The unit-cube (numeric) or index (categorical) coordinate of a stored value; NaN if not in the space. */
function encode(domain: Domain, value: Params[string] | undefined): number {
  const internal = toInternal(domain, value);
  if (domain.kind === 'categorical' || Number.isNaN(internal)) return internal;
  return (internal - domain.low) / (domain.high - domain.low);
}

/** Snaps a unit coordinate to an allowed value of a stepped or integer domain (and clamps it). */
function snapUnit(domain: Domain, u: number): number {
  if (domain.kind === 'categorical') return u;
  const internal = snapInternal(domain, domain.low + Math.min(1, Math.max(0, u)) * (domain.high - domain.low));
  return (internal - domain.low) / (domain.high - domain.low);
}

function decode(domains: readonly Domain[], x: Float64Array): Params {
  const params: Params = {};
  domains.forEach((domain, k) => {
    params[domain.name] =
      domain.kind === 'categorical'
        ? domain.values[x[k]]
        : fromInternal(domain, domain.low + x[k] * (domain.high - domain.low));
  });
  return params;
}

/** Encoded rows of the trials that hold a valid value for every parameter. */
function encodeTrials(
  domains: readonly Domain[],
  trials: readonly TrialRecord[],
): { x: number[]; trial: TrialRecord }[] {
  const rows: { x: number[]; trial: TrialRecord }[] = [];
  for (const trial of trials) {
    const x = domains.map((domain) => encode(domain, trial.params[domain.name]));
    if (x.every((v) => !Number.isNaN(v))) rows.push({ x, trial });
  }
  return rows;
}

/**
 * Values worse than the median are compressed logarithmically (in units of the spread of the
 * better half): a diverged run or a plateau far above the good region would otherwise dominate
 * the standardised values, shrink the fitted length scales and blur the good region.
 */
export function compressWorse(values: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[(sorted.length - 1) >> 1];
  const spread = median - sorted[0] || 1;
  return values.map((v) => (v <= median ? v : median + spread * Math.log1p((v - median) / spread)));
}

export class GpSampler implements Sampler {
  private readonly seed: number;
  private readonly startupTrials: number;
  private readonly candidates: number;

  constructor(options: GpSamplerOptions) {
    this.seed = options.seed;
    this.startupTrials = options.startupTrials ?? DEFAULT_STARTUP;
    this.candidates = options.candidates ?? DEFAULT_CANDIDATES;
  }

  sample(context: SampleContext): Params {
    const rng = trialRng(this.seed, context.number);
    const domains = context.space.map(toDomain);
    // Ordered by trial number, so the fit does not depend on the order of the records.
    const sorted = [...context.trials].sort((a, b) => a.number - b.number);
    const complete = encodeTrials(
      domains,
      sorted.filter((t) => t.state === 'complete'),
    );
    if (complete.length < Math.max(1, this.startupTrials)) return sampleSpaceUniform(context.space, rng);
    const sign = context.direction === 'maximize' ? -1 : 1;
    const raw = complete.map(({ trial }) => sign * (trial.value ?? Number.NaN));
    const finite = raw.filter((v) => Number.isFinite(v));
    if (finite.length === 0) return sampleSpaceUniform(context.space, rng);
    // A NaN or infinite loss (a diverged run) counts as the worst finite value seen: bad, not unknown.
    const worst = Math.max(...finite);
    const values = raw.map((v) => (Number.isFinite(v) ? v : worst));
    const warped = compressWorse(values);
    const mean = warped.reduce((s, v) => s + v, 0) / warped.length;
    const sd = Math.sqrt(warped.reduce((s, v) => s + (v - mean) ** 2, 0) / warped.length) || 1;
    const categorical = domains.map((domain) => domain.kind === 'categorical');
    const d = domains.length;
    const data: GpData = {
      x: Float64Array.from(complete.flatMap((row) => row.x)),
      y: Float64Array.from(warped, (v) => (v - mean) / sd),
      n: complete.length,
      categorical,
    };
    const theta = fitHyperparameters(data, initialHyperparameters(d));
    let posterior = new Posterior(data, theta);
    const running = encodeTrials(
      domains,
      sorted.filter((t) => t.state === 'running' && t.number !== context.number),
    );
    if (running.length > 0) {
      const runningX = Float64Array.from(running.flatMap((row) => row.x));
      const believed = running.map((_, i) => posterior.predict(runningX, i * d).mean);
      posterior = new Posterior(
        {
          x: Float64Array.from([...data.x, ...runningX]),
          y: Float64Array.from([...data.y, ...believed]),
          n: data.n + running.length,
          categorical,
        },
        theta,
      );
    }
    let best = Infinity;
    for (const v of data.y) best = Math.min(best, v);
    const x = this.maximise(domains, posterior, best, data, rng);
    return decode(domains, x);
  }

  private maximise(domains: readonly Domain[], posterior: Posterior, best: number, data: GpData, rng: Rng) {
    const d = domains.length;
    const score = (x: Float64Array) => {
      const { mean, variance } = posterior.predict(x);
      return logExpectedImprovement(mean, variance, best);
    };
    const starts: { x: Float64Array; value: number }[] = [];
    const consider = (x: Float64Array) => {
      const value = score(x);
      starts.push({ x, value });
    };
    for (let c = 0; c < this.candidates; c++) {
      const x = new Float64Array(d);
      domains.forEach((domain, k) => {
        x[k] = domain.kind === 'categorical' ? rng.nextInt(domain.values.length) : snapUnit(domain, rng.next());
      });
      consider(x);
    }
    // The best observed points are good places to start a local search too.
    const order = Array.from(data.y.keys()).sort((a, b) => data.y[a] - data.y[b] || a - b);
    for (const i of order.slice(0, LOCAL_STARTS)) consider(data.x.slice(i * d, (i + 1) * d));
    starts.sort((a, b) => b.value - a.value);
    let winner = starts[0];
    for (const start of starts.slice(0, LOCAL_STARTS)) {
      const found = this.localSearch(domains, start, score);
      if (found.value > winner.value) winner = found;
    }
    return winner.x;
  }

  /** Coordinate search: ± a shrinking step on numeric coordinates, every other value of a categorical. */
  private localSearch(
    domains: readonly Domain[],
    start: { x: Float64Array; value: number },
    score: (x: Float64Array) => number,
  ): { x: Float64Array; value: number } {
    let x = Float64Array.from(start.x);
    let value = start.value;
    let step = 0.1;
    for (let round = 0; round < LOCAL_ROUNDS && step > 1e-3; round++) {
      let improved = false;
      domains.forEach((domain, k) => {
        const tries =
          domain.kind === 'categorical'
            ? Array.from({ length: domain.values.length }, (_, v) => v).filter((v) => v !== x[k])
            : [snapUnit(domain, x[k] - step), snapUnit(domain, x[k] + step)].filter((v) => v !== x[k]);
        for (const candidate of tries) {
          const trial = Float64Array.from(x);
          trial[k] = candidate;
          const trialValue = score(trial);
          if (trialValue > value) {
            x = trial;
            value = trialValue;
            improved = true;
          }
        }
      });
      if (!improved) step /= 2;
    }
    return { x, value };
  }
}
