import type { CoreV1Api, KubeConfig, V1Container, V1Pod } from '@kubernetes/client-node';
import { startResilientInformer, type ResilientInformer } from '../resilient-informer.ts';
import type { LaunchSettings } from './container-launch.ts';
import type { LogLookup } from './kubelet-server.ts';
import { podRequests } from './pod-resources.ts';
import { PodWorker } from './pod-worker.ts';
import type { Workload } from './workload.ts';

export interface KubeletDeps {
  kc: KubeConfig;
  api: CoreV1Api;
  nodeName: string;
  launch: LaunchSettings;
  workloadFor(pod: V1Pod, container: V1Container): Workload;
  restartBackoffMs: { initial: number; max: number };
  /** A pod finished or left: the scheduler may place others. */
  onCapacityFreed(): void;
  report(message: string): void;
}

function key(namespace: string | undefined, name: string | undefined): string {
  return `${namespace}/${name}`;
}

/**
 * Plays the kubelet: one PodWorker per pod bound to this node, found through a watch on
 * spec.nodeName. Containers run as processes of this machine, so they listen in the host's
 * network (two pods on one port collide, as hostNetwork pods would) and probes go to the host IP
 * 127.0.0.1. Each pod still gets its own podIP from 10.244.0.0/24, reachable by nothing: the API
 * server refuses loopback addresses in Endpoints, so a podIP of 127.0.0.1 would keep every pod
 * out of its Service's endpoints.
 */
export class Kubelet {
  readonly #deps: KubeletDeps;
  readonly #workers = new Map<string, PodWorker>();
  readonly #uidByName = new Map<string, string>();
  readonly #pods = new Map<string, V1Pod>();
  #nextIp = 2;
  #informer?: ResilientInformer<V1Pod>;

  constructor(deps: KubeletDeps) {
    this.#deps = deps;
  }

  async start(): Promise<void> {
    const fieldSelector = `spec.nodeName=${this.#deps.nodeName}`;
    this.#informer = await startResilientInformer<V1Pod>(
      this.#deps.kc,
      '/api/v1/pods',
      () => this.#deps.api.listPodForAllNamespaces({ fieldSelector }),
      { add: (pod) => this.#observe(pod), update: (pod) => this.#observe(pod), delete: (pod) => this.#gone(pod) },
      { fieldSelector, report: this.#deps.report },
    );
  }

  async stop(): Promise<void> {
    await this.#informer?.stop();
    for (const worker of this.#workers.values()) worker.shutdown();
    this.#workers.clear();
  }

  has(uid: string): boolean {
    return this.#workers.has(uid);
  }

  /** Requests of the pods this kubelet runs that have not finished. */
  used(): Map<string, number> {
    const used = new Map<string, number>();
    for (const [uid, worker] of this.#workers) {
      if (worker.isTerminal) continue;
      for (const [resource, amount] of podRequests(this.#pods.get(uid) ?? {}))
        used.set(resource, (used.get(resource) ?? 0) + amount);
    }
    return used;
  }

  oomKill(namespace: string, name: string, container?: string): boolean {
    const uid = this.#uidByName.get(key(namespace, name));
    return uid !== undefined && (this.#workers.get(uid)?.oomKill(container) ?? false);
  }

  evict(namespace: string, name: string, message: string): boolean {
    const uid = this.#uidByName.get(key(namespace, name));
    return uid !== undefined && (this.#workers.get(uid)?.evict(message) ?? false);
  }

  readonly logs: LogLookup = (namespace, name, container, previous) => {
    const worker = this.#workers.get(this.#uidByName.get(key(namespace, name)) ?? '');
    if (!worker) return { status: 404, message: `pod ${namespace}/${name} is not on node ${this.#deps.nodeName}` };
    // The 1.20 kubelet finds a container's log through the pod's status, which eviction emptied.
    if (worker.isEvicted) return { status: 400, message: `container "${container}" in pod "${name}" is not available` };
    const store = worker.logs(container, previous);
    if (store) return store;
    if (previous)
      return { status: 400, message: `previous terminated container "${container}" in pod "${name}" not found` };
    if (!worker.isStarted(container))
      return {
        status: 400,
        message: `container "${container}" in pod "${name}" is waiting to start: ContainerCreating`,
      };
    return { status: 404, message: `container "${container}" in pod "${name}" not found` };
  };

  #observe(pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? '';
    this.#pods.set(uid, pod);
    const existing = this.#workers.get(uid);
    if (existing) return existing.update(pod);
    const worker = new PodWorker(pod, {
      api: this.#deps.api,
      launch: this.#deps.launch,
      hostIP: '127.0.0.1',
      podIP: `10.244.0.${(this.#nextIp++ % 250) + 2}`,
      workloadFor: this.#deps.workloadFor,
      restartBackoffMs: this.#deps.restartBackoffMs,
      report: this.#deps.report,
      onTerminal: () => this.#deps.onCapacityFreed(),
      onRemoved: (removedUid) => this.#forget(removedUid, pod),
    });
    this.#workers.set(uid, worker);
    this.#uidByName.set(key(pod.metadata?.namespace, pod.metadata?.name), uid);
    worker.start();
  }

  #gone(pod: V1Pod): void {
    const worker = this.#workers.get(pod.metadata?.uid ?? '');
    if (worker) worker.removed();
  }

  #forget(uid: string, pod: V1Pod): void {
    this.#workers.delete(uid);
    this.#pods.delete(uid);
    const name = key(pod.metadata?.namespace, pod.metadata?.name);
    if (this.#uidByName.get(name) === uid) this.#uidByName.delete(name);
  }
}
