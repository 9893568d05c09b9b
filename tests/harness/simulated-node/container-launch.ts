import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CoreV1Api, V1Container, V1Pod } from '@kubernetes/client-node';
import { containerEnvironment, expandReferences } from './container-env.ts';
import type { ContainerLaunch } from './container-runtime.ts';

/** What an image would supply: ENTRYPOINT and CMD (the simulated node pulls nothing). */
export interface ImageConfig {
  entrypoint?: string[];
  cmd?: string[];
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
  /** Where per-pod files (termination messages) live. */
  podsDir: string;
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
  const inPodPath = container.terminationMessagePath ?? '/dev/termination-log';
  const env: Record<string, string> = { ...settings.baseEnv, HOSTNAME: pod.metadata?.name ?? '', ...ownEnv };
  for (const [name, value] of Object.entries(env)) if (value === inPodPath) env[name] = terminationMessagePath;
  for (const name of settings.terminationMessageEnv) env[name] ??= terminationMessagePath;
  const { command, args } = commandLine(container, imageConfig(settings.images, container.image ?? ''));
  const workingDir = container.workingDir && existsSync(container.workingDir) ? container.workingDir : settings.workingDir;
  return {
    pod, container, env, terminationMessagePath, restartCount, workingDir,
    command: command.map((part) => expandReferences(part, env)), args: args.map((part) => expandReferences(part, env)),
  };
}
