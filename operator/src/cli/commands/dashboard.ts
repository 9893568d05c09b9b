/**
 * `lorahpo dashboard [state-dir | study]`: the report's pages served live, refreshing as trials
 * report, for local state or (with --kubeconfig / -n) a cluster study, which it only reads
 * (get and list on LoraStudies and LoraTrials). Runs until Ctrl-C.
 */
import { Command } from 'commander';
import { LorahpoError } from '../../errors.ts';
import { chartLibrarySource } from '../chart-library.ts';
import { dashboardDefaults, startDashboard } from '../dashboard-server.ts';
import type { CliDeps } from '../deps.ts';
import type { StudyReader } from '../study-source.ts';
import { studyReader, withStudySource, type StudySourceOptions } from '../study-target.ts';

export interface DashboardCommandOptions extends StudySourceOptions {
  port?: string;
  host?: string;
  refreshMs?: string;
}

export function dashboardCommandSpec(): Command {
  const defaults = dashboardDefaults();
  return withStudySource(
    new Command('dashboard').description("serve a study's report live (read-only), refreshing as trials report"),
  )
    .option('--port <port>', `port to listen on (0: any free one; default ${defaults.port})`)
    .option('--host <address>', `address to listen on (default ${defaults.host}; 0.0.0.0 in a pod)`)
    .option('--refresh-ms <ms>', `how often open pages refresh (default ${defaults.refreshMs})`);
}

export async function dashboardCommand(
  target: string | undefined,
  options: DashboardCommandOptions,
  deps: CliDeps,
): Promise<number> {
  let read: StudyReader;
  try {
    read = await studyReader(target, options, deps, 'dashboard');
    await read();
  } catch (error) {
    if (!(error instanceof LorahpoError)) throw error;
    deps.stderr.write(`lorahpo dashboard: ${error.message}\n`);
    return 2;
  }
  const dashboard = await startDashboard({
    read,
    chartLibrary: chartLibrarySource(),
    now: deps.now,
    port: options.port === undefined ? undefined : Number(options.port),
    host: options.host,
    refreshMs: options.refreshMs === undefined ? undefined : Number(options.refreshMs),
  });
  deps.stdout.write(`dashboard at ${dashboard.url} (Ctrl-C stops it)\n`);
  await new Promise<void>((done) => {
    if (deps.signal.aborted) done();
    else deps.signal.addEventListener('abort', () => done(), { once: true });
  });
  await dashboard.close();
  return 0;
}
