/**
 * What the reconciler reads: the study, its trials, their Jobs and Pods, from the informer
 * caches (or, in unit tests, from plain arrays). Trials are indexed by study and pods by trial,
 * so a reconcile costs the size of its own study, not of the cluster.
 */
import type { KubernetesObject, V1Job, V1Pod } from '@kubernetes/client-node';
import { LABELS } from './labels.ts';

export interface ClusterView {
  study(namespace: string, name: string): unknown;
  /** LoraTrial objects (as read) whose `spec.study` is the study. */
  trials(namespace: string, study: string): unknown[];
  job(namespace: string, name: string): V1Job | undefined;
  pods(namespace: string, trial: string): V1Pod[];
}

/** Object lookups keyed by namespace/name, plus an index from a group key to names. */
export class IndexedStore<T extends KubernetesObject> {
  readonly #objects = new Map<string, T>();
  readonly #groups = new Map<string, Set<string>>();
  readonly #groupOf: (object: T) => string | undefined;

  constructor(groupOf: (object: T) => string | undefined = () => undefined) {
    this.#groupOf = groupOf;
  }

  upsert(object: T): void {
    const key = keyOf(object);
    const previous = this.#objects.get(key);
    if (previous) this.#ungroup(previous, key);
    this.#objects.set(key, object);
    const group = this.#groupOf(object);
    if (group !== undefined) {
      const namespaced = `${object.metadata?.namespace}/${group}`;
      const members = this.#groups.get(namespaced) ?? new Set<string>();
      members.add(key);
      this.#groups.set(namespaced, members);
    }
  }

  remove(object: T): void {
    const key = keyOf(object);
    const previous = this.#objects.get(key);
    if (previous) this.#ungroup(previous, key);
    this.#objects.delete(key);
  }

  get(namespace: string, name: string): T | undefined {
    return this.#objects.get(`${namespace}/${name}`);
  }

  group(namespace: string, group: string): T[] {
    const members = this.#groups.get(`${namespace}/${group}`);
    return members ? [...members].map((key) => this.#objects.get(key) as T) : [];
  }

  get size(): number {
    return this.#objects.size;
  }

  /** Every object's `namespace/name`. */
  keys(): IterableIterator<string> {
    return this.#objects.keys();
  }

  #ungroup(object: T, key: string): void {
    const group = this.#groupOf(object);
    if (group === undefined) return;
    const namespaced = `${object.metadata?.namespace}/${group}`;
    this.#groups.get(namespaced)?.delete(key);
    if (this.#groups.get(namespaced)?.size === 0) this.#groups.delete(namespaced);
  }
}

export function keyOf(object: KubernetesObject): string {
  return `${object.metadata?.namespace}/${object.metadata?.name}`;
}

export const trialStudyOf = (trial: KubernetesObject): string | undefined =>
  (trial as { spec?: { study?: string } }).spec?.study;
export const podTrialOf = (pod: KubernetesObject): string | undefined => pod.metadata?.labels?.[LABELS.trial];

/** A view over stores the sources keep up to date (and tests fill by hand). */
export class StoreView implements ClusterView {
  readonly studies = new IndexedStore<KubernetesObject>();
  readonly trialStore = new IndexedStore<KubernetesObject>(trialStudyOf);
  readonly jobs = new IndexedStore<V1Job>();
  readonly podStore = new IndexedStore<V1Pod>(podTrialOf);

  study(namespace: string, name: string): unknown {
    return this.studies.get(namespace, name);
  }

  trials(namespace: string, study: string): unknown[] {
    return this.trialStore.group(namespace, study);
  }

  job(namespace: string, name: string): V1Job | undefined {
    return this.jobs.get(namespace, name);
  }

  pods(namespace: string, trial: string): V1Pod[] {
    return this.podStore.group(namespace, trial);
  }
}
