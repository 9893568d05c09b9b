/**
 * The flags that pick a study for `report`, `dashboard` and `status`: a local state directory
 * (the positional argument, or the only study under .lorahpo/), or with --kubeconfig / -n a
 * cluster study named by the argument.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { LorahpoError } from '../errors.ts';
import type { CliDeps } from './deps.ts';
import { clusterStudyReader, findStateDir, readLocalStudy, type StudyReader } from './study-source.ts';

export interface StudySourceOptions {
  kubeconfig?: string;
  namespace?: string;
}

export function withStudySource(command: Command, argument = '[target]'): Command {
  return command
    .argument(
      argument,
      "local: the state directory (default: the one under .lorahpo/); with --kubeconfig or -n: the LoraStudy's name",
    )
    .option('--kubeconfig <path>', 'read the study from this cluster (the default kubeconfig when only -n is given)')
    .option('-n, --namespace <namespace>', "the study's namespace on the cluster");
}

/** Whether the options name a cluster study. */
export function isClusterTarget(options: StudySourceOptions): boolean {
  return options.kubeconfig !== undefined || options.namespace !== undefined;
}

/** A reader for the chosen study; throws LorahpoError for a target that names nothing. */
export async function studyReader(
  target: string | undefined,
  options: StudySourceOptions,
  deps: CliDeps,
  command: string,
): Promise<StudyReader> {
  if (isClusterTarget(options)) {
    if (target === undefined)
      throw new LorahpoError('LORAHPO_IO', `name the study: lorahpo ${command} <study> -n <namespace>`);
    const kubeconfig = options.kubeconfig === undefined ? undefined : resolve(deps.cwd, options.kubeconfig);
    return clusterStudyReader({ kubeconfig, namespace: options.namespace, name: target });
  }
  const stateDir = findStateDir(target, deps.cwd, command);
  return async () => readLocalStudy(stateDir, deps.now());
}
