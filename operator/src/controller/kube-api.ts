/**
 * The writes (and the few direct reads) the reconciler makes, behind one small interface so unit
 * tests can run `reconcile(key)` against an in-memory API. Every request is counted in the
 * metrics, failures by status code. Reads for reconciling come from the informer caches instead.
 */
import {
  BatchV1Api,
  PatchStrategy,
  setHeaderOptions,
  CoreV1Api,
  CustomObjectsApi,
  type CoreV1Event,
  type KubeConfig,
  type V1Job,
} from '@kubernetes/client-node';
import { API_GROUP, API_VERSION } from '../api/common.ts';
import type { LoraStudy } from '../api/study.ts';
import type { LoraTrial } from '../api/trial.ts';
import type { OperatorMetrics } from './metrics.ts';
import { statusCode } from './kube-errors.ts';
import { nameOf, namespaceOf } from '../api/object-name.ts';
import { APPLY_PATCH, FIELD_MANAGER, statusApplyBody } from './status-apply.ts';

/**
 * Status writes send only the object's identity, resourceVersion and status (status-apply.ts):
 * whatever else the argument holds is not written. Every write names the field manager
 * `lorahpo-operator`.
 */
export interface KubeApi {
  getStudy(namespace: string, name: string): Promise<LoraStudy>;
  /** Applies `study.status` to `/status`; 409 Conflict when the resourceVersion is stale. */
  replaceStudyStatus(study: LoraStudy): Promise<LoraStudy>;
  getTrial(namespace: string, name: string): Promise<LoraTrial>;
  createTrial(trial: LoraTrial): Promise<LoraTrial>;
  /** Applies `trial.status` to `/status`; 409 Conflict when the resourceVersion is stale. */
  replaceTrialStatus(trial: LoraTrial): Promise<LoraTrial>;
  createJob(job: V1Job): Promise<V1Job>;
  /**
   * Deletes with background propagation (the pod gets SIGTERM, the call does not wait), or
   * foreground: the Job stays, marked deleted, until the garbage collector has removed its pods.
   */
  deleteJob(namespace: string, name: string, propagation?: 'Background' | 'Foreground'): Promise<void>;
  /** Sets the finished Job's ttlSecondsAfterFinished: the TTL controller deletes it (and its pod, its log) then. */
  expireJob(namespace: string, name: string, ttlSeconds: number): Promise<void>;
  createEvent(event: CoreV1Event): Promise<void>;
}

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const STUDIES = { group: API_GROUP, version: API_VERSION, plural: 'lorastudies' };
const TRIALS = { group: API_GROUP, version: API_VERSION, plural: 'loratrials' };
/** The operator is the one writer of status: `force` takes over what an older writer still holds. */
const APPLY_PARAMS = { fieldManager: FIELD_MANAGER, force: true };

export class ClientNodeKubeApi implements KubeApi {
  readonly #custom: CustomObjectsApi;
  readonly #batch: BatchV1Api;
  readonly #core: CoreV1Api;
  readonly #metrics: OperatorMetrics | undefined;

  constructor(kubeConfig: KubeConfig, metrics?: OperatorMetrics) {
    this.#custom = kubeConfig.makeApiClient(CustomObjectsApi);
    this.#batch = kubeConfig.makeApiClient(BatchV1Api);
    this.#core = kubeConfig.makeApiClient(CoreV1Api);
    this.#metrics = metrics;
  }

  getStudy(namespace: string, name: string): Promise<LoraStudy> {
    return this.#call('get', 'lorastudies', () =>
      this.#custom.getNamespacedCustomObject({ ...STUDIES, namespace, name }),
    );
  }

  async replaceStudyStatus(study: LoraStudy): Promise<LoraStudy> {
    const [namespace, name] = [namespaceOf(study), nameOf(study)];
    const request = { ...STUDIES, namespace, name, body: statusApplyBody('LoraStudy', study), ...APPLY_PARAMS };
    const apply = () => this.#custom.patchNamespacedCustomObjectStatus(request, APPLY_PATCH);
    return this.#call('patch', 'lorastudies/status', apply);
  }

  getTrial(namespace: string, name: string): Promise<LoraTrial> {
    return this.#call('get', 'loratrials', () =>
      this.#custom.getNamespacedCustomObject({ ...TRIALS, namespace, name }),
    );
  }

  createTrial(trial: LoraTrial): Promise<LoraTrial> {
    const namespace = namespaceOf(trial);
    const request = { ...TRIALS, namespace, body: trial, fieldManager: FIELD_MANAGER };
    return this.#call('create', 'loratrials', () => this.#custom.createNamespacedCustomObject(request));
  }

  async replaceTrialStatus(trial: LoraTrial): Promise<LoraTrial> {
    const [namespace, name] = [namespaceOf(trial), nameOf(trial)];
    const request = { ...TRIALS, namespace, name, body: statusApplyBody('LoraTrial', trial), ...APPLY_PARAMS };
    const apply = () => this.#custom.patchNamespacedCustomObjectStatus(request, APPLY_PATCH);
    return this.#call('patch', 'loratrials/status', apply);
  }

  createJob(job: V1Job): Promise<V1Job> {
    const namespace = namespaceOf(job);
    const request = { namespace, body: job, fieldManager: FIELD_MANAGER };
    return this.#call('create', 'jobs', () => this.#batch.createNamespacedJob(request));
  }

  async deleteJob(
    namespace: string,
    name: string,
    propagation: 'Background' | 'Foreground' = 'Background',
  ): Promise<void> {
    await this.#call('delete', 'jobs', () =>
      this.#batch.deleteNamespacedJob({ namespace, name, propagationPolicy: propagation }),
    );
  }

  async expireJob(namespace: string, name: string, ttlSeconds: number): Promise<void> {
    const body = { spec: { ttlSecondsAfterFinished: ttlSeconds } };
    await this.#call('patch', 'jobs', () =>
      this.#batch.patchNamespacedJob({ namespace, name, body, fieldManager: FIELD_MANAGER }, MERGE_PATCH),
    );
  }

  async createEvent(event: CoreV1Event): Promise<void> {
    const namespace = namespaceOf(event);
    const request = { namespace, body: event, fieldManager: FIELD_MANAGER };
    await this.#call('create', 'events', () => this.#core.createNamespacedEvent(request));
  }

  async #call<T>(verb: string, resource: string, request: () => Promise<unknown>): Promise<T> {
    this.#metrics?.apiRequests.inc({ verb, resource });
    try {
      return (await request()) as T;
    } catch (error) {
      this.#metrics?.apiErrors.inc({ verb, resource, code: String(statusCode(error) ?? 'network') });
      throw error;
    }
  }
}
