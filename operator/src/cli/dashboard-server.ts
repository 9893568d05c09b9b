/**
 * The dashboard's HTTP server: the report page, live. `/` is the page (its view inlined, so the
 * first paint needs no second request), `/api/view` the current StudyView as JSON, which the
 * page polls; every request re-reads the study (at most once per `minReadIntervalMs`, so many
 * open pages cost the cluster one list). Read-only: it never writes the study.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderReport } from '../report/render-report.ts';
import { buildStudyView, type StudyView } from '../report/study-view.ts';
import type { StudyReader } from './study-source.ts';

export interface DashboardOptions {
  read: StudyReader;
  chartLibrary: string;
  now: () => Date;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1; 0.0.0.0 in a pod. */
  host?: string;
  /** How often the page asks for a fresh view (default 2000 ms). */
  refreshMs?: number;
  /** Reads closer together than this reuse the last view (default 1000 ms). */
  minReadIntervalMs?: number;
}

export interface Dashboard {
  url: string;
  close(): Promise<void>;
}

export function dashboardDefaults() {
  return { port: 8080, host: '127.0.0.1', refreshMs: 2000, minReadIntervalMs: 1000 };
}

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const settings = { ...dashboardDefaults(), ...withoutUndefined(options) };
  let last: { at: number; view: Promise<StudyView> } | undefined;
  const currentView = (): Promise<StudyView> => {
    const at = options.now().getTime();
    if (last === undefined || at - last.at >= settings.minReadIntervalMs) {
      const view = options
        .read()
        .then(({ study, trials, source }) =>
          buildStudyView(study, trials, { source, nowIso: options.now().toISOString() }),
        );
      last = { at, view };
      view.catch(() => (last = undefined));
    }
    return last.view;
  };
  const server = createServer((request, response) => {
    handle(request, response, currentView, options.chartLibrary, settings.refreshMs).catch((error: Error) => {
      send(response, 503, 'text/plain; charset=utf-8', `cannot read the study: ${error.message}\n`);
    });
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(settings.port, settings.host, () => done());
  });
  const { port } = server.address() as AddressInfo;
  const host = settings.host === '0.0.0.0' ? '127.0.0.1' : settings.host;
  return {
    url: `http://${host}:${port}/`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  view: () => Promise<StudyView>,
  chartLibrary: string,
  refreshMs: number,
) {
  const path = new URL(request.url ?? '/', 'http://dashboard').pathname;
  if (request.method !== 'GET' && request.method !== 'HEAD')
    return send(response, 405, 'text/plain; charset=utf-8', 'read-only\n');
  if (path === '/healthz') return send(response, 200, 'text/plain; charset=utf-8', 'ok\n');
  if (path === '/api/view') return send(response, 200, 'application/json', JSON.stringify(await view()));
  if (path === '/')
    return send(
      response,
      200,
      'text/html; charset=utf-8',
      renderReport(await view(), { chartLibrary, live: { url: 'api/view', intervalMs: refreshMs } }),
    );
  return send(response, 404, 'text/plain; charset=utf-8', 'not found\n');
}

function send(response: ServerResponse, code: number, type: string, body: string): void {
  if (response.headersSent) return void response.end();
  response.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(body);
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
