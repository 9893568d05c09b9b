/**
 * Wires the operator together: informer sources for studies, trials, Jobs and Pods (in all
 * namespaces or the listed ones) feed one cache view and queue study keys; the StudyReconciler
 * runs in a controller; the log follower feeds it; the manager starts them in order and gates
 * the leader-only parts on the Lease.
 */
import type { PodPolicy } from '../api/pod-policy.ts';
import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { API_GROUP, API_VERSION } from '../api/common.ts';
import { StoreView, type IndexedStore } from './cluster-view.ts';
import { ClientNodeKubeApi } from './kube-api.ts';
import { LABELS, TRIAL_SELECTOR } from './labels.ts';
import { LogFollower } from './log-follower.ts';
import { kubeLogStream } from './log-stream.ts';
import type { Logger } from './logger.ts';
import { OperatorMetrics } from './metrics.ts';
import type { Planner } from '../engine/plan.ts';
import { Controller } from './runtime/controller.ts';
import { LeaderElector } from './runtime/leader-election.ts';
import { Manager } from './runtime/manager.ts';
import type { RateLimiter } from './runtime/rate-limiter.ts';
import type { Priority } from './runtime/queue.ts';
import { InformerSource } from './runtime/source.ts';
import { StudyReconciler } from './study-reconciler.ts';
import { shareConnections } from './kube-connections.ts';
import { trimCustomResource, trimJob, trimPod } from './cache-trim.ts';
import { isSameJson } from './same-json.ts';

export interface OperatorOptions {
  kubeConfig: KubeConfig;
  /** The engine's plan; default `plan` from engine/plan.ts. */
  planner?: Planner;
  logger: Logger;
  metrics?: OperatorMetrics;
  /** Namespaces to watch; empty or absent: all. */
  namespaces?: string[];
  /** Leader election; absent: this replica always acts. */
  leaderElection?: {
    namespace: string;
    identity: string;
    name?: string;
    leaseDurationMs?: number;
    renewDeadlineMs?: number;
    retryPeriodMs?: number;
  };
  /** Studies reconciled at once; default 8 (reconciles mostly wait on the API server). */
  maxConcurrentReconciles?: number;
  rateLimiter?: RateLimiter;
  /** Faster informer restarts and re-watches (tests). */
  sourceBackoffMs?: number;
  now?: () => number;
  logPollMs?: number;
  logRetryMs?: number;
  /** What a LoraStudy may put in its trial pods; default defaultPodPolicy() (api/pod-policy.ts). */
  podPolicy?: PodPolicy;
  /** ttlSecondsAfterFinished for finished trials' Jobs once their result is read; default 86400, 0: keep. */
  finishedJobTtlSeconds?: number;
}

/** The defaults of OperatorOptions; the operator's flags read them too. */
export function defaultOperatorOptions() {
  return { maxConcurrentReconciles: 8, finishedJobTtlSeconds: 86_400 };
}

export interface Operator {
  manager: Manager;
  metrics: OperatorMetrics;
  view: StoreView;
  start(signal: AbortSignal): Promise<void>;
}

export function createOperator(options: OperatorOptions): Operator {
  shareConnections(options.kubeConfig);
  const metrics = options.metrics ?? new OperatorMetrics();
  const logger = options.logger;
  const view = new StoreView();
  const api = new ClientNodeKubeApi(options.kubeConfig, metrics);
  let controller: Controller | undefined;
  const enqueue = (namespace: string | undefined, study: string | undefined, priority?: Priority): void => {
    if (namespace && study) controller?.enqueue(`${namespace}/${study}`, priority);
  };
  // New values wait 100 ms to be written together, in the low lane so that trial ends and starts
  // go first under load; a finished trial's complete log is queued at once, as normal.
  const onLogUpdate = (namespace: string, study: string, isComplete: boolean): void => {
    if (isComplete) enqueue(namespace, study);
    else controller?.enqueueAfter(`${namespace}/${study}`, 100, 'low');
  };
  const follower = new LogFollower({
    open: kubeLogStream(options.kubeConfig),
    logger,
    retryMs: options.logRetryMs,
    onUpdate: onLogUpdate,
  });
  const reconciler = new StudyReconciler({
    view,
    api,
    ...(options.planner ? { planner: options.planner } : {}),
    logger,
    metrics,
    logs: follower,
    now: options.now,
    logPollMs: options.logPollMs,
    ...(options.podPolicy ? { podPolicy: options.podPolicy } : {}),
    finishedJobTtlSeconds: options.finishedJobTtlSeconds ?? defaultOperatorOptions().finishedJobTtlSeconds,
  });
  controller = new Controller({
    name: 'lorastudy',
    reconciler,
    logger,
    metrics,
    rateLimiter: options.rateLimiter,
    maxConcurrentReconciles: options.maxConcurrentReconciles ?? defaultOperatorOptions().maxConcurrentReconciles,
    initialKeys: () => [...view.studies.keys()],
  });
  const manager = new Manager({
    logger,
    metrics,
    leaderElector:
      options.leaderElection &&
      new LeaderElector({ ...options.leaderElection, kubeConfig: options.kubeConfig, logger }),
  });
  const enqueueChanged: Enqueue = (object, event, namespace, study, priority) => {
    if (event !== 'update' || !reconciler.isOwnWrite(object)) enqueue(namespace, study, priority);
  };
  for (const source of sources(options, metrics, view, enqueueChanged)) manager.addSource(source);
  manager.add(follower);
  manager.add(controller);
  return { manager, metrics, view, start: (signal) => manager.start(signal) };
}

