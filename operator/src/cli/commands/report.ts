/**
 * `lorahpo report [state-dir | study]`: one self-contained HTML file for a study (history,
 * parallel coordinates, importance, slices, contour, learning curves, the trials table), read
 * from local state or, with --kubeconfig / -n, from a cluster. The file works offline.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { LorahpoError } from '../../errors.ts';
import { renderReport } from '../../report/render-report.ts';
import { buildStudyView } from '../../report/study-view.ts';
import { chartLibrarySource } from '../chart-library.ts';
import type { CliDeps } from '../deps.ts';
import { clusterStudyReader, findStateDir, readLocalStudy, type StudyReader, type StudySnapshot } from '../study-source.ts';

export interface StudySourceOptions {
  kubeconfig?: string;
  namespace?: string;
}

export interface ReportOptions extends StudySourceOptions {
  output?: string;
}

/** The flags that pick a study: a state directory, or a cluster study by name. */
export function withStudySource(command: Command): Command {
  return command
    .argument('[target]', 'local: the state directory (default: the one under .lorahpo/); cluster: the LoraStudy\'s name')
    .option('--kubeconfig <path>', 'read the study from this cluster (default config when only -n is given)')
    .option('-n, --namespace <namespace>', 'the study\'s namespace on the cluster');
}

export function reportCommandSpec(): Command {
  return withStudySource(new Command('report').description('write a self-contained HTML report of a study (works offline)')).option(
    '-o, --output <file>',
    'where to write it (default: <study>-report.html)',
  );
}

/** A reader for the chosen study; throws LorahpoError for a target that names nothing. */
export async function studyReader(target: string | undefined, options: StudySourceOptions, deps: CliDeps, command: string): Promise<StudyReader> {
  if (options.kubeconfig !== undefined || options.namespace !== undefined) {
    if (target === undefined) throw new LorahpoError('LORAHPO_IO', `name the study: lorahpo ${command} <study> -n <namespace>`);
    const kubeconfig = options.kubeconfig === undefined ? undefined : resolve(deps.cwd, options.kubeconfig);
    return clusterStudyReader({ kubeconfig, namespace: options.namespace, name: target });
  }
  const stateDir = findStateDir(target, deps.cwd, command);
  return async () => readLocalStudy(stateDir, deps.now());
}

export async function reportCommand(target: string | undefined, options: ReportOptions, deps: CliDeps): Promise<number> {
  let snapshot: StudySnapshot;
  try {
    snapshot = await (await studyReader(target, options, deps, 'report'))();
  } catch (error) {
    if (!(error instanceof LorahpoError)) throw error;
    deps.stderr.write(`lorahpo report: ${error.message}\n`);
    return 2;
  }
  const { study, trials, source } = snapshot;
  const view = buildStudyView(study, trials, { source, nowIso: deps.now().toISOString() });
  const output = resolve(deps.cwd, options.output ?? `${view.study.name}-report.html`);
  writeFileSync(output, renderReport(view, { chartLibrary: chartLibrarySource() }));
  deps.stdout.write(`report of ${view.study.name} (${trials.length} trials) written to ${output}\n`);
  return 0;
}
