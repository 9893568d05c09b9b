import { existsSync, lstatSync, mkdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { CoreV1Api, V1Container, V1Pod } from '@kubernetes/client-node';
import { containerEnvironment, expandReferences } from './container-env.ts';
import type { ContainerLaunch, RootfsLaunch } from './container-runtime.ts';
import { containerMounts } from './pod-volumes.ts';

/** What an image would supply: ENTRYPOINT and CMD (the simulated node pulls nothing). */
export interface ImageConfig {
  entrypoint?: string[];
  cmd?: string[];
  /** WORKDIR: where the process runs unless the container sets workingDir. Default the node's workingDir. */
  workingDir?: string;
  /** ENV of the image, under the container's own env. */
  env?: Record<string, string>;
  /**
   * The image's root filesystem (a directory): process containers then run chrooted into an
   * overlay of it (needs root), `workingDir` is inside it, and `user` applies. Default: this
   * machine's filesystem, as the test's user.
   */
  rootfs?: string;
  /** USER of the image (`uid` or `uid:gid`), used with `rootfs` unless the pod sets runAsUser. */
  user?: string;
}

export interface LaunchSettings {
  api: CoreV1Api;
  images: Record<string, ImageConfig>;
  /** Variables every container starts with before its own env (PATH, HOME). */
  baseEnv: Record<string, string>;
  /** Env names pointed at the termination-message file when the container leaves them unset. */
  terminationMessageEnv: readonly string[];
  /** The directory a container runs in when its workingDir does not exist on this machine. */
  workingDir: string;
  /** Where per-pod files (termination messages, volumes) live. */
  podsDir: string;
  /** Write volumes' files and have process containers see them at their mountPath (needs root). */
  mountVolumes: boolean;
  /** Where the API server listens: KUBERNETES_SERVICE_HOST/PORT (a kubelet takes them from the `kubernetes` Service). */
  apiServer?: { host: string; port: string };
}

// The variables the kubelet derives from the `kubernetes` Service in `default` (enableServiceLinks
// adds the other Services of the namespace; this node does not). With no service network here the
// host and port are where kube-apiserver itself listens, as for a hostNetwork pod.
function kubernetesServiceEnv(apiServer: { host: string; port: string } | undefined): Record<string, string> {
  if (!apiServer) return {};
  const { host, port } = apiServer;
  return {
    KUBERNETES_SERVICE_HOST: host,
    KUBERNETES_SERVICE_PORT: port,
    KUBERNETES_SERVICE_PORT_HTTPS: port,
    KUBERNETES_PORT: `tcp://${host}:${port}`,
    [`KUBERNETES_PORT_${port}_TCP`]: `tcp://${host}:${port}`,
    [`KUBERNETES_PORT_${port}_TCP_PROTO`]: 'tcp',
    [`KUBERNETES_PORT_${port}_TCP_PORT`]: port,
    [`KUBERNETES_PORT_${port}_TCP_ADDR`]: host,
  };
}

function imageConfig(images: Record<string, ImageConfig>, image: string): ImageConfig {
  const withoutTag = image.replace(/@.*$/, '').replace(/:[^/:]+$/, '');
  return images[image] ?? images[withoutTag] ?? {};
}

// Kubernetes semantics: command replaces ENTRYPOINT; args replace CMD; command alone drops CMD.
function commandLine(container: V1Container, image: ImageConfig): { command: string[]; args: string[] } {
  if (container.command?.length) return { command: container.command, args: container.args ?? [] };
  return { command: image.entrypoint ?? [], args: container.args?.length ? container.args : (image.cmd ?? []) };
}

/**
 * `path` inside the root filesystem `root`, its symlinks followed as the container would see
 * them (an absolute target starts again at `root`): in a Debian image /var/run is a link to
 * /run, and the link must not lead out to this machine's /run.
 */
export function resolveInRoot(root: string, path: string): string {
  const pending = posix.normalize(path).split('/').filter(Boolean);
  const resolved: string[] = [];
  for (let hops = 0; pending.length > 0; ) {
    const part = pending.shift() as string;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = join(root, ...resolved, part);
    let link: string | undefined;
    try {
      if (lstatSync(candidate).isSymbolicLink()) link = readlinkSync(candidate);
    } catch {
      /* missing: created as a mount point */
    }
    if (link === undefined) {
      resolved.push(part);
      continue;
    }
    if (++hops > 40) throw new Error(`too many symbolic links resolving ${path} in ${root}`);
    if (link.startsWith('/')) resolved.length = 0;
    pending.unshift(...link.split('/').filter(Boolean));
  }
  return `/${resolved.join('/')}`;
}

// runAsUser/runAsGroup of the container, else of the pod, else the image's USER.
function runAs(pod: V1Pod, container: V1Container, image: ImageConfig): string | undefined {
  const [imageUid, imageGid] = (image.user ?? '').split(':');
  const uid = container.securityContext?.runAsUser ?? pod.spec?.securityContext?.runAsUser ?? (imageUid || undefined);
  const gid = container.securityContext?.runAsGroup ?? pod.spec?.securityContext?.runAsGroup ?? (imageGid || uid);
  return uid === undefined ? undefined : `${uid}:${gid}`;
}

function rootfsLaunch(
  pod: V1Pod,
  container: V1Container,
  image: ImageConfig,
  attemptDir: string,
): RootfsLaunch | undefined {
  if (!image.rootfs) return undefined;
  return {
    lowerDir: image.rootfs,
    attemptDir,
    user: runAs(pod, container, image),
    workingDir: container.workingDir || image.workingDir || '/',
    readOnly: container.securityContext?.readOnlyRootFilesystem === true,
  };
}

/**
 * Everything needed to start one attempt of a container: resolved env and command, and a
 * fresh file standing in for /dev/termination-log (env values naming that path point at it).
 */
export async function prepareLaunch(
  settings: LaunchSettings,
  pod: V1Pod,
  container: V1Container,
  restartCount: number,
): Promise<ContainerLaunch> {
  const ownEnv = await containerEnvironment(settings.api, pod, container);
  const podDir = join(settings.podsDir, pod.metadata?.uid ?? 'unknown');
  mkdirSync(podDir, { recursive: true });
  const terminationMessagePath = join(podDir, `${container.name}-${restartCount}.termination-log`);
  writeFileSync(terminationMessagePath, '');
  const image = imageConfig(settings.images, container.image ?? '');
  const inPodPath = container.terminationMessagePath ?? '/dev/termination-log';
  const env: Record<string, string> = {
    ...settings.baseEnv,
    HOSTNAME: pod.metadata?.name ?? '',
    ...kubernetesServiceEnv(settings.apiServer),
    ...image.env,
    ...ownEnv,
  };
  for (const [name, value] of Object.entries(env)) if (value === inPodPath) env[name] = terminationMessagePath;
  for (const name of settings.terminationMessageEnv) env[name] ??= terminationMessagePath;
  const { command, args } = commandLine(container, image);
  const rootfs = rootfsLaunch(pod, container, image, join(podDir, `rootfs-${container.name}-${restartCount}`));
  const workingDir = rootfs
    ? settings.workingDir
    : container.workingDir && existsSync(container.workingDir)
      ? container.workingDir
      : (image.workingDir ?? settings.workingDir);
  const volumes = settings.mountVolumes ? await containerMounts(settings.api, pod, container, podDir) : [];
  const mounts = rootfs
    ? volumes.map((m) => ({ ...m, mountPath: resolveInRoot(rootfs.lowerDir, m.mountPath) }))
    : volumes;
  return {
    pod,
    container,
    env,
    terminationMessagePath,
    restartCount,
    workingDir,
    mounts,
    ...(rootfs ? { rootfs } : {}),
    command: command.map((part) => expandReferences(part, env)),
    args: args.map((part) => expandReferences(part, env)),
  };
}
