import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { startApiServer } from './api-server.ts';
import { ensureBinaries, type KubernetesBinaries } from './binaries.ts';
import { defaultControllers, startControllerManager } from './controller-manager.ts';
import { startEtcd, type Etcd } from './etcd.ts';
import { FaultProxy } from './fault-proxy.ts';
import { freePort } from './free-port.ts';
import { runKubectl, type KubectlResult } from './kubectl.ts';
import { tokenKubeConfig, writeKubeConfig } from './kubeconfig.ts';
import type { ManagedProcess } from './managed-process.ts';
import { createPki, type Pki } from './pki.ts';
import { startSimulatedNode, type SimulatedNode, type SimulatedNodeOptions } from './simulated-node/simulated-node.ts';
import { waitFor } from './wait-for.ts';

export interface ControlPlaneOptions {
  /** Where certificates, kubeconfigs, etcd data and logs go. Default: a fresh directory under /dev/shm (else the temp dir), removed by stop(). */
  workDir?: string;
  /** Keep workDir after stop() (also LORAHPO_KEEP_CONTROL_PLANE=1), e.g. to read the logs. */
  keepWorkDir?: boolean;
  /** Keep the ServiceAccount admission plugin. Default true, as in real clusters. */
  serviceAccountAdmission?: boolean;
  /** kube-controller-manager --controllers. Default garbagecollector, job, namespace, serviceaccount, serviceaccount-token. */
  controllers?: readonly string[];
  apiServerArgs?: readonly string[];
  controllerManagerArgs?: readonly string[];
  /** Seed of the fault proxy's generator. Default 1. */
  faultSeed?: number;
  /** Start a simulated node as well (options other than credentials and TLS). Default: none. */
  node?: Omit<SimulatedNodeOptions, 'kubeConfig' | 'tls'>;
}

export interface ControlPlane {
  /** kubeconfig file for clients under test: through the fault proxy, admin (system:masters) token. */
  readonly kubeconfigPath: string;
  readonly kubeConfig: KubeConfig;
  /** The URL clients use: the fault proxy's. */
  readonly url: string;
  /** The API server itself, bypassing the fault proxy. */
  readonly apiServerUrl: string;
  readonly directKubeconfigPath: string;
  readonly directKubeConfig: KubeConfig;
  readonly adminToken: string;
  readonly caPem: string;
  readonly pki: Pki;
  readonly workDir: string;
  readonly binaries: KubernetesBinaries;
  readonly faults: FaultProxy;
  /** The node started with `options.node`, if any. */
  readonly node?: SimulatedNode;
  /** The processes this control plane started (their pids are what stop() signals). */
  processes(): ManagedProcess[];
  /** Starts (another) simulated node against this control plane. */
  startNode(options?: Omit<SimulatedNodeOptions, 'kubeConfig' | 'tls'>): Promise<SimulatedNode>;
  /** Runs the cached kubectl (same version as the server) with this control plane's kubeconfig. */
  kubectl(args: readonly string[], options?: { input?: string; direct?: boolean }): Promise<KubectlResult>;
  /**
   * Creates a namespace and waits for its `default` ServiceAccount: until that exists the
   * ServiceAccount admission plugin refuses pods there (Jobs retry; bare pods would fail).
   */
  createNamespace(name: string): Promise<void>;
  /** Stops and starts kube-apiserver on the same port; etcd and its data stay. */
  restartApiServer(): Promise<void>;
  /** Stops the nodes, the proxy and exactly the processes started here; removes workDir. */
  stop(): Promise<void>;
}

function defaultWorkDir(): string {
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  return mkdtempSync(join(base, 'lorahpo-cp-'));
}

interface Tokens {
  admin: string;
  controllerManager: string;
  node: string;
}

