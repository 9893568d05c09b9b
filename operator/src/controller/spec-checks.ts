/**
 * Each study's validation, kept while its generation holds. The API server bumps
 * `metadata.generation` on every spec change and never on status writes, so the many reconciles
 * that only see trials, Jobs and Pods move do not validate (and fingerprint) the same spec again.
 */
import { checkStudyManifest, type ManifestCheck } from '../api/validate-study.ts';
import type { LoraStudy } from '../api/study.ts';
import { searchSpaceHash } from './trial-actions.ts';
import type { PodPolicy } from '../api/pod-policy.ts';

export interface HashedManifestCheck extends ManifestCheck {
  /** The fingerprint of the search space and objective, for a valid spec. */
  spaceHash?: string;
}

interface Kept {
  uid: string | undefined;
  generation: number;
  check: HashedManifestCheck;
}

export class SpecChecks {
  readonly #kept = new Map<string, Kept>();
  readonly #podPolicy: PodPolicy | undefined;

  /** `podPolicy`: what trial pods may hold (the operator's flags); default defaultPodPolicy(). */
  constructor(podPolicy?: PodPolicy) {
    this.#podPolicy = podPolicy;
  }

  check(key: string, raw: LoraStudy): HashedManifestCheck {
    const { uid, generation } = raw.metadata ?? {};
    const kept = this.#kept.get(key);
    if (kept && generation !== undefined && kept.generation === generation && kept.uid === uid) return kept.check;
    const checked = checkStudyManifest(raw, this.#podPolicy ? { podPolicy: this.#podPolicy } : {});
    const check: HashedManifestCheck = checked.study
      ? { ...checked, spaceHash: searchSpaceHash(checked.study) }
      : checked;
    if (generation !== undefined) this.#kept.set(key, { uid, generation, check });
    return check;
  }

  forget(key: string): void {
    this.#kept.delete(key);
  }
}