/** Queues the study a changed object belongs to. */
type Enqueue = (
  object: KubernetesObject,
  event: 'add' | 'update' | 'delete',
  namespace: string | undefined,
  study: string | undefined,
  priority?: Priority,
) => void;

function sources(
  options: OperatorOptions,
  metrics: OperatorMetrics,
  view: StoreView,
  enqueue: Enqueue,
): InformerSource<KubernetesObject>[] {
  const custom = options.kubeConfig.makeApiClient(CustomObjectsApi);
  const batch = options.kubeConfig.makeApiClient(BatchV1Api);
  const core = options.kubeConfig.makeApiClient(CoreV1Api);
  const namespaces = options.namespaces?.length ? options.namespaces : [undefined];
  const result: InformerSource<KubernetesObject>[] = [];
  const counted =
    <T>(resource: string, list: () => Promise<T>) =>
    () => {
      metrics.apiRequests.inc({ verb: 'list', resource });
      return list();
    };
  for (const namespace of namespaces) {
    const ns = namespace ? `/namespaces/${namespace}` : '';
    const customList = (plural: string) =>
      counted(
        plural,
        () =>
          (namespace
            ? custom.listNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace, plural })
            : custom.listClusterCustomObject({ group: API_GROUP, version: API_VERSION, plural })) as Promise<
            KubernetesListObject<KubernetesObject>
          >,
      );
    const studies = source(
      options,
      `lorastudies${ns}`,
      `/apis/${API_GROUP}/${API_VERSION}${ns}/lorastudies`,
      customList('lorastudies'),
    );
    const trials = source(
      options,
      `loratrials${ns}`,
      `/apis/${API_GROUP}/${API_VERSION}${ns}/loratrials`,
      customList('loratrials'),
    );
    const jobs = source(
      options,
      `jobs${ns}`,
      `/apis/batch/v1${ns}/jobs`,
      counted(
        'jobs',
        () =>
          (namespace
            ? batch.listNamespacedJob({ namespace, labelSelector: TRIAL_SELECTOR })
            : batch.listJobForAllNamespaces({ labelSelector: TRIAL_SELECTOR })) as Promise<
            KubernetesListObject<KubernetesObject>
          >,
      ),
      TRIAL_SELECTOR,
    );
    const pods = source(
      options,
      `pods${ns}`,
      `/api/v1${ns}/pods`,
      counted(
        'pods',
        () =>
          (namespace
            ? core.listNamespacedPod({ namespace, labelSelector: TRIAL_SELECTOR })
            : core.listPodForAllNamespaces({ labelSelector: TRIAL_SELECTOR })) as Promise<
            KubernetesListObject<KubernetesObject>
          >,
      ),
      TRIAL_SELECTOR,
    );
    // A new study's first reconcile (its first parallelTrials starts) goes in the low lane: when
    // many studies are created at once, the running studies' trial ends are not queued behind them.
    feed(studies, view.studies, trimCustomResource, (o, e) =>
      enqueue(o, e, o.metadata?.namespace, o.metadata?.name, e === 'add' ? 'low' : 'normal'),
    );
    feed(trials, view.trialStore, trimCustomResource, (o, e) =>
      enqueue(o, e, o.metadata?.namespace, (o as { spec?: { study?: string } }).spec?.study),
    );
    feed(jobs, view.jobs as IndexedStore<KubernetesObject>, trimJob as Trim, (o, e) =>
      enqueue(o, e, o.metadata?.namespace, o.metadata?.labels?.[LABELS.study]),
    );
    feed(pods, view.podStore as IndexedStore<KubernetesObject>, trimPod as Trim, (o, e) =>
      enqueue(o, e, o.metadata?.namespace, o.metadata?.labels?.[LABELS.study]),
    );
    result.push(studies, trials, jobs, pods);
  }
  return result;
}

function source(
  options: OperatorOptions,
  name: string,
  path: string,
  list: () => Promise<KubernetesListObject<KubernetesObject>>,
  labelSelector?: string,
): InformerSource<KubernetesObject> {
  const backoff = options.sourceBackoffMs;
  return new InformerSource({
    name,
    kubeConfig: options.kubeConfig,
    path,
    list,
    labelSelector,
    logger: options.logger,
    ...(backoff === undefined ? {} : { minBackoffMs: backoff, rewatchDelayMs: backoff }),
  });
}

type Trim = (object: KubernetesObject) => void;

/**
 * Keeps the store up to date and reports changes. An update that leaves everything the operator
 * keeps as it was (a Job's active count, a pod condition, both trimmed away) is no change.
 */
function feed(
  source: InformerSource<KubernetesObject>,
  store: IndexedStore<KubernetesObject>,
  trim: Trim,
  onChange: (object: KubernetesObject, event: 'add' | 'update' | 'delete') => void,
): void {
  source.onChange((object, event) => {
    trim(object);
    const previous = store.get(object.metadata?.namespace ?? '', object.metadata?.name ?? '');
    if (event === 'delete') store.remove(object);
    else store.upsert(object);
    if (event === 'update' && previous && isSameJson(withoutVersion(previous), withoutVersion(object))) return;
    onChange(object, event);
  });
}

const withoutVersion = (object: KubernetesObject): KubernetesObject => ({
  ...object,
  metadata: { ...object.metadata, resourceVersion: undefined },
});