function writeTokenFile(path: string): Tokens {
  const tokens = {
    admin: randomBytes(16).toString('hex'),
    controllerManager: randomBytes(16).toString('hex'),
    node: randomBytes(16).toString('hex'),
  };
  writeFileSync(
    path,
    [
      `${tokens.admin},lorahpo-admin,lorahpo-admin,"system:masters"`,
      `${tokens.controllerManager},system:kube-controller-manager,kcm,"system:masters"`,
      `${tokens.node},system:node:lorahpo-sim,sim-node,"system:nodes,system:masters"`,
    ].join('\n') + '\n',
    { mode: 0o600 },
  );
  return tokens;
}

// The serviceaccount controller gives every namespace its `default` account; with it, pods pass admission.
async function waitForControllers(api: CoreV1Api, controllers: readonly string[], kcm: ManagedProcess): Promise<void> {
  if (!controllers.includes('serviceaccount')) {
    await waitFor('kube-controller-manager to settle', async () => true, kcm);
    return;
  }
  await waitFor(
    'the default service account (kube-controller-manager running)',
    async () => {
      try {
        const account = await api.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
        return !controllers.includes('serviceaccount-token') || (account.secrets?.length ?? 0) > 0;
      } catch {
        return false;
      }
    },
    kcm,
  );
}

interface Started {
  binaries: KubernetesBinaries;
  workDir: string;
  pki: Pki;
  caPem: string;
  tokens: Tokens;
  processes: ManagedProcess[];
}

async function startProcesses(
  options: ControlPlaneOptions,
  started: Started,
  etcd: Etcd,
): Promise<{ apiServerUrl: string; restart: () => Promise<void> }> {
  const { binaries, workDir, pki, tokens } = started;
  const apiConfig = {
    binary: binaries.kubeApiServer,
    port: await freePort(),
    etcdUrl: etcd.clientUrl,
    pki,
    tokenFile: join(workDir, 'tokens.csv'),
    adminToken: tokens.admin,
    workDir,
    serviceAccountAdmission: options.serviceAccountAdmission ?? true,
    extraArgs: options.apiServerArgs ?? [],
  };
  let apiServer = await startApiServer(apiConfig);
  started.processes.push(apiServer);
  const apiServerUrl = `https://127.0.0.1:${apiConfig.port}`;
  const kcmKubeconfig = join(workDir, 'kube-controller-manager.kubeconfig');
  writeKubeConfig(
    kcmKubeconfig,
    tokenKubeConfig(apiServerUrl, started.caPem, 'system:kube-controller-manager', tokens.controllerManager),
  );
  const controllers = options.controllers ?? defaultControllers;
  const kcm = startControllerManager({
    binary: binaries.kubeControllerManager,
    kubeconfigPath: kcmKubeconfig,
    pki,
    workDir,
    controllers,
    extraArgs: options.controllerManagerArgs ?? [],
  });
  started.processes.push(kcm);
  const admin = tokenKubeConfig(apiServerUrl, started.caPem, 'lorahpo-admin', tokens.admin);
  await waitForControllers(admin.makeApiClient(CoreV1Api), controllers, kcm);
  const restart = async () => {
    await apiServer.stop();
    started.processes.splice(started.processes.indexOf(apiServer), 1);
    apiServer = await startApiServer(apiConfig);
    started.processes.push(apiServer);
  };
  return { apiServerUrl, restart };
}

async function stopAll(processes: ManagedProcess[]): Promise<void> {
  // Reverse start order: controllers first, etcd last.
  for (const child of [...processes].reverse()) await child.stop();
}

/** Starts etcd, kube-apiserver, kube-controller-manager and the fault proxy; takes a few seconds. */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const binaries = await ensureBinaries();
  const workDir = options.workDir ?? defaultWorkDir();
  mkdirSync(join(workDir, 'logs'), { recursive: true });
  mkdirSync(join(workDir, 'pki'), { recursive: true });
  const processes: ManagedProcess[] = [];
  // etcd needs no certificates: start it while openssl works.
  const etcdStarting = startEtcd(binaries.etcd, join(workDir, 'etcd'), join(workDir, 'logs')).then((etcd) => {
    processes.push(etcd.process);
    return etcd;
  });
  try {
    const [pki, etcd] = await Promise.all([createPki(join(workDir, 'pki')), etcdStarting]);
    const started: Started = {
      binaries,
      workDir,
      pki,
      caPem: readFileSync(pki.caCert, 'utf8'),
      tokens: writeTokenFile(join(workDir, 'tokens.csv')),
      processes,
    };
    return await assemble(options, started, await startProcesses(options, started, etcd));
  } catch (error) {
    await etcdStarting.catch(() => undefined);
    await stopAll(processes);
    throw new Error(`control plane failed to start (files kept in ${workDir}): ${(error as Error).message}`, {
      cause: error,
    });
  }
}

