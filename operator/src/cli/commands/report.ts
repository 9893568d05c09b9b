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
import type { StudySnapshot } from '../study-source.ts';
import { studyReader, withStudySource, type StudySourceOptions } from '../study-target.ts';

export interface ReportOptions extends StudySourceOptions {
  output?: string;
}

export function reportCommandSpec(): Command {
  return withStudySource(
    new Command('report').description('write a self-contained HTML report of a study (works offline)'),
  ).option('-o, --output <file>', 'where to write it (default: <study>-report.html)');
}

export async function reportCommand(
  target: string | undefined,
  options: ReportOptions,
  deps: CliDeps,
): Promise<number> {
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
