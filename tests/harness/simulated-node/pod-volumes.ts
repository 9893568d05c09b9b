import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type {
  CoreV1Api,
  V1ConfigMap,
  V1Container,
  V1KeyToPath,
  V1Pod,
  V1Secret,
  V1Volume,
} from '@kubernetes/client-node';

/** One directory of this machine that the container sees at `mountPath`. */
export interface Mount {
  hostPath: string;
  mountPath: string;
  readOnly: boolean;
}

// The kubelet's defaultMode for secret and configMap volumes (0644).
const DEFAULT_MODE = 0o644;

function writeFiles(
  dir: string,
  files: Map<string, Buffer>,
  items: V1KeyToPath[] | undefined,
  defaultMode: number,
): void {
  mkdirSync(dir, { recursive: true });
  const chosen = items?.length
    ? items.map((item) => ({ key: item.key, path: item.path, mode: item.mode }))
    : [...files.keys()].map((key) => ({ key, path: key, mode: undefined }));
  for (const { key, path, mode } of chosen) {
    const content = files.get(key);
    if (content === undefined) throw new Error(`key ${key} not found`);
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    chmodSync(file, mode ?? defaultMode);
  }
}

function decoded(data: Record<string, string> | undefined, encoding: 'base64' | 'utf8'): Map<string, Buffer> {
  return new Map(Object.entries(data ?? {}).map(([key, value]) => [key, Buffer.from(value, encoding)]));
}

/**
 * Writes a volume's files into `dir` as the kubelet's volume plugins would: secret and configMap
 * keys as files (items/defaultMode honoured), emptyDir as an empty directory. Returns the
 * directory the container sees, or undefined for a volume type this node does not provide.
 */
/** Where a claim's volume lives on this node: beside the pods' directories, so it outlives them. */
export function claimDirectory(podsDir: string, namespace: string, claim: string): string {
  return join(podsDir, 'claims', namespace, claim);
}

async function materialise(
  api: CoreV1Api,
  namespace: string,
  volume: V1Volume,
  dir: string,
  podsDir: string,
): Promise<string | undefined> {
  if (volume.persistentVolumeClaim) {
    const claim = volume.persistentVolumeClaim.claimName;
    try {
      await api.readNamespacedPersistentVolumeClaim({ name: claim, namespace });
    } catch (error) {
      throw new Error(`volume ${volume.name}: persistentvolumeclaim "${claim}" not found: ${(error as Error).message}`);
    }
    const claimDir = claimDirectory(podsDir, namespace, claim);
    mkdirSync(claimDir, { recursive: true });
    // A freshly provisioned volume is writable by the pod's fsGroup, as the kubelet's ownership change makes it.
    chmodSync(claimDir, 0o2777);
    return claimDir;
  }
  if (volume.secret) {
    let secret: V1Secret;
    try {
      secret = await api.readNamespacedSecret({ name: volume.secret.secretName ?? '', namespace });
    } catch (error) {
      if (volume.secret.optional) return dir;
      throw new Error(
        `volume ${volume.name}: secret "${volume.secret.secretName}" not found: ${(error as Error).message}`,
      );
    }
    writeFiles(dir, decoded(secret.data, 'base64'), volume.secret.items, volume.secret.defaultMode ?? DEFAULT_MODE);
    return dir;
  }
  if (volume.configMap) {
    let map: V1ConfigMap;
    try {
      map = await api.readNamespacedConfigMap({ name: volume.configMap.name ?? '', namespace });
    } catch (error) {
      if (volume.configMap.optional) return dir;
      throw new Error(
        `volume ${volume.name}: configmap "${volume.configMap.name}" not found: ${(error as Error).message}`,
      );
    }
    const files = new Map([...decoded(map.data, 'utf8'), ...decoded(map.binaryData, 'base64')]);
    writeFiles(dir, files, volume.configMap.items, volume.configMap.defaultMode ?? DEFAULT_MODE);
    return dir;
  }
  if (volume.emptyDir) {
    mkdirSync(dir, { recursive: true });
    return dir;
  }
  if (volume.hostPath) return volume.hostPath.path;
  return undefined;
}

/**
 * The mounts of one container: each volumeMount whose volume is a secret, configMap, emptyDir
 * or hostPath, with its files written under `podDir/volumes/<name>` (a fresh copy per attempt
 * for secrets and configMaps, as the kubelet refreshes them; emptyDir lives as long as the pod).
 * A persistentVolumeClaim (which must exist) is one directory per claim on this node, shared by
 * every pod that mounts it and kept after they end. Mounts of other volume types (projected, …)
 * are left out.
 */
export async function containerMounts(
  api: CoreV1Api,
  pod: V1Pod,
  container: V1Container,
  podDir: string,
): Promise<Mount[]> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const volumes = new Map((pod.spec?.volumes ?? []).map((volume) => [volume.name, volume]));
  const mounts: Mount[] = [];
  const written = new Map<string, string | undefined>();
  for (const volumeMount of container.volumeMounts ?? []) {
    const volume = volumes.get(volumeMount.name);
    if (!volume) throw new Error(`volumeMount ${volumeMount.name}: no such volume in the pod`);
    if (!written.has(volume.name))
      written.set(
        volume.name,
        await materialise(api, namespace, volume, join(podDir, 'volumes', volume.name), dirname(podDir)),
      );
    const source = written.get(volume.name);
    if (source === undefined) continue;
    const hostPath = volumeMount.subPath ? join(source, volumeMount.subPath) : source;
    if (!existsSync(hostPath)) mkdirSync(hostPath, { recursive: true });
    mounts.push({ hostPath, mountPath: volumeMount.mountPath, readOnly: volumeMount.readOnly ?? false });
  }
  return mounts;
}
