/**
 * The integration tests' cluster: the real control plane with a simulated node (tests/harness),
 * the CRDs applied, one namespace per test, and the operator either in this process or as a
 * separate `lorahpo operator` process that can be killed.
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, CustomObjectsApi, type CoreV1Event } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../../harness/control-plane.ts';
import type { Workload } from '../../harness/simulated-node/workload.ts';
import { createOperator, type OperatorOptions } from '../../../operator/src/controller/operator.ts';
import { plan } from '../../../operator/src/engine/plan.ts';
import { silentLogger } from '../../../operator/src/controller/logger.ts';
import {
  ExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  TokenBucketRateLimiter,
} from '../../../operator/src/controller/runtime/rate-limiter.ts';
import { LoraTrialSchema, type LoraTrial } from '../../../operator/src/api/trial.ts';
import type { LoraStudy, LoraStudyInput } from '../../../operator/src/api/study.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const GROUP = { group: 'lorahpo.io', version: 'v1alpha1' };

/**
 * kube-controller-manager's client defaults to 20 requests/s, which throttles the job controller
 * (a pod create, status updates and Events per Job) long before the operator; clusters that
 * run many Jobs raise it, and so do we.
 */
const FAST_CONTROLLER_MANAGER = ['--kube-api-qps=400', '--kube-api-burst=800'];

export interface ClusterOptions {
  pods?: number;
  /** Extra kube-apiserver flags (feature gates). */
  apiServerArgs?: string[];
  /** Extra kube-controller-manager flags, after the fast-client ones. */
  controllerManagerArgs?: string[];
  /** kube-controller-manager --controllers; default the harness's. */
  controllers?: readonly string[];
}

export async function startCluster(workload: Workload, options: ClusterOptions = {}): Promise<ControlPlane> {
  const cp = await startControlPlane({
    node: { workload, capacity: { pods: String(options.pods ?? 110) } },
    controllerManagerArgs: [...FAST_CONTROLLER_MANAGER, ...(options.controllerManagerArgs ?? [])],
    ...(options.apiServerArgs ? { apiServerArgs: options.apiServerArgs } : {}),
    ...(options.controllers ? { controllers: options.controllers } : {}),
  });
  const applied = await cp.kubectl(['apply', '-f', `${root}crds`], { direct: true });
  if (applied.code !== 0) throw new Error(`applying the CRDs failed: ${applied.stderr}`);
  const ready = await cp.kubectl(
    ['wait', '--for=condition=established', '--timeout=60s', 'crd/lorastudies.lorahpo.io', 'crd/loratrials.lorahpo.io'],
    { direct: true },
  );
  if (ready.code !== 0) throw new Error(`CRDs not established: ${ready.stderr}`);
  return cp;
}

export async function createNamespace(cp: ControlPlane, name: string): Promise<string> {
  await cp.directKubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  return name;
}

/** Retries fast so tests finish quickly; the production defaults are in docs/operator.md. */
export function testOperatorOptions(): Partial<OperatorOptions> {
  return {
    rateLimiter: new MaxOfRateLimiter(
      new ExponentialFailureRateLimiter({ baseDelayMs: 5, maxDelayMs: 2000 }),
      new TokenBucketRateLimiter({ ratePerSecond: 50, burst: 200 }),
    ),
    sourceBackoffMs: 100,
    logPollMs: 200,
    logRetryMs: 100,
  };
}

export interface RunningOperator {
  stop(): Promise<void>;
}

export function startOperator(
  cp: ControlPlane,
  namespace: string,
  options: Partial<OperatorOptions> = {},
): RunningOperator & { operator: ReturnType<typeof createOperator> } {
  const operator = createOperator({
    kubeConfig: cp.kubeConfig,
    planner: plan,
    logger: silentLogger(),
    namespaces: [namespace],
    ...testOperatorOptions(),
    ...options,
  });
  const abort = new AbortController();
  const running = operator.start(abort.signal);
  return {
    operator,
    stop: async () => {
      abort.abort();
      await running;
    },
  };
}

/** A file's control plane and the operators its tests start. */
export interface StudyGround {
  readonly cp: ControlPlane;
  /** Starts an operator for `namespace`; any still running is stopped after the file's tests. */
  startOperator(namespace: string, options?: Partial<OperatorOptions>): ReturnType<typeof startOperator>;
}

