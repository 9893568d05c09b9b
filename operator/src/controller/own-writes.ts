/**
 * The operator's status writes, the one way it writes a status. Each goes through
 * status-writer.ts (resourceVersion, re-read and retry on 409) and is laid over the informer
 * cache by a write overlay until the cache catches up, so the next reconcile reads what we wrote
 * and a watch event that only shows our own write need not queue the study again.
 */
import type { LoraStudy, StudyStatus } from '../api/study.ts';
import { isTrialActive, type LoraTrial, type TrialStatus } from '../api/trial.ts';
import { nameOf, namespaceOf } from '../api/object-name.ts';
import { withTrialGpuHours } from '../engine/gpu-hours.ts';
import type { KubeApi } from './kube-api.ts';
import { writeStatus } from './status-writer.ts';
import { WriteOverlay } from './write-overlay.ts';

/** A LoraStudy or LoraTrial (or anything else) as a watch event shows it. */
export interface ChangedObject {
  kind?: string;
  metadata?: { namespace?: string; name?: string; resourceVersion?: string };
  status?: unknown;
}

function keyOf(object: { metadata?: { namespace?: string; name?: string } }): string {
  return `${object.metadata?.namespace}/${object.metadata?.name}`;
}

export class OwnWrites {
  readonly #api: KubeApi;
  readonly #studies = new WriteOverlay<LoraStudy>();
  readonly #trials = new WriteOverlay<LoraTrial>();

  constructor(api: KubeApi) {
    this.#api = api;
  }

  /** The freshest of the cached study and our own write of it. */
  study(cached: LoraStudy): LoraStudy {
    return this.#studies.read(keyOf(cached), cached);
  }

  /** The freshest of the cached trial and our own write of it. */
  trial(cached: LoraTrial): LoraTrial {
    return this.#trials.read(keyOf(cached), cached);
  }

  /** Whether a changed LoraStudy or LoraTrial is exactly what we wrote (or are writing). */
  isOwnWrite(object: ChangedObject): boolean {
    if (object.kind === 'LoraStudy') return this.#studies.isOwnWrite(keyOf(object), object as LoraStudy);
    if (object.kind === 'LoraTrial') return this.#trials.isOwnWrite(keyOf(object), object as LoraTrial);
    return false;
  }

  /** `desired` computes the status from the freshest object (again after a conflict). */
  writeStudy(study: LoraStudy, desired: (fresh: LoraStudy) => StudyStatus): Promise<LoraStudy> {
    const read = () => this.#api.getStudy(namespaceOf(study), nameOf(study));
    return write(this.#studies, study, desired, read, (object) => this.#api.replaceStudyStatus(object));
  }

  /** Every trial status written carries its GPU-hours (engine/gpu-hours.ts). */
  writeTrial(trial: LoraTrial, desired: (fresh: LoraTrial) => TrialStatus): Promise<LoraTrial> {
    const read = () => this.#api.getTrial(namespaceOf(trial), nameOf(trial));
    const stamped = (fresh: LoraTrial) => withTrialGpuHours(fresh, desired(fresh));
    return write(this.#trials, trial, stamped, read, (object) => this.#api.replaceTrialStatus(object));
  }

  /**
   * Writes a trial's end. A trial that has ended already (seen on a retry after 409, or another
   * reconcile got there first) keeps the end it has.
   */
  writeTrialEnd(trial: LoraTrial, ended: TrialStatus): Promise<LoraTrial> {
    const keep = (fresh: LoraTrial) => fresh.status as TrialStatus;
    return this.writeTrial(trial, (fresh) => (isTrialActive(fresh.status?.phase) ? ended : keep(fresh)));
  }

  /** The study is gone: drop what we remember of its writes. */
  forgetStudy(key: string): void {
    this.#studies.forget(key);
  }
}

async function write<T extends LoraStudy | LoraTrial>(
  overlay: WriteOverlay<T>,
  current: T,
  desired: (fresh: T) => T['status'],
  read: () => Promise<T>,
  replace: (object: T) => Promise<T>,
): Promise<T> {
  const key = keyOf(current);
  const laid = (object: T) => overlay.writing(key, object, () => replace(object));
  const written = await writeStatus({ current, desired, read, replace: laid });
  overlay.remember(key, current, written);
  return written;
}
