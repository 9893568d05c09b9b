import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LogEntry, LogStore } from './log-store.ts';

/** Finds a container's log, or says why there is none (as the kubelet words it). */
export type LogLookup = (
  namespace: string,
  pod: string,
  container: string,
  previous: boolean,
) => LogStore | { status: number; message: string };

interface LogQuery {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  sinceMs?: number;
  tailLines?: number;
  limitBytes?: number;
}

function parseQuery(url: URL): LogQuery {
  const flag = (name: string) => url.searchParams.get(name) === 'true' || url.searchParams.get(name) === '1';
  const number = (name: string) => (url.searchParams.has(name) ? Number(url.searchParams.get(name)) : undefined);
  const sinceSeconds = number('sinceSeconds');
  const sinceTime = url.searchParams.get('sinceTime');
  const sinceMs = sinceTime
    ? Date.parse(sinceTime)
    : sinceSeconds !== undefined
      ? Date.now() - sinceSeconds * 1000
      : undefined;
  return {
    follow: flag('follow'),
    previous: flag('previous'),
    timestamps: flag('timestamps'),
    sinceMs,
    tailLines: number('tailLines'),
    limitBytes: number('limitBytes'),
  };
}

function selectEntries(entries: readonly LogEntry[], query: LogQuery): LogEntry[] {
  const since = query.sinceMs;
  const recent = since === undefined ? entries : entries.filter((entry) => entry.timeMs >= since);
  return query.tailLines === undefined ? [...recent] : recent.slice(Math.max(0, recent.length - query.tailLines));
}

/** Streams entries as the kubelet does, honouring limitBytes; resolves false once the limit is hit. */
function writer(res: ServerResponse, query: LogQuery): (entry: LogEntry) => boolean {
  let budget = query.limitBytes ?? Infinity;
  return (entry) => {
    const text = query.timestamps ? `${entry.timestamp} ${entry.text}` : entry.text;
    const bytes = Buffer.from(text);
    const part = bytes.length > budget ? bytes.subarray(0, budget) : bytes;
    res.write(part);
    budget -= part.length;
    return budget > 0;
  };
}

function serveLog(store: LogStore, query: LogQuery, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.flushHeaders();
  const write = writer(res, query);
  for (const entry of selectEntries(store.entries, query)) {
    if (!write(entry)) return void res.end();
  }
  if (!query.follow || store.isClosed) return void res.end();
  const unsubscribe = store.follow((entry) => {
    if (entry === null || !write(entry)) {
      unsubscribe();
      res.end();
    }
  });
  req.once('close', unsubscribe);
}

function handle(lookup: LogLookup, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'https://kubelet');
  if (url.pathname === '/healthz') return void res.end('ok');
  const match = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  if (req.method !== 'GET' || !match) {
    res
      .writeHead(404, { 'content-type': 'text/plain' })
      .end(`the simulated kubelet serves only /containerLogs, not ${url.pathname}`);
    return;
  }
  const query = parseQuery(url);
  const [namespace, pod, container] = match.slice(1).map(decodeURIComponent);
  const found = lookup(namespace, pod, container, query.previous);
  if ('status' in found) {
    res.writeHead(found.status, { 'content-type': 'text/plain' }).end(found.message);
    return;
  }
  serveLog(found, query, req, res);
}

/** The kubelet's HTTPS API, as far as the API server uses it for `pods/log`. */
export async function startKubeletServer(
  tls: { certPem: string; keyPem: string },
  lookup: LogLookup,
): Promise<{ server: Server; port: number }> {
  const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => handle(lookup, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}
