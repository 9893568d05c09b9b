import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CoreV1Api, V1Container, V1Pod } from '@kubernetes/client-node';
import { containerEnvironment, expandReferences } from './container-env.ts';
import type { ContainerLaunch } from './container-runtime.ts';
import { containerMounts } from './pod-volumes.ts';

/** What an image would supply: ENTRYPOINT and CMD (the simulated node pulls nothing). */
export interface ImageConfig {
  entrypoint?: string[];
  cmd?: string[];
  /** WORKDIR: where the process runs unless the container sets workingDir. Default the node's workingDir. */
  workingDir?: string;
  /** ENV of the image, under the container's own env. */
  env?: Record<string, string>;
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
    KUBERNETES_SERVICE_HOST: host, KUBERNETES_SERVICE_PORT: port, KUBERNETES_SERVICE_PORT_HTTPS: port,
    KUBERNETES_PORT: `tcp://${host}:${port}`, [`KUBERNETES_PORT_${port}_TCP`]: `tcp://${host}:${port}`,
    [`KUBERNETES_PORT_${port}_TCP_PROTO`]: 'tcp', [`KUBERNETES_PORT_${port}_TCP_PORT`]: port, [`KUBERNETES_PORT_${port}_TCP_ADDR`]: host,
  };
}

function imageConfig(images: Record<string, ImageConfig>, image: string): ImageConfig {
  const withoutTag = image.replace(/@.*$/, '').replace(/:[^/:]+$/, '');
  return images[image] ?? images[withoutTag] ?? {};
}

// Kubernetes semantics: command replaces ENTRYPOINT; args replace CMD; command alone drops CMD.
function commandLine(container: V1Container, image: ImageConfig): { command: string[]; args: string[] } {
  if (container.command?.length) return { command: container.command, args: container.args ?? [] };
  return { command: image.entrypoint ?? [], args: container.args?.length ? container.args : image.cmd ?? [] };
}

/**
 * Everything needed to start one attempt of a container: resolved env and command, and a
 * fresh file standing in for /dev/termination-log (env values naming that path point at it).
 */
export async function prepareLaunch(settings: LaunchSettings, pod: V1Pod, container: V1Container, restartCount: number): Promise<ContainerLaunch> {
  const ownEnv = await containerEnvironment(settings.api, pod, container);
  const podDir = join(settings.podsDir, pod.metadata?.uid ?? 'unknown');
  mkdirSync(podDir, { recursive: true });
  const terminationMessagePath = join(podDir, `${container.name}-${restartCount}.termination-log`);
  writeFileSync(terminationMessagePath, '');
  const image = imageConfig(settings.images, container.image ?? '');
  const inPodPath = container.terminationMessagePath ?? '/dev/termination-log';
  const env: Record<string, string> = { ...settings.baseEnv, HOSTNAME: pod.metadata?.name ?? '', ...kubernetesServiceEnv(settings.apiServer), ...image.env, ...ownEnv };
  for (const [name, value] of Object.entries(env)) if (value === inPodPath) env[name] = terminationMessagePath;
  for (const name of settings.terminationMessageEnv) env[name] ??= terminationMessagePath;
  const { command, args } = commandLine(container, image);
  const workingDir = container.workingDir && existsSync(container.workingDir) ? container.workingDir : image.workingDir ?? settings.workingDir;
  const mounts = settings.mountVolumes ? await containerMounts(settings.api, pod, container, podDir) : [];
  return {
    pod, container, env, terminationMessagePath, restartCount, workingDir, mounts,
    command: command.map((part) => expandReferences(part, env)), args: args.map((part) => expandReferences(part, env)),
  };
}
