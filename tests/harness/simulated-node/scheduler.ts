import type { CoreV1Api, KubeConfig, V1Node, V1Pod } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { startResilientInformer, type ResilientInformer } from '../resilient-informer.ts';
import { podRequests, unschedulableReason } from './pod-resources.ts';

export interface SchedulerDeps {
  kc: KubeConfig;
  api: CoreV1Api;
  node(): V1Node;
  /** Requests of the pods the kubelet runs and has not finished. */
  usedByKubelet(): Map<string, number>;
  kubeletHas(uid: string): boolean;
  report(message: string): void;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * Plays kube-scheduler for one node: binds pending pods of the default scheduler through
 * pods/binding when they fit (node selector, taints, resources), else marks them Unschedulable.
 */
export class Scheduler {
  readonly #deps: SchedulerDeps;
  readonly #pending = new Map<string, V1Pod>();
  /** Bound by us, not yet seen by the kubelet: their requests still count. */
  readonly #assumed = new Map<string, Map<string, number>>();
  readonly #reported = new Map<string, string>();
  #informer?: ResilientInformer<V1Pod>;
  #running: Promise<void> | undefined;
  #again = false;
  #retryTimer?: NodeJS.Timeout;

  constructor(deps: SchedulerDeps) {
    this.#deps = deps;
  }

  async start(): Promise<void> {
    const onPod = (pod: V1Pod) => this.#observe(pod);
    this.#informer = await startResilientInformer<V1Pod>(
      this.#deps.kc,
      '/api/v1/pods',
      () => this.#deps.api.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=' }),
      { add: onPod, update: onPod, delete: (pod) => this.#forget(pod) },
      { fieldSelector: 'spec.nodeName=', report: this.#deps.report },
    );
    this.kick();
    // A failed binding is retried even when nothing else happens.
    this.#retryTimer = setInterval(() => {
      if (this.#pending.size > 0) this.kick();
    }, 1000);
    this.#retryTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#retryTimer);
    await this.#informer?.stop();
  }

  /** Tries the pending pods again (a pod finished, or new ones came). */
  kick(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#scheduleAll().finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        this.kick();
      }
    });
  }

  #observe(pod: V1Pod): void {
    const scheduler = pod.spec?.schedulerName ?? 'default-scheduler';
    if (pod.metadata?.deletionTimestamp || pod.spec?.nodeName || scheduler !== 'default-scheduler')
      return this.#forget(pod);
    this.#pending.set(pod.metadata?.uid ?? '', pod);
    this.kick();
  }

  #forget(pod: V1Pod): void {
    this.#pending.delete(pod.metadata?.uid ?? '');
    this.#reported.delete(pod.metadata?.uid ?? '');
  }

  #used(): Map<string, number> {
    const used = this.#deps.usedByKubelet();
    for (const [uid, requests] of this.#assumed) {
      if (this.#deps.kubeletHas(uid)) {
        this.#assumed.delete(uid);
        continue;
      }
      for (const [resource, amount] of requests) used.set(resource, (used.get(resource) ?? 0) + amount);
    }
    return used;
  }

  // Oldest first, as the scheduler's queue orders equal-priority pods.
  async #scheduleAll(): Promise<void> {
    const byAge = [...this.#pending.values()].sort((a, b) =>
      String(a.metadata?.creationTimestamp ?? '').localeCompare(String(b.metadata?.creationTimestamp ?? '')),
    );
    for (const pod of byAge) {
      const reason = unschedulableReason(pod, this.#deps.node(), this.#used());
      if (reason === undefined) await this.#bind(pod);
      else await this.#markUnschedulable(pod, reason);
    }
  }

  async #bind(pod: V1Pod): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    const name = pod.metadata?.name ?? '';
    const namespace = pod.metadata?.namespace ?? '';
    const nodeName = this.#deps.node().metadata?.name ?? '';
    this.#pending.delete(uid);
    try {
      await this.#deps.api.createNamespacedPodBinding({
        name,
        namespace,
        body: { metadata: { name, uid }, target: { apiVersion: 'v1', kind: 'Node', name: nodeName } },
      });
      this.#assumed.set(uid, podRequests(pod));
    } catch (error) {
      const code = (error as { code?: number }).code;
      // 404: deleted meanwhile; 409: bound meanwhile. Anything else: try again with the next kick.
      if (code !== 404 && code !== 409) {
        this.#deps.report(`binding pod ${namespace}/${name}: ${(error as Error).message}`);
        this.#pending.set(uid, pod);
      }
    }
  }

  async #markUnschedulable(pod: V1Pod, message: string): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    if (this.#reported.get(uid) === message) return;
    this.#reported.set(uid, message);
    const condition = {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message,
      lastProbeTime: null,
      lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    try {
      await this.#deps.api.patchNamespacedPodStatus(
        {
          name: pod.metadata?.name ?? '',
          namespace: pod.metadata?.namespace ?? '',
          body: { status: { conditions: [condition] } },
        },
        mergePatch,
      );
    } catch (error) {
      if ((error as { code?: number }).code !== 404)
        this.#deps.report(`marking pod ${pod.metadata?.name} unschedulable: ${(error as Error).message}`);
    }
  }
}
