/** The samplers compared: ours in each mode, Optuna's same modes through the peer, and random. */
import { Study, type Params, type SamplerSpecInput } from '../../operator/src/index.ts';
import type { OptunaPeer } from './peer.ts';
import type { Problem } from './problems.ts';

export interface Contender {
  label: string;
  /** Label of the Optuna contender in the same mode, for the U test. */
  peerLabel?: string;
  run(problem: Problem, seed: number, trials: number): Promise<number[]>;
}

/** The noise-free value of the best observed trial after each trial. */
class BestTracker {
  private bestObserved = Infinity;
  private bestTruth = Number.NaN;
  readonly curve: number[] = [];

  add(observed: number, truth: number): void {
    if (observed < this.bestObserved || Number.isNaN(this.bestTruth)) {
      this.bestObserved = observed;
      this.bestTruth = truth;
    }
    this.curve.push(this.bestTruth);
  }
}

export function ours(label: string, sampler: SamplerSpecInput, peerLabel?: string): Contender {
  return {
    label,
    peerLabel,
    async run(problem, seed, trials) {
      const study = new Study({ direction: 'minimize', parameters: problem.space, sampler: { ...sampler, seed } });
      const best = new BestTracker();
      for (let i = 0; i < trials; i++) {
        const { number, params } = study.ask();
        const { observed, truth } = problem.evaluate(params, seed, number);
        study.tell(number, observed);
        best.add(observed, truth);
      }
      return best.curve;
    },
  };
}

export function optuna(label: string, peer: OptunaPeer, multivariate: boolean): Contender {
  return {
    label,
    async run(problem, seed, trials) {
      await peer.request({ cmd: 'study', space: problem.space, direction: 'minimize', seed, multivariate });
      const best = new BestTracker();
      for (let i = 0; i < trials; i++) {
        const { number, params } = await peer.request<{ number: number; params: Params }>({ cmd: 'ask' });
        const { observed, truth } = problem.evaluate(params, seed, number);
        await peer.request({ cmd: 'tell', number, value: observed });
        best.add(observed, truth);
      }
      return best.curve;
    },
  };
}