async function assemble(
  options: ControlPlaneOptions,
  started: Started,
  running: { apiServerUrl: string; restart: () => Promise<void> },
): Promise<ControlPlane> {
  const { workDir, pki, caPem, tokens, binaries } = started;
  const faults = await FaultProxy.start({
    upstreamUrl: running.apiServerUrl,
    caPem,
    certPem: readFileSync(pki.apiServerCert, 'utf8'),
    keyPem: readFileSync(pki.apiServerKey, 'utf8'),
    seed: options.faultSeed,
  });
  const kubeConfig = tokenKubeConfig(faults.url, caPem, 'lorahpo-admin', tokens.admin);
  const directKubeConfig = tokenKubeConfig(running.apiServerUrl, caPem, 'lorahpo-admin', tokens.admin);
  const kubeconfigPath = join(workDir, 'kubeconfig');
  const directKubeconfigPath = join(workDir, 'direct.kubeconfig');
  writeKubeConfig(kubeconfigPath, kubeConfig);
  writeKubeConfig(directKubeconfigPath, directKubeConfig);
  const nodeKubeConfig = tokenKubeConfig(running.apiServerUrl, caPem, 'system:node:lorahpo-sim', tokens.node);
  const tls = { certPem: readFileSync(pki.kubeletCert, 'utf8'), keyPem: readFileSync(pki.kubeletKey, 'utf8') };
  const nodes: SimulatedNode[] = [];
  const startNode = async (nodeOptions: Omit<SimulatedNodeOptions, 'kubeConfig' | 'tls'> = {}) => {
    const node = await startSimulatedNode({ ...nodeOptions, kubeConfig: nodeKubeConfig, tls });
    nodes.push(node);
    return node;
  };
  const node = options.node ? await startNode(options.node) : undefined;
  return {
    kubeconfigPath,
    kubeConfig,
    url: faults.url,
    apiServerUrl: running.apiServerUrl,
    directKubeconfigPath,
    directKubeConfig,
    adminToken: tokens.admin,
    caPem,
    pki,
    workDir,
    binaries,
    faults,
    node,
    startNode,
    processes: () => [...started.processes],
    kubectl: (args, kubectlOptions = {}) =>
      runKubectl(
        binaries.kubectl,
        kubectlOptions.direct ? directKubeconfigPath : kubeconfigPath,
        args,
        kubectlOptions.input,
      ),
    restartApiServer: running.restart,
    createNamespace: (name) =>
      createNamespaceReady(directKubeConfig.makeApiClient(CoreV1Api), name, options.controllers ?? defaultControllers),
    async stop() {
      for (const each of nodes) await each.stop();
      await faults.close();
      await stopAll(started.processes);
      if (!(options.keepWorkDir || process.env.LORAHPO_KEEP_CONTROL_PLANE === '1'))
        rmSync(workDir, { recursive: true, force: true });
    },
  };
}

async function createNamespaceReady(api: CoreV1Api, name: string, controllers: readonly string[]): Promise<void> {
  await api.createNamespace({ body: { metadata: { name } } });
  if (!controllers.includes('serviceaccount')) return;
  await waitFor(
    `the default ServiceAccount in namespace ${name}`,
    async () =>
      api.readNamespacedServiceAccount({ name: 'default', namespace: name }).then(
        () => true,
        () => false,
      ),
    undefined,
    30_000,
  );
}
