/** `/metrics` (Prometheus text), `/healthz` (the process serves) and `/readyz` (caches synced). */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OperatorMetrics } from './metrics.ts';

export interface HealthServerOptions {
  metrics: OperatorMetrics;
  isReady: () => boolean;
  /** Port; default 8080 (defaults: `defaultHealthServerOptions()`); 0 picks a free one (tests). */
  port?: number;
  /** Address to listen on; default all interfaces (a pod's probes and scrapes come from outside it). */
  host?: string;
}

/** The defaults of HealthServerOptions; the operator's `--metrics-port` flag reads them too. */
export function defaultHealthServerOptions() {
  return { port: 8080, host: '0.0.0.0' };
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/healthz') return void response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    if (path === '/readyz') {
      const ready = options.isReady();
      return void response
        .writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' })
        .end(ready ? 'ok\n' : 'caches not synced\n');
    }
    if (path === '/metrics') {
      options.metrics.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': options.metrics.registry.contentType }).end(text),
        (error: unknown) => response.writeHead(500).end(String(error)),
      );
      return;
    }
    response.writeHead(404).end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const defaults = defaultHealthServerOptions();
    server.listen(options.port ?? defaults.port, options.host ?? defaults.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
