/**
 * bench:operator — the operator (a separate `lorahpo operator` process) on the real control
 * plane with a simulated node running a fast workload function. Measures trial turnaround (a
 * trial's pod is seen terminated → the study's next Job is seen, both through watches, so the
 * simulated kubelet's own lag is not counted), API requests per trial (the operator's counter), the
 * operator's peak RSS and CPU seconds (from /proc). Scenarios: 100 studies × 10 trials with
 * parallelTrials 5, and 200 studies × 10 whose first 5 trials each hold until all 1000 run at
 * once, then end together (a wave of 1000 ends at 1000 running trials).
 *
 *   npm run bench:operator                     # both scenarios
 *   npm run bench:operator -- --only small     # or: --only large; --studies N scales the study count
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ListWatch, Watch, BatchV1Api, CoreV1Api, CustomObjectsApi, type V1Job, type V1Pod } from '@kubernetes/client-node';
import { freePort } from '../../tests/harness/free-port.ts';
import { createNamespace, createStudy, spawnOperator, startCluster, studyManifest } from '../../tests/integration/support/cluster.ts';
import type { WorkloadContext } from '../../tests/harness/simulated-node/workload.ts';

interface Scenario {
  name: string;
  studies: number;
  trials: number;
  parallel: number;
  steps: number;
  stepMs: number;
  /** Trials wait until this many run at once, then all go on (a wave of ends at that load). */
  holdUntilRunning?: number;
}

interface Measured {
  scenario: Scenario;
  trials: number;
  wallSeconds: number;
  peakRunning: number;
  turnaroundP50Ms: number;
  turnaroundP99Ms: number;
  apiRequestsPerTrial: number;
  peakRssMiB: number;
  cpuSeconds: number;
}

const { values } = parseArgs({ options: { only: { type: 'string' }, studies: { type: 'string' } } });
const scale = values.studies ? Number(values.studies) : undefined;
const scenarios: Scenario[] = [
  { name: 'small', studies: scale ?? 100, trials: 10, parallel: 5, steps: 3, stepMs: 30 },
  { name: 'large', studies: scale ?? 200, trials: 10, parallel: 5, steps: 3, stepMs: 30, holdUntilRunning: (scale ?? 200) * 5 },
].filter((s) => !values.only || s.name === values.only);

interface Running {
  now: number;
  peak: number;
  release?: () => void;
  released: Promise<void>;
}

function fastWorkload(scenario: Scenario, running: Running) {
  return async (context: WorkloadContext): Promise<number> => {
    running.now++;
    running.peak = Math.max(running.peak, running.now);
    if (scenario.holdUntilRunning !== undefined && running.now >= scenario.holdUntilRunning) running.release?.();
    try {
      if (scenario.holdUntilRunning !== undefined) await Promise.race([running.released, new Promise((resolve) => context.signal.addEventListener('abort', resolve))]);
      for (let step = 1; step <= scenario.steps; step++) {
        await new Promise((resolve) => setTimeout(resolve, scenario.stepMs * (0.5 + Math.random())));
        if (context.signal.aborted) return 0;
        context.stdout.write(JSON.stringify({ type: 'metric', name: 'eval_loss', value: 1 + Math.random() / step, step }) + '\n');
      }
      context.stdout.write(JSON.stringify({ type: 'result', value: 1 + Math.random() }) + '\n');
      return 0;
    } finally {
      running.now--;
    }
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** For each Job beyond a study's first `parallel`, the time since the latest trial end before it. */
function turnarounds(ends: Map<string, number[]>, jobsSeen: Map<string, number[]>, parallel: number): number[] {
  const result: number[] = [];
  for (const [study, seen] of jobsSeen) {
    const studyEnds = (ends.get(study) ?? []).sort((a, b) => a - b);
    for (const at of seen.sort((a, b) => a - b).slice(parallel)) {
      const trigger = studyEnds.filter((end) => end <= at).at(-1);
      if (trigger !== undefined) result.push(at - trigger);
    }
  }
  return result.sort((a, b) => a - b);
}

function processStats(pid: number): { peakRssMiB: number; cpuSeconds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const hwmKiB = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]);
  return { peakRssMiB: hwmKiB / 1024, cpuSeconds: ticks / 100 };
}

