import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig, type V1Node, type V1Taint } from '@kubernetes/client-node';
import type { ImageConfig } from './container-launch.ts';
import { Kubelet } from './kubelet.ts';
import { startKubeletServer } from './kubelet-server.ts';
import { claimDirectory } from './pod-volumes.ts';
import { evictionMessage } from './eviction.ts';
import { defaultCapacity, nodeObject, registerNode } from './node-object.ts';
import { Scheduler } from './scheduler.ts';
import type { Workload, WorkloadSelector } from './workload.ts';

export interface SimulatedNodeOptions {
  /** Credentials for the API server (the node talks to it directly, not through the fault proxy). */
  kubeConfig: KubeConfig;
  /** Serving certificate for 127.0.0.1 from the CA the API server trusts for kubelets. */
  tls: { certPem: string; keyPem: string };
  /** Node name. Default `sim-node`. */
  name?: string;
  /** What runs a container when `workloadFor` gives nothing. Default `'process'` (the real command). */
  workload?: Workload;
  /** Chooses the workload per container, e.g. by pod label. */
  workloadFor?: WorkloadSelector;
  /** ENTRYPOINT/CMD per image (`name:tag` or `name`) for containers that set no command. */
  images?: Record<string, ImageConfig>;
  /** Merged over {cpu: 64, memory: 256Gi, pods: 110, nvidia.com/gpu: 8, ephemeral-storage: 1Ti}. */
  capacity?: Record<string, string>;
  labels?: Record<string, string>;
  taints?: V1Taint[];
  /** Environment every container process starts from. Default PATH and HOME of this process. */
  baseEnv?: Record<string, string>;
  /** Env names pointed at the container's termination-message file when unset. Default ['LORAHPO_RESULT_FILE']. */
  terminationMessageEnv?: string[];
  /** Where containers run whose workingDir does not exist here. Default this process's cwd. */
  workingDir?: string;
  /** Restart back-off for restartPolicy OnFailure/Always. Default 1 s doubling to 10 s (the kubelet's: 10 s to 5 min). */
  restartBackoffMs?: { initial: number; max: number };
  /**
   * Give process containers their volumes (secret, configMap, emptyDir, hostPath) at their
   * mountPath, each in its own mount namespace: the ServiceAccount token then is where in-cluster
   * clients look. Needs root and util-linux `unshare`. Default: on when both are there.
   */
  mountVolumes?: boolean;
  /** Receives the node's complaints (failed writes, watch restarts). Default: stderr when LORAHPO_HARNESS_DEBUG=1. */
  report?: (message: string) => void;
}

/** A scheduler and a kubelet for one Node, working through the API only. */
export interface SimulatedNode {
  readonly name: string;
  readonly kubeletPort: number;
  /** Changes the default workload for containers started from now on. */
  setWorkload(workload: Workload): void;
  /** Kills the pod's container (the first running one unless named) as the OOM killer would. False when none runs. */
  oomKill(namespace: string, pod: string, container?: string): boolean;
  /**
   * Evicts the pod as the kubelet does when the node runs low on `resource` (default memory):
   * phase Failed, reason Evicted, "The node was low on resource: memory. …", containers killed.
   * False when the pod is not running here.
   */
  evict(namespace: string, pod: string, resource?: string): boolean;
  /**
   * The directory on this machine standing in for a PersistentVolumeClaim's volume: pods that
   * mount the claim see it, and it outlives them (until the node stops), as a bound volume does.
   */
  claimPath(namespace: string, claim: string): string;
  /** Stops scheduling and kills every workload; the Node object stays, as with a dead kubelet. */
  stop(): Promise<void>;
}

/** Root with util-linux's unshare, the two things private mount namespaces need. */
export function canMountVolumes(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('unshare', ['--mount', '--propagation', 'private', '--', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Where the node keeps pods' files: /dev/shm where there is one, not /tmp, because trial pods
 * mount an emptyDir at /tmp, and in a container's mount namespace that would hide the files the
 * node hands it by path (the termination-message stand-in). A real kubelet keeps them in
 * /var/lib/kubelet, outside every container's view as well.
 */
function nodeStateRoot(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

function apiServerAddress(kc: KubeConfig): { host: string; port: string } | undefined {
  const server = kc.getCurrentCluster()?.server;
  if (!server) return undefined;
  const url = new URL(server);
  return { host: url.hostname, port: url.port || '443' };
}

function defaultReport(message: string): void {
  if (process.env.LORAHPO_HARNESS_DEBUG === '1') process.stderr.write(`[sim-node] ${message}\n`);
}

export async function startSimulatedNode(options: SimulatedNodeOptions): Promise<SimulatedNode> {
  const api = options.kubeConfig.makeApiClient(CoreV1Api);
  const name = options.name ?? 'sim-node';
  const report = options.report ?? defaultReport;
  const podsDir = mkdtempSync(join(nodeStateRoot(), `lorahpo-${name}-`));
  let workload: Workload = options.workload ?? 'process';
  const launch = {
    api,
    podsDir,
    images: options.images ?? {},
    baseEnv: options.baseEnv ?? { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' },
    terminationMessageEnv: options.terminationMessageEnv ?? ['LORAHPO_RESULT_FILE'],
    workingDir: options.workingDir ?? process.cwd(),
    mountVolumes: options.mountVolumes ?? canMountVolumes(),
    apiServer: apiServerAddress(options.kubeConfig),
  };
  let scheduler: Scheduler | undefined;
  const kubelet = new Kubelet({
    kc: options.kubeConfig,
    api,
    nodeName: name,
    launch,
    report,
    workloadFor: (pod, container) => options.workloadFor?.(pod, container) ?? workload,
    restartBackoffMs: options.restartBackoffMs ?? { initial: 1000, max: 10_000 },
    onCapacityFreed: () => scheduler?.kick(),
  });
  const { server, port } = await startKubeletServer(options.tls, kubelet.logs);
  const shape = {
    name,
    kubeletPort: port,
    capacity: { ...defaultCapacity, ...options.capacity },
    labels: options.labels ?? {},
    taints: options.taints ?? [],
  };
  const node: V1Node = await registerNode(api, nodeObject(shape));
  await kubelet.start();
  scheduler = new Scheduler({
    kc: options.kubeConfig,
    api,
    node: () => node,
    usedByKubelet: () => kubelet.used(),
    kubeletHas: (uid) => kubelet.has(uid),
    report,
  });
  await scheduler.start();
  return {
    name,
    kubeletPort: port,
    setWorkload(next) {
      workload = next;
    },
    oomKill: (namespace, pod, container) => kubelet.oomKill(namespace, pod, container),
    evict: (namespace, pod, resource = 'memory') => kubelet.evict(namespace, pod, evictionMessage(resource)),
    claimPath: (namespace, claim) => claimDirectory(podsDir, namespace, claim),
    async stop() {
      await scheduler?.stop();
      await kubelet.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(podsDir, { recursive: true, force: true });
    },
  };
}
