/**
 * Leader election on a coordination.k8s.io/v1 Lease. One replica holds the lease and renews it;
 * the others watch it expire (timed by their own clock from when they last saw it change, so
 * clock skew between nodes does not matter) and then take it with an optimistic update. A leader
 * that cannot renew within `renewDeadlineMs` gives up at once: `onStoppedLeading` runs before
 * the lease could have expired for anyone else. On shutdown the leader releases the lease.
 */
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from '../logger.ts';
import { sleep } from './runnable.ts';
import { statusCode } from '../kube-errors.ts';

export interface LeaderElectionOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  /** Lease name; default `lorahpo-operator` (defaults: `defaultLeaderElectionOptions()`). */
  name?: string;
  /** This replica's identity; default hostname + pid. */
  identity: string;
  /** How long a lease lasts without renewal; default 15 s. */
  leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before it stops acting; default 10 s. */
  renewDeadlineMs?: number;
  /** Time between attempts; default 2 s. */
  retryPeriodMs?: number;
  logger: Logger;
  now?: () => number;
}

/** The defaults of LeaderElectionOptions; the operator's flags read them too. */
export function defaultLeaderElectionOptions() {
  return { name: 'lorahpo-operator', leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };
}

export interface LeaderCallbacks {
  onStartedLeading(): void;
  onStoppedLeading(): void;
}

export class LeaderElector {
  readonly #options: Required<Omit<LeaderElectionOptions, 'now'>> & { now: () => number };
  readonly #api: CoordinationV1Api;
  #observed: { record: string; atMs: number } | undefined;
  #lease: V1Lease | undefined;
  #isLeader = false;

  constructor(options: LeaderElectionOptions) {
    const defaults = defaultLeaderElectionOptions();
    this.#options = {
      ...options,
      name: options.name ?? defaults.name,
      leaseDurationMs: options.leaseDurationMs ?? defaults.leaseDurationMs,
      renewDeadlineMs: options.renewDeadlineMs ?? defaults.renewDeadlineMs,
      retryPeriodMs: options.retryPeriodMs ?? defaults.retryPeriodMs,
      now: options.now ?? Date.now,
    };
    this.#api = options.kubeConfig.makeApiClient(CoordinationV1Api);
  }

  get isLeader(): boolean {
    return this.#isLeader;
  }

  /** Campaigns, leads, and campaigns again after a loss, until the signal aborts. */
  async run(signal: AbortSignal, callbacks: LeaderCallbacks): Promise<void> {
    while (!signal.aborted) {
      if (await this.#tryAcquireOrRenew()) {
        await this.#lead(signal, callbacks);
      } else {
        await sleep(this.#options.retryPeriodMs * (1 + Math.random() * 0.2), signal);
      }
    }
    if (this.#isLeader) await this.#release();
  }

  async #lead(signal: AbortSignal, callbacks: LeaderCallbacks): Promise<void> {
    this.#isLeader = true;
    this.#options.logger.info({ identity: this.#options.identity, lease: this.#options.name }, 'became leader');
    callbacks.onStartedLeading();
    let lastRenewMs = this.#options.now();
    while (!signal.aborted) {
      await sleep(this.#options.retryPeriodMs, signal);
      if (signal.aborted) break;
      if (await this.#tryAcquireOrRenew()) lastRenewMs = this.#options.now();
      else if (
        this.#lease?.spec?.holderIdentity !== this.#options.identity ||
        this.#options.now() - lastRenewMs > this.#options.renewDeadlineMs
      )
        break;
    }
    if (!signal.aborted) {
      this.#isLeader = false;
      this.#options.logger.warn({ identity: this.#options.identity }, 'lost the leader lease; stopping work');
    }
    callbacks.onStoppedLeading();
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.#options;
    try {
      const lease = await this.#read();
      if (!lease) return await this.#create();
      this.#lease = lease;
      this.#observe(lease);
      const holder = lease.spec?.holderIdentity;
      if (holder && holder !== identity && !this.#expired()) return false;
      const renewed = this.#claim(lease);
      this.#lease = await this.#api.replaceNamespacedLease({ namespace, name, body: renewed });
      this.#observe(this.#lease);
      return true;
    } catch (error) {
      this.#options.logger.debug({ err: error, lease: name }, 'lease attempt failed');
      return false;
    }
  }

  async #read(): Promise<V1Lease | undefined> {
    try {
      return await this.#api.readNamespacedLease({ namespace: this.#options.namespace, name: this.#options.name });
    } catch (error) {
      if (statusCode(error) === 404) return undefined;
      throw error;
    }
  }

  async #create(): Promise<boolean> {
    const { namespace, name } = this.#options;
    const body: V1Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace },
      spec: {},
    };
    this.#lease = await this.#api.createNamespacedLease({ namespace, body: this.#claim(body) });
    this.#observe(this.#lease);
    return true;
  }

  /** The lease as this replica holding it now; a new holder counts a transition. */
  #claim(lease: V1Lease): V1Lease {
    const now = new V1MicroTime(this.#options.now());
    const spec = { ...lease.spec };
    if (spec.holderIdentity !== this.#options.identity) {
      spec.leaseTransitions = (spec.leaseTransitions ?? 0) + (spec.holderIdentity ? 1 : 0);
      spec.acquireTime = now;
    }
    spec.holderIdentity = this.#options.identity;
    spec.leaseDurationSeconds = Math.max(1, Math.ceil(this.#options.leaseDurationMs / 1000));
    spec.renewTime = now;
    return { ...lease, spec };
  }

  #observe(lease: V1Lease): void {
    const record = `${lease.spec?.holderIdentity}|${String(lease.spec?.renewTime?.valueOf())}`;
    if (this.#observed?.record !== record) this.#observed = { record, atMs: this.#options.now() };
  }

  #expired(): boolean {
    const durationMs = (this.#lease?.spec?.leaseDurationSeconds ?? 0) * 1000 || this.#options.leaseDurationMs;
    return this.#observed === undefined || this.#options.now() - this.#observed.atMs > durationMs;
  }

  /** Hands the lease back on shutdown so another replica need not wait for it to expire. */
  async #release(): Promise<void> {
    this.#isLeader = false;
    const lease = this.#lease;
    if (!lease?.spec || lease.spec.holderIdentity !== this.#options.identity) return;
    const spec = {
      ...lease.spec,
      holderIdentity: '',
      leaseDurationSeconds: 1,
      renewTime: new V1MicroTime(this.#options.now()),
    };
    try {
      await this.#api.replaceNamespacedLease({
        namespace: this.#options.namespace,
        name: this.#options.name,
        body: { ...lease, spec },
      });
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'could not release the leader lease; it expires on its own');
    }
  }
}
