/**
 * bench:operator — the operator as the image runs it (a separate `lorahpo operator` process from the
 * compiled dist/, with the image's Node flags, talking straight to the API server) on the real
 * control plane with a simulated node running a fast workload function.
 * Measures trial turnaround (a trial's pod seen terminated → the study's next Job seen, both
 * through watches, so the simulated kubelet's own lag is not counted) and where it goes, API
 * requests per trial (the operator's own counter), the operator's peak RSS and CPU seconds.
 *
 * Scenarios (each 10 trials per study, parallelTrials 5, random sampler, no pruner, `scheduling:
 * greedy` so that every end frees a slot at once: the load stays at the running count stated and
 * each next trial has one end that let it start):
 *   small    100 studies, trials of ~0.1 s: as many ends as the machine can take (throughput)
 *   running  200 studies, trials of 60–180 s: 1000 trials running at once, ends spread out
 *   burst    200 studies whose first 5 trials each hold until all 1000 run, then end together
 *   large    1 study of 10,000 trials (TPE, ASHA, parallelTrials 20, trials of ~0.1 s): what one
 *            long study costs at the end — the study object's size, the operator's RSS and the
 *            sampler's time per trial over the last 500 trials (not in the default run: ~1 h here)
 *
 *   npm run bench:operator                          # all three
 *   npm run bench:operator -- --only small,running  # --studies N scales every scenario's study count;
 *                                                   # --metrics prints the operator's own counters
 */
import { execFileSync } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { freePort } from '../../tests/harness/free-port.ts';
import {
  createNamespace,
  createStudy,
  spawnOperator,
  startCluster,
  studyManifest,
} from '../../tests/integration/support/cluster.ts';
import { operatorImageNodeFlags } from './image-flags.ts';
import { processStats, type ProcessStats } from './process-stats.ts';
import { Timeline, type Turnaround } from './timeline.ts';
import { benchWorkload, RunningTrials, type WorkloadShape } from './workloads.ts';

interface Scenario {
  name: string;
  studies: number;
  trials: number;
  parallel: number;
  shape: WorkloadShape;
  /** Spec fields over the throughput scenarios' (random sampler, no pruner). */
  spec?: Record<string, unknown>;
}

interface Measured extends ProcessStats {
  scenario: Scenario;
  trials: number;
  wallSeconds: number;
  peakRunning: number;
  /** Median of the trials running when a measured end happened. */
  runningAtMeasuredEnds: number;
  turnaround: Turnaround;
  apiRequestsPerTrial: number;
  /** Event-loop delay of this process, which plays scheduler and kubelet. */
  nodeDelayP99Ms: number;
  /** The largest study object at the end, as JSON. */
  studyBytes: number;
  /** Mean sampler time per suggestion over the last trials (the operator's own histogram). */
  samplerMsAtEnd: number;
}

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    studies: { type: 'string' },
    trials: { type: 'string' },
    metrics: { type: 'boolean' },
  },
});
const scale = values.studies ? Number(values.studies) : undefined;
const only = values.only?.split(',');
const allScenarios: Scenario[] = [
  { name: 'small', studies: scale ?? 100, trials: 10, parallel: 5, shape: { steps: 3, durationMs: [45, 135] } },
  {
    name: 'running',
    studies: scale ?? 200,
    trials: 10,
    parallel: 5,
    shape: { steps: 5, durationMs: [60_000, 180_000] },
  },
  {
    name: 'burst',
    studies: scale ?? 200,
    trials: 10,
    parallel: 5,
    shape: { steps: 3, durationMs: [45, 135], holdUntilRunning: (scale ?? 200) * 5 },
  },
  {
    name: 'large',
    studies: 1,
    trials: values.trials ? Number(values.trials) : 10_000,
    parallel: 20,
    shape: { steps: 3, durationMs: [45, 135] },
    spec: {
      sampler: { algorithm: 'tpe', seed: 1 },
      pruner: { algorithm: 'asha', minResource: 1, reductionFactor: 3 },
    },
  },
];
const scenarios = allScenarios.filter((s) => (only ? only.includes(s.name) : s.name !== 'large'));

