/**
 * GP while the history is small, TPE after: the default sampler. The GP wins the suite at 30
 * trials (the budgets LoRA studies mostly have) but its fit grows as N³; past GP_HISTORY_LIMIT
 * complete trials TPE takes over with that history, so a long study keeps TPE's milliseconds per
 * suggestion. docs/sampler.md has the run that chose it.
 */
import type { Params } from '../api/parameters.ts';
import type { TpeOptions } from '../api/sampler-spec.ts';
import { GpSampler } from './gp/gp-sampler.ts';
import type { SampleContext, Sampler } from './sampler.ts';
import { TpeSampler } from './tpe/tpe-sampler.ts';

/** Complete trials from which TPE suggests instead of the GP (the suite's smallest budget). */
export const GP_HISTORY_LIMIT = 30;

export class AutoSampler implements Sampler {
  private readonly gp: GpSampler;
  private readonly tpe: TpeSampler;

  constructor(options: TpeOptions & { seed: number }) {
    this.gp = new GpSampler({ seed: options.seed });
    this.tpe = new TpeSampler(options);
  }

  sample(context: SampleContext): Params {
    let complete = 0;
    for (const trial of context.trials) if (trial.state === 'complete') complete++;
    return (complete < GP_HISTORY_LIMIT ? this.gp : this.tpe).sample(context);
  }
}
