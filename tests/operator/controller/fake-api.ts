/**
 * An in-memory Kubernetes API for reconciler unit tests: resourceVersions, 409 AlreadyExists on
 * create, 409 Conflict on a stale status write, 404s, and objects returned with their keys sorted
 * (the API server stores custom resources as unstructured JSON and answers with sorted keys). `sync()` copies the server's objects into
 * the cache view; tests decide when, so they can reconcile against a stale cache. Status writes
 * are server-side applies of the body the real client sends (status-apply.ts): only its status
 * is written, and its resourceVersion, when given, is a precondition.
 */
import type { CoreV1Event, V1Job, V1Pod } from '@kubernetes/client-node';
import type { KubeApi } from '../../../operator/src/controller/kube-api.ts';
import { StoreView } from '../../../operator/src/controller/cluster-view.ts';
import { statusApplyBody } from '../../../operator/src/controller/status-apply.ts';
import type { LoraStudy } from '../../../operator/src/api/study.ts';
import type { LoraTrial } from '../../../operator/src/api/trial.ts';

type Obj = { metadata?: { name?: string; namespace?: string; resourceVersion?: string; uid?: string } };

function apiError(code: number, reason: string): Error {
  return Object.assign(new Error(`HTTP ${code} ${reason}`), {
    code,
    body: JSON.stringify({ kind: 'Status', code, reason }),
  });
}

export class FakeApi implements KubeApi {
  readonly studies = new Map<string, LoraStudy>();
  readonly trials = new Map<string, LoraTrial>();
  readonly jobs = new Map<string, V1Job>();
  readonly pods = new Map<string, V1Pod>();
  readonly events: CoreV1Event[] = [];
  readonly requests: string[] = [];
  readonly view = new StoreView();
  #version = 1;
  /** Make the next N status writes of studies fail with 409 Conflict. */
  studyConflicts = 0;
  /** Runs once before the next trial status write, which then fails with 409 Conflict (the world
   *  changed under the writer: a test moves a pod on meanwhile). */
  beforeTrialConflict: (() => void) | undefined;
  /** Sees each trial status write once stored, before its response: when the watch event can come first. */
  duringTrialWrite: ((written: LoraTrial) => void) | undefined;

  #stamp<T extends Obj>(object: T): T {
    const copy = sortedKeys(structuredClone(object));
    copy.metadata = { ...copy.metadata, resourceVersion: String(++this.#version) };
    copy.metadata.uid ??= `uid-${copy.metadata.name}`;
    return copy;
  }

  putStudy(study: LoraStudy): LoraStudy {
    const stamped = this.#stamp(study);
    this.studies.set(key(study), stamped);
    return stamped;
  }

  putPod(pod: V1Pod): void {
    this.pods.set(key(pod), this.#stamp(pod));
  }

  /** Copies the server state into the cache view, as the informers would. */
  sync(): void {
    const fill = <T extends Obj>(
      store: {
        upsert(o: T): void;
        remove(o: T): void;
        keys(): IterableIterator<string>;
        get(ns: string, n: string): T | undefined;
      },
      source: Map<string, T>,
    ) => {
      for (const k of [...store.keys()])
        if (!source.has(k)) store.remove(store.get(...(k.split('/') as [string, string])) as T);
      for (const object of source.values()) store.upsert(structuredClone(object));
    };
    fill(this.view.studies as never, this.studies as never);
    fill(this.view.trialStore as never, this.trials as never);
    fill(this.view.jobs as never, this.jobs as never);
    fill(this.view.podStore as never, this.pods as never);
  }

  async getStudy(namespace: string, name: string): Promise<LoraStudy> {
    this.requests.push(`get lorastudies ${name}`);
    const found = this.studies.get(`${namespace}/${name}`);
    if (!found) throw apiError(404, 'NotFound');
    return structuredClone(found);
  }

  async replaceStudyStatus(study: LoraStudy): Promise<LoraStudy> {
    this.requests.push(`update lorastudies/status ${study.metadata.name}`);
    const body = statusApplyBody('LoraStudy', study);
    const found = this.studies.get(key(body));
    if (!found) throw apiError(404, 'NotFound');
    if (this.studyConflicts > 0 || isStale(found, body)) {
      this.studyConflicts = Math.max(0, this.studyConflicts - 1);
      throw apiError(409, 'Conflict');
    }
    const written = this.#stamp({ ...found, status: body.status as LoraStudy['status'] });
    this.studies.set(key(study), written);
    return structuredClone(written);
  }

  async getTrial(namespace: string, name: string): Promise<LoraTrial> {
    this.requests.push(`get loratrials ${name}`);
    const found = this.trials.get(`${namespace}/${name}`);
    if (!found) throw apiError(404, 'NotFound');
    return structuredClone(found);
  }

  async createTrial(trial: LoraTrial): Promise<LoraTrial> {
    this.requests.push(`create loratrials ${trial.metadata.name}`);
    if (this.trials.has(key(trial))) throw apiError(409, 'AlreadyExists');
    const { status: _ignored, ...withoutStatus } = trial;
    const created = this.#stamp(withoutStatus as LoraTrial);
    this.trials.set(key(trial), created);
    return structuredClone(created);
  }

  async replaceTrialStatus(trial: LoraTrial): Promise<LoraTrial> {
    this.requests.push(`update loratrials/status ${trial.metadata.name}`);
    const body = statusApplyBody('LoraTrial', trial);
    const found = this.trials.get(key(body));
    if (!found) throw apiError(404, 'NotFound');
    const interleaved = this.beforeTrialConflict;
    this.beforeTrialConflict = undefined;
    interleaved?.();
    if (interleaved || isStale(found, body)) throw apiError(409, 'Conflict');
    const written = this.#stamp({ ...found, status: body.status as LoraTrial['status'] });
    this.trials.set(key(trial), written);
    this.duringTrialWrite?.(structuredClone(written));
    return structuredClone(written);
  }

  async createJob(job: V1Job): Promise<V1Job> {
    this.requests.push(`create jobs ${job.metadata?.name}`);
    if (this.jobs.has(key(job))) throw apiError(409, 'AlreadyExists');
    const created = this.#stamp(job);
    this.jobs.set(key(job), created);
    return structuredClone(created);
  }

  async deleteJob(namespace: string, name: string): Promise<void> {
    this.requests.push(`delete jobs ${name}`);
    if (!this.jobs.delete(`${namespace}/${name}`)) throw apiError(404, 'NotFound');
  }

  async expireJob(namespace: string, name: string, ttlSeconds: number): Promise<void> {
    this.requests.push(`patch jobs ${name} ttlSecondsAfterFinished=${ttlSeconds}`);
    const job = this.jobs.get(`${namespace}/${name}`);
    if (!job) throw apiError(404, 'NotFound');
    this.jobs.set(
      `${namespace}/${name}`,
      this.#stamp({ ...job, spec: { ...job.spec, ttlSecondsAfterFinished: ttlSeconds } } as V1Job),
    );
  }

  async createEvent(event: CoreV1Event): Promise<void> {
    this.requests.push(`create events ${event.reason}`);
    this.events.push(event);
  }
}

function sortedKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortedKeys) as T;
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortedKeys((value as Record<string, unknown>)[k])]),
  ) as T;
}

/** An apply's resourceVersion is a precondition only when the body carries one. */
function isStale(found: Obj, body: Obj): boolean {
  const expected = body.metadata?.resourceVersion;
  return expected !== undefined && expected !== found.metadata?.resourceVersion;
}

function key(object: Obj): string {
  return `${object.metadata?.namespace}/${object.metadata?.name}`;
}
