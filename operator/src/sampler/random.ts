/**
 * Independent uniform sampling (log-uniform for log parameters, uniform over the allowed values
 * for stepped ones): the random sampler, and TPE's start-up phase.
 */
import type { Parameter, Params } from '../api/parameters.ts';
import { fromInternal, toDomain, type Domain } from './domain.ts';
import { trialRng, type Rng } from './rng.ts';
import type { SampleContext, Sampler } from './sampler.ts';

/** One independent draw from a parameter's prior. */
export function sampleUniform(domain: Domain, rng: Rng): Params[string] {
  if (domain.kind === 'categorical') return domain.values[rng.nextInt(domain.values.length)];
  const x = domain.low + (domain.high - domain.low) * rng.next();
  return fromInternal(domain, x);
}

/** Uniform draws for every parameter of a space, in space order. */
export function sampleSpaceUniform(space: readonly Parameter[], rng: Rng): Params {
  const params: Params = {};
  for (const param of space) params[param.name] = sampleUniform(toDomain(param), rng);
  return params;
}

export class RandomSampler implements Sampler {
  private readonly seed: number;

  constructor(seed: number) {
    this.seed = seed;
  }

  sample(context: SampleContext): Params {
    return sampleSpaceUniform(context.space, trialRng(this.seed, context.number));
  }
}