async function apiRequests(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return [...text.matchAll(/^lorahpo_api_requests_total\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

async function runScenario(scenario: Scenario): Promise<Measured> {
  const ends = new Map<string, number[]>();
  const running: Running = { now: 0, peak: 0, released: Promise.resolve() };
  running.released = new Promise<void>((resolve) => (running.release = resolve));
  const cp = await startCluster(fastWorkload(scenario, running), { pods: scenario.studies * scenario.parallel + 100 });
  try {
    const namespace = await createNamespace(cp, `bench-${scenario.name}`);
    const jobsSeen = new Map<string, number[]>();
    const batch = cp.directKubeConfig.makeApiClient(BatchV1Api);
    const custom = cp.directKubeConfig.makeApiClient(CustomObjectsApi);
    const jobs = new ListWatch<V1Job>(`/apis/batch/v1/namespaces/${namespace}/jobs`, new Watch(cp.directKubeConfig), () => batch.listNamespacedJob({ namespace }), false);
    jobs.on('add', (job) => {
      const study = job.metadata?.labels?.['lorahpo.io/study'] ?? '?';
      jobsSeen.set(study, [...(jobsSeen.get(study) ?? []), performance.now()]);
    });
    await jobs.start();
    const core = cp.directKubeConfig.makeApiClient(CoreV1Api);
    const pods = new ListWatch<V1Pod>(`/api/v1/namespaces/${namespace}/pods`, new Watch(cp.directKubeConfig), () => core.listNamespacedPod({ namespace }), false);
    const terminated = new Set<string>();
    pods.on('update', (pod) => {
      const name = pod.metadata?.name ?? '';
      if (terminated.has(name) || (pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed')) return;
      terminated.add(name);
      const study = pod.metadata?.labels?.['lorahpo.io/study'] ?? '?';
      ends.set(study, [...(ends.get(study) ?? []), performance.now()]);
    });
    await pods.start();
    const port = await freePort();
    const operator = spawnOperator(cp, namespace, ['--metrics-port', String(port), '--max-concurrent-reconciles', '8']);
    const started = performance.now();
    for (let i = 0; i < scenario.studies; i += 20) {
      await Promise.all(Array.from({ length: Math.min(20, scenario.studies - i) }, (_, k) => createStudy(cp, studyManifest(`s${i + k}`, namespace, {
        budget: { maxTrials: scenario.trials, parallelTrials: scenario.parallel }, sampler: { algorithm: 'random', seed: i + k },
      }))));
    }
    let stats = processStats(operator.pid as number);
    for (let done = 0; done < scenario.studies;) {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      stats = processStats(operator.pid as number);
      const list = (await custom.listNamespacedCustomObject({ group: 'lorahpo.io', version: 'v1alpha1', namespace, plural: 'lorastudies' })) as { items: Array<{ status?: { phase?: string } }> };
      done = list.items.filter((study) => study.status?.phase === 'Succeeded').length;
      process.stderr.write(`\r[${scenario.name}] ${done}/${scenario.studies} studies done, ${running.now} trials running (peak ${running.peak})   `);
    }
    process.stderr.write('\n');
    const wallSeconds = (performance.now() - started) / 1000;
    const requests = await apiRequests(port);
    operator.kill('SIGTERM');
    await jobs.stop();
    await pods.stop();
    const times = turnarounds(ends, jobsSeen, scenario.parallel);
    const trials = scenario.studies * scenario.trials;
    return { scenario, trials, wallSeconds, peakRunning: running.peak, turnaroundP50Ms: percentile(times, 50), turnaroundP99Ms: percentile(times, 99), apiRequestsPerTrial: requests / trials, ...stats };
  } finally {
    await cp.stop();
  }
}

function table(results: Measured[]): string {
  const rows = [
    ['scenario', 'trials', 'peak running', 'wall s', 'turnaround p50 ms', 'turnaround p99 ms (target < 1000)', 'API req/trial', 'peak RSS MiB (target < 256)', 'CPU s'],
    ...results.map((r) => [
      `${r.scenario.studies} studies × ${r.scenario.trials}, parallel ${r.scenario.parallel}`, String(r.trials), String(r.peakRunning), r.wallSeconds.toFixed(1),
      r.turnaroundP50Ms.toFixed(0), r.turnaroundP99Ms.toFixed(0), r.apiRequestsPerTrial.toFixed(1), r.peakRssMiB.toFixed(0), r.cpuSeconds.toFixed(1),
    ]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const line = (row: string[]) => `| ${row.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  return [line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

const results: Measured[] = [];
for (const scenario of scenarios) results.push(await runScenario(scenario));
process.stdout.write(`\nlorahpo operator benchmark (simulated node, fast workload; operator as its own process)\n${table(results)}\n`);
