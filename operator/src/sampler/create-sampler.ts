/** The sampler a parsed `spec.sampler` (or the `Study` API's `sampler`) asks for. */
import { tpeOptionsOf, type SamplerSpec } from '../api/sampler-spec.ts';
import type { Sampler } from './sampler.ts';
import { AutoSampler } from './auto.ts';
import { GpSampler } from './gp/gp-sampler.ts';
import { GridSampler } from './grid.ts';
import { RandomSampler } from './random.ts';
import { TpeSampler } from './tpe/tpe-sampler.ts';

export function createSampler(spec: SamplerSpec): Sampler {
  switch (spec.algorithm) {
    case 'random':
      return new RandomSampler(spec.seed);
    case 'grid':
      return new GridSampler(spec.seed);
    case 'gp':
      return new GpSampler({ seed: spec.seed });
    case 'tpe':
      return new TpeSampler({ ...tpeOptionsOf(spec), seed: spec.seed });
    case 'auto':
      return new AutoSampler({ ...tpeOptionsOf(spec), seed: spec.seed });
  }
}
