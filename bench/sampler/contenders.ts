/**
 * The samplers compared: ours in each mode, Optuna's same modes through the peer, and random.
 * A run is sequential (`parallel` 1) or keeps `parallel` trials running at once: it asks until
 * that many are running, then finishes the oldest (equal trial durations), so every suggestion
 * but the first few is made while `parallel − 1` others are still running.
 */
import { Study, type Params, type SamplerSpecInput } from '../../operator/src/index.ts';
import type { PeerPool } from './peer-pool.ts';
import type { Task } from './problems/problem.ts';

export interface Contender {
  label: string;
  /** Label of the Optuna contender in the same mode, for the U test. */
  peerLabel?: string;
  /** Runs only up to this many trials (the GP's cost grows as N³); larger budgets show no entry. */
  budgetCap?: number;
  /** For a peer, its Optuna version (a run record keeps cells of one version apart from another's). */
  version?: string;
  run(task: Task, seed: number, trials: number, parallel: number): Promise<number[]>;
}

/** The noise-free value of the best observed trial after each finished trial. */
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

interface Asker {
  ask(): Promise<{ number: number; params: Params }>;
  tell(number: number, value: number): Promise<void>;
}

async function drive(asker: Asker, task: Task, seed: number, trials: number, parallel: number): Promise<number[]> {
  const best = new BestTracker();
  const running: { number: number; params: Params }[] = [];
  let asked = 0;
  while (best.curve.length < trials) {
    while (running.length < parallel && asked < trials) {
      running.push(await asker.ask());
      asked++;
    }
    const oldest = running.shift();
    if (oldest === undefined) break;
    const { observed, truth } = task.evaluate(oldest.params, seed, oldest.number);
    await asker.tell(oldest.number, observed);
    best.add(observed, truth);
  }
  return best.curve;
}

export function ours(label: string, sampler: SamplerSpecInput, peerLabel?: string, budgetCap?: number): Contender {
  return {
    label,
    peerLabel,
    budgetCap,
    run(task, seed, trials, parallel) {
      const study = new Study({ direction: 'minimize', parameters: task.problem.space, sampler: { ...sampler, seed } });
      const asker: Asker = {
        ask: async () => study.ask(),
        tell: async (number, value) => {
          study.tell(number, value);
        },
      };
      return drive(asker, task, seed, trials, parallel);
    },
  };
}

/** An Optuna sampler: TPE with these flags, TPE with its version's own defaults, or its GPSampler. */
export type OptunaSampler =
  | { multivariate: boolean; constantLiar?: boolean }
  | { sampler: 'tpe-defaults' }
  | { sampler: 'gp' };

export function optuna(label: string, pool: PeerPool, options: OptunaSampler, budgetCap?: number): Contender {
  return {
    label,
    budgetCap,
    version: pool.version.split(' ')[0],
    run: (task, seed, trials, parallel) =>
      pool.use(async (peer) => {
        await peer.request({
          cmd: 'study',
          space: task.problem.space,
          direction: 'minimize',
          seed,
          ...('sampler' in options
            ? { sampler: options.sampler }
            : { sampler: 'tpe', multivariate: options.multivariate, constantLiar: options.constantLiar ?? false }),
        });
        const asker: Asker = {
          ask: () => peer.request<{ number: number; params: Params }>({ cmd: 'ask' }),
          tell: async (number, value) => {
            await peer.request({ cmd: 'tell', number, value });
          },
        };
        return drive(asker, task, seed, trials, parallel);
      }),
  };
}