/** Registers the file's before/after hooks: the cluster up first, operators and cluster down last. */
export function studyGround(workload: Workload, options: ClusterOptions = {}): StudyGround {
  let cp: ControlPlane | undefined;
  const operators: RunningOperator[] = [];
  before(async () => {
    cp = await startCluster(workload, options);
  });
  after(async () => {
    for (const operator of operators) await operator.stop(); // stop() is idempotent
    await cp?.stop();
  });
  return {
    get cp() {
      assert.ok(cp, 'the control plane starts before the tests');
      return cp;
    },
    startOperator(namespace, operatorOptions = {}) {
      const operator = startOperator(this.cp, namespace, operatorOptions);
      operators.push(operator);
      return operator;
    },
  };
}

export interface SpawnOptions {
  /** Straight to the API server instead of through the fault proxy (benchmarks measure the operator, not the proxy). */
  direct?: boolean;
  /** Node flags before the script, e.g. the operator image's GC settings. */
  nodeArgs?: string[];
  /** Run the compiled dist/ as the operator image does (build it first), not the sources. */
  built?: boolean;
}

/** `lorahpo operator` as its own process (so it can be SIGKILLed). */
export function spawnOperator(
  cp: ControlPlane,
  namespace: string,
  extraArgs: string[] = [],
  options: SpawnOptions = {},
): ChildProcess {
  const node = `${root}node_modules/.bin/node`;
  const kubeconfig = options.direct ? cp.directKubeconfigPath : cp.kubeconfigPath;
  return spawn(
    node,
    [
      ...(options.nodeArgs ?? []),
      `${root}bin/lorahpo.js`,
      'operator',
      '--kubeconfig',
      kubeconfig,
      '--namespace',
      namespace,
      '--metrics-port',
      '0',
      ...extraArgs,
    ],
    {
      env: {
        ...process.env,
        ...(options.built ? { LORAHPO_RUN_BUILT: '1' } : {}),
        LORAHPO_LOG_LEVEL: process.env.LORAHPO_TEST_OPERATOR_LOG ?? 'warn',
      },
      stdio: ['ignore', process.env.LORAHPO_TEST_OPERATOR_LOG ? 'inherit' : 'ignore', 'inherit'],
    },
  );
}

export function studyManifest(name: string, namespace: string, spec: Partial<LoraStudyInput['spec']>): LoraStudyInput {
  return {
    apiVersion: 'lorahpo.io/v1alpha1',
    kind: 'LoraStudy',
    metadata: { name, namespace },
    spec: {
      objective: { metric: 'eval_loss', direction: 'minimize' },
      parameters: [
        { name: 'learningRate', type: 'float', min: 1e-5, max: 1e-2, log: true },
        { name: 'loraR', type: 'categorical', values: [8, 16] },
      ],
      sampler: { algorithm: 'tpe', seed: 1, startupTrials: 4 },
      trialTemplate: { image: 'lorahpo-trainer:test', command: ['fake-trainer'] },
      ...spec,
    },
  };
}

export async function createStudy(cp: ControlPlane, study: LoraStudyInput): Promise<void> {
  const api = cp.directKubeConfig.makeApiClient(CustomObjectsApi);
  await api.createNamespacedCustomObject({
    ...GROUP,
    namespace: study.metadata.namespace as string,
    plural: 'lorastudies',
    body: study,
  });
}

export async function readStudy(cp: ControlPlane, namespace: string, name: string): Promise<LoraStudy> {
  const api = cp.directKubeConfig.makeApiClient(CustomObjectsApi);
  return (await api.getNamespacedCustomObject({ ...GROUP, namespace, plural: 'lorastudies', name })) as LoraStudy;
}

export async function readTrials(cp: ControlPlane, namespace: string): Promise<LoraTrial[]> {
  const api = cp.directKubeConfig.makeApiClient(CustomObjectsApi);
  const list = (await api.listNamespacedCustomObject({ ...GROUP, namespace, plural: 'loratrials' })) as {
    items: unknown[];
  };
  return list.items
    .map((item) => ({ ...LoraTrialSchema.parse(item), metadata: (item as LoraTrial).metadata }))
    .sort((a, b) => a.spec.number - b.spec.number);
}

export async function readEvents(cp: ControlPlane, namespace: string): Promise<CoreV1Event[]> {
  return (await cp.directKubeConfig.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace })).items;
}

/** Polls until `check` returns a value (not undefined), or fails naming what it waited for. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 120_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}

export async function studyFinished(
  cp: ControlPlane,
  namespace: string,
  name: string,
  timeoutMs?: number,
): Promise<LoraStudy> {
  return eventually(
    `study ${namespace}/${name} to finish`,
    async () => {
      const study = await readStudy(cp, namespace, name);
      return study.status?.phase === 'Succeeded' || study.status?.phase === 'Failed' ? study : undefined;
    },
    timeoutMs,
  );
}
