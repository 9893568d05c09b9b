// `npm run kube:up` / `kube:down`: a control plane and a simulated node in the background for people.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { cacheRoot, ensureBinaries } from './binaries.ts';
import { startControlPlane } from './control-plane.ts';
import { tailOfFile } from './managed-process.ts';

interface UpState {
  daemonPid: number;
  kubeconfigPath: string;
  workDir: string;
  /** pid → executable path, so that `down` kills only what `up` started even if the daemon died. */
  processes: Record<string, string>;
}

/**
 * One control plane per checkout: two checkouts on one machine (or one per LORAHPO_CACHE) each
 * keep their own state, kubeconfig and daemon, so one's `down` never stops the other's.
 */
export function kubeUpDir(checkoutRoot: string, root: string = kubeUpRoot()): string {
  const key = createHash('sha256').update(checkoutRoot).digest('hex').slice(0, 10);
  return join(root, `${basename(checkoutRoot)}-${key}`);
}

/** Where every checkout's kube:up state lives: `$LORAHPO_KUBE_UP_ROOT`, else the cache's kube-up/. */
function kubeUpRoot(): string {
  return process.env.LORAHPO_KUBE_UP_ROOT ?? join(cacheRoot(), 'kube-up');
}

const checkoutRoot = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
const runDir = kubeUpDir(checkoutRoot);
const statePath = join(runDir, 'state.json');
const daemonLog = join(runDir, 'daemon.log');
const kubeconfigPath = join(runDir, 'kubeconfig');

function readState(): UpState | undefined {
  try {
    return JSON.parse(readFileSync(statePath, 'utf8')) as UpState;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number, executable?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (executable === undefined) return true;
  // The pid may have been reused by an unrelated process since `up`.
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] === executable;
  } catch {
    return false;
  }
}

function printExport(): void {
  process.stderr.write(`Control plane running (simulated node "sim-node"); stop it with: npm run kube:down\n`);
  process.stdout.write(`export KUBECONFIG=${kubeconfigPath}\n`);
}

async function up(): Promise<number> {
  const state = readState();
  if (state && isAlive(state.daemonPid)) {
    printExport();
    return 0;
  }
  if (state) killLeftovers(state);
  await ensureBinaries();
  mkdirSync(runDir, { recursive: true });
  rmSync(statePath, { force: true });
  const log = openSync(daemonLog, 'w');
  const daemon = spawn(process.execPath, [fileURLToPath(import.meta.url), 'daemon'], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  daemon.unref();
  for (let waitedMs = 0; waitedMs < 120_000; waitedMs += 200) {
    if (readState()) {
      printExport();
      return 0;
    }
    if (daemon.exitCode !== null) break;
    await sleep(200);
  }
  process.stderr.write(`kube:up failed; ${daemonLog}:\n${tailOfFile(daemonLog, 40)}\n`);
  return 1;
}

async function daemon(): Promise<void> {
  const cp = await startControlPlane({ node: { workload: 'process' } });
  copyFileSync(cp.directKubeconfigPath, kubeconfigPath);
  const processes = Object.fromEntries(
    cp.processes().map((p) => [String(p.pid), readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').split('\0')[0]]),
  );
  const state: UpState = { daemonPid: process.pid, kubeconfigPath, workDir: cp.workDir, processes };
  writeFileSync(statePath, JSON.stringify(state, null, 2));
  console.log(`control plane up: ${cp.apiServerUrl}, work dir ${cp.workDir}`);
  const shutdown = async () => {
    await cp.stop();
    rmSync(statePath, { force: true });
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
}

/** What a daemon that died without cleaning up (SIGKILL, reboot of Node) left behind. */
function killLeftovers(state: UpState): void {
  for (const [pid, executable] of Object.entries(state.processes)) {
    if (isAlive(Number(pid), executable)) process.kill(Number(pid), 'SIGKILL');
  }
  if (existsSync(state.workDir)) rmSync(state.workDir, { recursive: true, force: true });
  rmSync(statePath, { force: true });
}

async function down(): Promise<number> {
  const state = readState();
  if (!state) {
    process.stderr.write('kube:down: nothing is running (no state file)\n');
    return 0;
  }
  if (isAlive(state.daemonPid)) process.kill(state.daemonPid, 'SIGTERM');
  for (let waitedMs = 0; waitedMs < 20_000 && isAlive(state.daemonPid); waitedMs += 200) await sleep(200);
  killLeftovers(state);
  rmSync(kubeconfigPath, { force: true });
  process.stderr.write('kube:down: stopped\n');
  return 0;
}

const command = import.meta.main ? process.argv[2] : undefined;
if (command === undefined) {
  // imported (for kubeUpDir): run nothing
} else if (command === 'up') process.exitCode = await up();
else if (command === 'down') process.exitCode = await down();
else if (command === 'daemon') await daemon();
else {
  process.stderr.write('usage: kube-up.ts up|down\n');
  process.exitCode = 2;
}
