/**
 * Kubernetes Events on studies and trials (`kubectl describe` shows them). An Event is recorded
 * when the operator performs the transition it reports, so a restart does not repeat it. A
 * failure to record is logged, never fails the reconcile.
 */
import type { CoreV1Event } from '@kubernetes/client-node';
import { API_GROUP_VERSION } from '../api/common.ts';
import type { KubeApi } from './kube-api.ts';
import type { Logger } from './logger.ts';

export interface EventTarget {
  kind: 'LoraStudy' | 'LoraTrial';
  metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export class EventRecorder {
  readonly #api: KubeApi;
  readonly #logger: Logger;
  readonly #component: string;
  readonly #now: () => number;
  #sequence = 0;

  constructor(api: KubeApi, logger: Logger, options: { component?: string; now?: () => number } = {}) {
    this.#api = api;
    this.#logger = logger;
    this.#component = options.component ?? 'lorahpo-operator';
    this.#now = options.now ?? Date.now;
  }

  record(target: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const { name, namespace, uid, resourceVersion } = target.metadata;
    const time = new Date(this.#now());
    const event: CoreV1Event = {
      metadata: {
        name: `${name}.${time.getTime().toString(16)}${(++this.#sequence).toString(16).padStart(4, '0')}`,
        namespace,
      },
      involvedObject: { apiVersion: API_GROUP_VERSION, kind: target.kind, name, namespace, uid, resourceVersion },
      type,
      reason,
      message,
      source: { component: this.#component },
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
      reportingComponent: this.#component,
    };
    // Not awaited: an Event never holds up (or fails) the reconcile that reports it.
    this.#api
      .createEvent(event)
      .catch((error: unknown) =>
        this.#logger.warn({ err: error, reason, object: `${namespace}/${name}` }, 'could not record an Event'),
      );
  }
}
