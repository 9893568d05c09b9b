import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const harnessDir = dirname(fileURLToPath(import.meta.url));
export const buildScript = join(harnessDir, 'build-kubernetes.sh');

/** Absolute paths of the control-plane binaries in the cache. */
export interface KubernetesBinaries {
  version: string;
  binDir: string;
  kubeApiServer: string;
  kubeControllerManager: string;
  kubectl: string;
  etcd: string;
}

/** The pinned Debian version from kubernetes.env (one place for the script and the harness). */
export function kubernetesVersion(): string {
  const text = readFileSync(join(harnessDir, 'kubernetes.env'), 'utf8');
  const match = /^KUBE_DEB_VERSION=(\S+)$/m.exec(text);
  if (!match) throw new Error(`${join(harnessDir, 'kubernetes.env')}: no KUBE_DEB_VERSION line`);
  return match[1];
}

export function cacheRoot(): string {
  return process.env.LORAHPO_CACHE ?? join(homedir(), '.cache', 'lorahpo');
}

export function kubernetesBinaries(): KubernetesBinaries {
  const version = kubernetesVersion();
  const binDir = join(cacheRoot(), `kubernetes-${version}`, 'bin');
  return {
    version,
    binDir,
    kubeApiServer: join(binDir, 'kube-apiserver'),
    kubeControllerManager: join(binDir, 'kube-controller-manager'),
    kubectl: join(binDir, 'kubectl'),
    etcd: join(binDir, 'etcd'),
  };
}

function cacheIsComplete(binaries: KubernetesBinaries): boolean {
  return existsSync(join(binaries.binDir, '.complete'));
}

/**
 * The binaries, built first when the cache lacks them (about 15 minutes once per machine), so a
 * test run never passes without a control plane. LORAHPO_KUBE_AUTOBUILD=0 fails instead.
 */
export async function ensureBinaries(): Promise<KubernetesBinaries> {
  const binaries = kubernetesBinaries();
  if (cacheIsComplete(binaries)) return binaries;
  if (process.env.LORAHPO_KUBE_AUTOBUILD === '0') {
    throw new Error(
      `Kubernetes ${binaries.version} binaries are not in ${binaries.binDir}; ` +
        'run `npm run kube:build` (LORAHPO_KUBE_AUTOBUILD=0 forbids building them from the tests)',
    );
  }
  process.stderr.write(`[harness] building Kubernetes ${binaries.version} into ${binaries.binDir} (once; ~15 min)\n`);
  await runBuildScript();
  if (!cacheIsComplete(binaries)) throw new Error(`${buildScript} finished but ${binaries.binDir} is incomplete`);
  return binaries;
}

function runBuildScript(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [buildScript], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${buildScript} exited with ${code}; see its output above`)),
    );
  });
}