const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function apiRequests(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return [...text.matchAll(/^lorahpo_api_requests_total\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

/** The operator's reconcile, API and heap figures, for looking into a result (--metrics). */
async function operatorMetrics(port: number): Promise<string> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) =>
      /^lorahpo_(reconcile_total|api_requests_total|api_errors_total|workqueue_queue_duration_seconds_bucket)|^nodejs_heap_size|^nodejs_external/.test(
        line,
      ),
    )
    .join('\n');
}

async function createStudies(
  cp: Parameters<typeof createStudy>[0],
  namespace: string,
  scenario: Scenario,
): Promise<void> {
  for (let i = 0; i < scenario.studies; i += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, scenario.studies - i) }, (_, k) =>
        createStudy(
          cp,
          studyManifest(`s${i + k}`, namespace, {
            budget: { maxTrials: scenario.trials, parallelTrials: scenario.parallel },
            sampler: { algorithm: 'random', seed: i + k },
            scheduling: 'greedy',
            ...scenario.spec,
          }),
        ),
      ),
    );
  }
}

/** The operator's sampler histogram: total seconds and suggestions so far. */
async function samplerTotals(port: number): Promise<{ seconds: number; count: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const sum = (name: string) =>
    [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)`, 'gm'))].reduce((t, m) => t + Number(m[1]), 0);
  return { seconds: sum('lorahpo_sampler_duration_seconds_sum'), count: sum('lorahpo_sampler_duration_seconds_count') };
}

interface AtEnd extends ProcessStats {
  studyBytes: number;
  samplerMsAtEnd: number;
}

const SAMPLER_WINDOW = 500;

async function untilStudiesDone(
  cp: Parameters<typeof createStudy>[0],
  namespace: string,
  scenario: Scenario,
  running: RunningTrials,
  pid: number,
  port: number,
): Promise<AtEnd> {
  const custom = cp.directKubeConfig.makeApiClient(CustomObjectsApi);
  let stats = processStats(pid);
  // Sampler totals polled as trials finish; the window's start is the newest one at least
  // SAMPLER_WINDOW suggestions back from the end.
  const samples: { seconds: number; count: number }[] = [];
  let items: Array<{ status?: { phase?: string } }> = [];
  for (let done = 0; done < scenario.studies; ) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    stats = processStats(pid);
    samples.push(await samplerTotals(port));
    const list = (await custom.listNamespacedCustomObject({
      group: 'lorahpo.io',
      version: 'v1alpha1',
      namespace,
      plural: 'lorastudies',
    })) as { items: Array<{ status?: { phase?: string; progress?: string } }> };
    items = list.items;
    done = list.items.filter((study) => study.status?.phase === 'Succeeded').length;
    const progress = scenario.studies === 1 ? `, ${list.items[0]?.status?.progress ?? '0'} trials` : '';
    process.stderr.write(
      `\r[${scenario.name}] ${done}/${scenario.studies} studies done${progress}, ${running.now} trials running (peak ${running.peak}), operator RSS peak ${stats.peakRssMiB.toFixed(0)} MiB   `,
    );
  }
  process.stderr.write('\n');
  const end = await samplerTotals(port);
  const start = [...samples].reverse().find((sample) => end.count - sample.count >= SAMPLER_WINDOW) ?? samples[0];
  const suggestions = end.count - (start?.count ?? 0);
  return {
    ...stats,
    studyBytes: Math.max(...items.map((study) => Buffer.byteLength(JSON.stringify(study)))),
    samplerMsAtEnd: suggestions > 0 ? ((end.seconds - (start?.seconds ?? 0)) * 1000) / suggestions : Number.NaN,
  };
}

async function runScenario(scenario: Scenario): Promise<Measured> {
  // The simulated node runs in this process: its event-loop delay says whether it kept up.
  const nodeDelay = monitorEventLoopDelay({ resolution: 10 });
  nodeDelay.enable();
  const running = new RunningTrials();
  const cp = await startCluster(benchWorkload(scenario.shape, running), {
    pods: scenario.studies * scenario.parallel + 100,
  });
  try {
    const namespace = await createNamespace(cp, `bench-${scenario.name}`);
    const timeline = new Timeline();
    await timeline.start(cp.directKubeConfig, namespace);
    const port = await freePort();
    const operator = spawnOperator(cp, namespace, ['--metrics-port', String(port)], {
      direct: true,
      built: true,
      nodeArgs,
    });
    const started = performance.now();
    await createStudies(cp, namespace, scenario);
    const stats = await untilStudiesDone(cp, namespace, scenario, running, operator.pid as number, port);
    const wallSeconds = (performance.now() - started) / 1000;
    const requests = await apiRequests(port);
    if (values.metrics) process.stderr.write(`${await operatorMetrics(port)}\n`);
    operator.kill('SIGTERM');
    nodeDelay.disable();
    await timeline.stop();
    const trials = scenario.studies * scenario.trials;
    const turnaround = timeline.turnaround(scenario.parallel, true);
    const atEnds = turnaround.ended.map((trial) => running.atEnd.get(trial) ?? Number.NaN).sort((a, b) => a - b);
    return {
      scenario,
      trials,
      wallSeconds,
      peakRunning: running.peak,
      runningAtMeasuredEnds: percentile(atEnds, 50),
      turnaround,
      apiRequestsPerTrial: requests / trials,
      nodeDelayP99Ms: nodeDelay.percentile(99) / 1e6,
      ...stats,
    };
  } finally {
    await cp.stop();
  }
}

function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((row) => row[c].length)));
  const line = (row: string[]) => `| ${row.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const label = (r: Measured) =>
  `${r.scenario.name}: ${r.scenario.studies} × ${r.scenario.trials}, parallel ${r.scenario.parallel}`;
const ms = (sorted: number[], p: number) => percentile(sorted, p).toFixed(0);

function summary(results: Measured[]): string {
  return table(
    [
      'scenario',
      'trials',
      'running at measured ends (median / peak)',
      'wall s',
      'turnaround p50 ms',
      'turnaround p99 ms (target < 1000)',
      'API req/trial',
      'peak RSS MiB (target < 256)',
      'CPU s',
      'CPU ms/trial',
    ],
    results.map((r) => [
      label(r),
      String(r.trials),
      `${r.runningAtMeasuredEnds} / ${r.peakRunning}`,
      r.wallSeconds.toFixed(1),
      ms(r.turnaround.total, 50),
      ms(r.turnaround.total, 99),
      r.apiRequestsPerTrial.toFixed(1),
      r.peakRssMiB.toFixed(0),
      r.cpuSeconds.toFixed(1),
      ((r.cpuSeconds * 1000) / r.trials).toFixed(1),
    ]),
  );
}

function breakdown(results: Measured[]): string {
  return table(
    [
      'scenario',
      'ended → trial finished p50 / p99 ms',
      'ended → next trial created p50 / p99 ms',
      'ended → next Job p50 / p99 ms',
      'turnarounds',
      'simulated node loop delay p99 ms',
    ],
    results.map((r) => {
      const { finish, created, total } = r.turnaround;
      return [
        label(r),
        `${ms(finish, 50)} / ${ms(finish, 99)}`,
        `${ms(created, 50)} / ${ms(created, 99)}`,
        `${ms(total, 50)} / ${ms(total, 99)}`,
        String(total.length),
        r.nodeDelayP99Ms.toFixed(0),
      ];
    }),
  );
}

const nodeArgs = operatorImageNodeFlags();
process.stderr.write('building dist/ (the operator image runs the compiled JavaScript)\n');
execFileSync(
  process.execPath,
  [
    fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url)),
    '-p',
    fileURLToPath(new URL('../../tsconfig.json', import.meta.url)),
  ],
  { stdio: 'inherit' },
);
function atScale(results: Measured[]): string {
  return table(
    ['scenario', 'study object at the end (bytes)', 'peak RSS MiB', `sampler ms per trial (last ${SAMPLER_WINDOW})`],
    results.map((r) => [label(r), String(r.studyBytes), r.peakRssMiB.toFixed(0), r.samplerMsAtEnd.toFixed(1)]),
  );
}

const results: Measured[] = [];
for (const scenario of scenarios) results.push(await runScenario(scenario));
process.stdout.write(
  `\nlorahpo operator benchmark (simulated node, fast workload; operator as its own process: node ${nodeArgs.join(' ')} dist/)\n${summary(results)}\n\nWhere the turnaround goes\n${breakdown(results)}\n\nAt the end of each scenario\n${atScale(results)}\n`,
);
