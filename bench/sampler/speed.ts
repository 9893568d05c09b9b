/**
 * Time per trial (ask + tell) at history size N. Both sides start from the same N-trial history
 * (random parameters, random values), then time a window of W consecutive ask+tell pairs and
 * report the mean. Timing a window rather than a whole study keeps Optuna's slow large-N asks
 * affordable; the history grows by W during the window (W ≪ N).
 */
import { RandomSampler, Study, parseSearchSpace, trialRng, type SamplerConfig, type TrialRecord } from '../../operator/src/index.ts';
import type { OptunaPeer } from './peer.ts';
import { LORA_SPACE } from './problems.ts';
import { formatFixed, mean } from './stats.ts';

export interface SpeedOptions {
  sizes: number[];
  oursWindow: number;
  optunaWindow: number;
  log: (line: string) => void;
}

function history(size: number): TrialRecord[] {
  const space = parseSearchSpace(LORA_SPACE);
  const sampler = new RandomSampler(size);
  const values = trialRng(size, 0, 1);
  return Array.from({ length: size }, (_, number) => ({
    number,
    params: sampler.sample({ space, direction: 'minimize', trials: [], number }),
    state: 'complete' as const,
    value: values.next(),
    intermediate: [],
  }));
}

function windowValues(size: number, count: number): number[] {
  const rng = trialRng(size, 1, 2);
  return Array.from({ length: count }, () => rng.next());
}

function timeOurs(sampler: SamplerConfig, trials: TrialRecord[], values: number[]): number {
  const study = Study.fromTrials({ direction: 'minimize', parameters: LORA_SPACE, sampler }, trials);
  const started = performance.now();
  for (const value of values) study.tell(study.ask().number, value);
  return (performance.now() - started) / values.length;
}

async function timeOptuna(peer: OptunaPeer, multivariate: boolean, trials: TrialRecord[], values: number[]): Promise<number> {
  const reply = await peer.request<{ ms: number[] }>({
    cmd: 'speed', space: LORA_SPACE, seed: 0, multivariate, values,
    history: trials.map((trial) => ({ params: trial.params, value: trial.value })),
  });
  return mean(reply.ms);
}

const UNI: SamplerConfig = { algorithm: 'tpe', seed: 0, multivariate: false };
const SCOTT: SamplerConfig = { algorithm: 'tpe', seed: 0, multivariate: true, bandwidth: 'scott' };
const NEIGHBOUR: SamplerConfig = { algorithm: 'tpe', seed: 0, multivariate: true, bandwidth: 'neighbour' };

export async function speedTable(peer: OptunaPeer | undefined, options: SpeedOptions): Promise<string> {
  timeOurs(SCOTT, history(200), windowValues(200, 50)); // warm up the JIT before timing
  timeOurs(UNI, history(200), windowValues(200, 50));
  const lines = [
    `ms per trial (ask + tell), 7-parameter LoRA space, mean over a window of ${options.oursWindow} (ours) / ${options.optunaWindow} (Optuna) trials after N.`,
    '',
    '| N | ours uni | Optuna uni | Optuna/ours | ours multi (scott) | ours multi (neighbour) | Optuna multi | Optuna/ours (scott) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const size of options.sizes) {
    const trials = history(size);
    const oursValues = windowValues(size, options.oursWindow);
    const [uni, scott, neighbour] = [UNI, SCOTT, NEIGHBOUR].map((config) => timeOurs(config, trials, oursValues));
    let optunaUni = Number.NaN;
    let optunaMulti = Number.NaN;
    if (peer !== undefined) {
      const optunaValues = windowValues(size, options.optunaWindow);
      optunaUni = await timeOptuna(peer, false, trials, optunaValues);
      optunaMulti = await timeOptuna(peer, true, trials, optunaValues);
    }
    options.log(`  speed N=${size} done`);
    const ratio = (a: number, b: number) => (Number.isNaN(a) ? 'n/a' : `${formatFixed(a / b, 1)}×`);
    lines.push(`| ${size} | ${formatFixed(uni, 2)} | ${formatFixed(optunaUni, 1)} | ${ratio(optunaUni, uni)} | ${formatFixed(scott, 2)} | ${formatFixed(neighbour, 2)} | ${formatFixed(optunaMulti, 1)} | ${ratio(optunaMulti, scott)} |`);
  }
  return lines.join('\n');
}
