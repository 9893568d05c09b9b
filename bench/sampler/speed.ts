/**
 * Time per trial (ask + tell) at history size N. Both sides start from the same N-trial history
 * (random parameters, random values), then time a window of W consecutive ask+tell pairs and
 * report the mean (the median of several such windows). Timing a window rather than a whole study keeps Optuna's slow large-N asks
 * affordable; the history grows by W during the window (W ≪ N).
 */
import {
  RandomSampler,
  Study,
  parseSearchSpace,
  trialRng,
  type SamplerSpecInput,
  type TrialRecord,
} from '../../operator/src/index.ts';
import type { OptunaPeer } from './peer.ts';
import { LORA_SPACE } from './problems/llm-like.ts';
import { formatFixed } from './stats.ts';

export interface SpeedOptions {
  sizes: number[];
  oursWindow: number;
  optunaWindow: number;
  /** Each window is timed this many times (fresh study each time); the median is reported. */
  repeats: number;
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

/** Per-trial milliseconds: wall clock, and CPU time of the whole process (robust to other load). */
interface Timing {
  wall: number;
  cpu: number;
}

const NO_TIMING: Timing = { wall: Number.NaN, cpu: Number.NaN };

function timeOurs(sampler: SamplerSpecInput, trials: TrialRecord[], values: number[]): Timing {
  const study = Study.fromTrials({ direction: 'minimize', parameters: LORA_SPACE, sampler }, trials);
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  for (const value of values) study.tell(study.ask().number, value);
  const cpu = process.cpuUsage(cpuStart);
  return { wall: (performance.now() - started) / values.length, cpu: (cpu.user + cpu.system) / 1000 / values.length };
}

async function timeOptuna(
  peer: OptunaPeer,
  multivariate: boolean,
  trials: TrialRecord[],
  values: number[],
): Promise<Timing> {
  return peer.request<Timing>({
    cmd: 'speed',
    space: LORA_SPACE,
    seed: 0,
    multivariate,
    values,
    history: trials.map((trial) => ({ params: trial.params, value: trial.value })),
  });
}

/** Median of `repeats` timings, per clock. */
async function medianTiming(repeats: number, time: () => Timing | Promise<Timing>): Promise<Timing> {
  const timings: Timing[] = [];
  for (let i = 0; i < repeats; i++) timings.push(await time());
  const middle = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1];
  return { wall: middle(timings.map((t) => t.wall)), cpu: middle(timings.map((t) => t.cpu)) };
}

type Row = { size: number; uni: Timing; scott: Timing; neighbour: Timing; optunaUni: Timing; optunaMulti: Timing };

function table(rows: Row[], clock: keyof Timing): string[] {
  const ratio = (a: number, b: number) => (Number.isNaN(a) ? 'n/a' : `${formatFixed(a / b, 1)}×`);
  return [
    '| N | ours uni | Optuna uni | Optuna/ours | ours multi (neighbour) | ours multi (scott) | Optuna multi | Optuna/ours (neighbour) | Optuna/ours (scott) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.size} | ${formatFixed(r.uni[clock], 2)} | ${formatFixed(r.optunaUni[clock], 1)} | ${ratio(r.optunaUni[clock], r.uni[clock])} | ${formatFixed(r.neighbour[clock], 2)} | ${formatFixed(r.scott[clock], 2)} | ${formatFixed(r.optunaMulti[clock], 1)} | ${ratio(r.optunaMulti[clock], r.neighbour[clock])} | ${ratio(r.optunaMulti[clock], r.scott[clock])} |`,
    ),
  ];
}

const UNI: SamplerSpecInput = { algorithm: 'tpe', seed: 0, multivariate: false };
const SCOTT: SamplerSpecInput = { algorithm: 'tpe', seed: 0, multivariate: true, bandwidth: 'scott' };
const NEIGHBOUR: SamplerSpecInput = { algorithm: 'tpe', seed: 0, multivariate: true, bandwidth: 'neighbour' };

export async function speedTable(peer: OptunaPeer | undefined, options: SpeedOptions): Promise<string> {
  timeOurs(SCOTT, history(200), windowValues(200, 50)); // warm up the JIT before timing
  timeOurs(UNI, history(200), windowValues(200, 50));
  const rows: Row[] = [];
  for (const size of options.sizes) {
    const trials = history(size);
    const oursValues = windowValues(size, options.oursWindow);
    const ours = (config: SamplerSpecInput) =>
      medianTiming(options.repeats, () => timeOurs(config, trials, oursValues));
    const [uni, scott, neighbour] = [await ours(UNI), await ours(SCOTT), await ours(NEIGHBOUR)];
    const optunaValues = windowValues(size, options.optunaWindow);
    const theirs = (multivariate: boolean) =>
      peer === undefined
        ? NO_TIMING
        : medianTiming(options.repeats, () => timeOptuna(peer, multivariate, trials, optunaValues));
    const [optunaUni, optunaMulti] = [await theirs(false), await theirs(true)];
    rows.push({ size, uni, scott, neighbour, optunaUni, optunaMulti });
    options.log(`  speed N=${size} done`);
  }
  return [
    `ms per trial (ask + tell) on the 7-parameter LoRA space, after a history of N trials: mean over a window of ${options.oursWindow} (ours) / ${options.optunaWindow} (Optuna) consecutive trials, median of ${options.repeats} such windows.`,
    '',
    'CPU time of the sampling process (robust to other load on the machine):',
    '',
    ...table(rows, 'cpu'),
    '',
    'Wall clock:',
    '',
    ...table(rows, 'wall'),
  ].join('\n');
}

/** The GP's time per trial (its fit is O(N³)), beside multivariate TPE (the default's later phase), on the same histories. */
export function gpSpeedTable(sizes: number[], window: number): string {
  const GP: SamplerSpecInput = { algorithm: 'gp', seed: 0 };
  timeOurs(GP, history(30), windowValues(30, 3)); // warm up the JIT, for both samplers
  timeOurs(NEIGHBOUR, history(200), windowValues(200, 50));
  const rows = sizes.map((size) => {
    const trials = history(size);
    const values = windowValues(size, window);
    return { size, gp: timeOurs(GP, trials, values), tpe: timeOurs(NEIGHBOUR, trials, values) };
  });
  return [
    `GP: ms per trial (ask + tell) on the 7-parameter LoRA space after N trials, mean over a window of ${window}:`,
    '',
    '| N | ours gp (CPU) | ours gp (wall) | ours tpe (CPU) |',
    '|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.size} | ${formatFixed(r.gp.cpu, 1)} | ${formatFixed(r.gp.wall, 1)} | ${formatFixed(r.tpe.cpu, 2)} |`,
    ),
  ].join('\n');
}
