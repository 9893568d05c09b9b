/**
 * Where a study's trials write their adapters, and whether that place outlives the trial pod.
 * Pure: the Job builder mounts what this says, the engine reports it in status. A trial writes
 * below the output base in a folder of its own name; the base is the template's
 * LORAHPO_OUTPUT_DIR, else /output.
 */
import { ENV } from '../../../trainer/src/contract/env.ts';
import type { StudySpec } from './study.ts';

/** Where trials save adapters unless the template's env sets LORAHPO_OUTPUT_DIR (the base). */
export const DEFAULT_OUTPUT_BASE = '/output';
/** The pod volume the operator adds for the output base. */
export const OUTPUT_VOLUME_NAME = 'lorahpo-output';

/**
 * `study`: spec.output.volume, mounted by the operator. `template`: the trialTemplate mounts a
 * volume of its own at (or above) the base. `scratch`: nothing does, so the operator mounts an
 * emptyDir, writable by the trial user, that is lost with the pod.
 */
export type OutputStorageKind = 'study' | 'template' | 'scratch';

export interface OutputStorage {
  kind: OutputStorageKind;
  /** The output base inside the trial container. */
  mountPath: string;
  /** The volume holding the base, as `persistentVolumeClaim/<claim>` or its type (`nfs`). */
  volume: string;
  /** Where the base lies on that volume (the template mount's subPath and the part below it). */
  volumeDir: string;
  /** The adapters outlive the pod: the volume is neither an emptyDir nor the operator's scratch. */
  isKept: boolean;
}

interface VolumeMountLike {
  name?: unknown;
  mountPath?: unknown;
  subPath?: unknown;
}

export function outputBase(spec: StudySpec): string {
  const own = spec.trialTemplate?.env?.find((entry) => entry.name === ENV.outputDir)?.value;
  return (own ?? DEFAULT_OUTPUT_BASE).replace(/(.)\/+$/, '$1');
}

/** How a volume source reads in status: `persistentVolumeClaim/<claim>`, else its type. */
export function describeVolume(source: Record<string, unknown>): string {
  const claim = source.persistentVolumeClaim as { claimName?: unknown } | undefined;
  if (claim && typeof claim.claimName === 'string') return `persistentVolumeClaim/${claim.claimName}`;
  return Object.keys(source).find((key) => key !== 'name') ?? 'unknown';
}

function isEphemeral(source: Record<string, unknown>): boolean {
  return 'emptyDir' in source || 'ephemeral' in source;
}

function isBelow(path: string, dir: string): boolean {
  const base = dir.replace(/\/+$/, '');
  return path === base || path.startsWith(`${base}/`) || base === '';
}

export function outputStorage(spec: StudySpec): OutputStorage {
  const mountPath = outputBase(spec);
  const study = spec.output?.volume;
  if (study)
    return { kind: 'study', mountPath, volume: describeVolume(study), volumeDir: '', isKept: !isEphemeral(study) };
  const template = spec.trialTemplate;
  const mounts = (template?.volumeMounts ?? []) as VolumeMountLike[];
  const mount = mounts
    .filter((candidate) => typeof candidate.mountPath === 'string' && isBelow(mountPath, candidate.mountPath))
    .sort((a, b) => String(b.mountPath).length - String(a.mountPath).length)[0];
  if (mount) {
    const volume = (template?.volumes ?? []).find((candidate) => candidate.name === mount.name) ?? {};
    const below = mountPath.slice(String(mount.mountPath).replace(/\/+$/, '').length).replace(/^\/+/, '');
    const subPath = typeof mount.subPath === 'string' ? mount.subPath : '';
    return {
      kind: 'template',
      mountPath,
      volume: describeVolume(volume),
      volumeDir: [subPath, below].filter(Boolean).join('/'),
      isKept: !isEphemeral(volume),
    };
  }
  return { kind: 'scratch', mountPath, volume: 'emptyDir', volumeDir: '', isKept: false };
}

/** Where an adapter the trainer saved at `adapterPath` (inside the pod) lies on the output volume. */
export function adapterOnVolume(
  storage: OutputStorage,
  adapterPath: string,
): { volume: string; path: string } | undefined {
  if (!storage.isKept || !isBelow(adapterPath, storage.mountPath)) return undefined;
  const rest = adapterPath.slice(storage.mountPath.replace(/\/+$/, '').length).replace(/^\/+/, '');
  return { volume: storage.volume, path: [storage.volumeDir, rest].filter(Boolean).join('/') };
}
