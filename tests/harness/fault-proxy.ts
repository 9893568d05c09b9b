import { Agent, createServer, request, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect } from 'node:tls';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

/** What a fault rule sees of a request. */
export interface ProxiedRequest {
  method: string;
  path: string;
  isWatch: boolean;
}

/** Answer matching requests with `status` instead of forwarding them. */
export interface FaultRule {
  status: number;
  /** Share of matching requests that fail, 0..1 (drawn from the proxy's seeded generator). Default 1. */
  fraction?: number;
  /** Stop after this many injected failures. Default: no limit. */
  count?: number;
  /** Sent as `Retry-After` and in the Status details (429 defaults to 1). */
  retryAfterSeconds?: number;
  /** Which requests the rule applies to. Default: all but watches. */
  match?: (request: ProxiedRequest) => boolean;
}

export interface FaultProxyStats {
  requests: number;
  injectedFailures: number;
  droppedWatches: number;
}

export interface FaultProxyOptions {
  upstreamUrl: string;
  caPem: string;
  certPem: string;
  keyPem: string;
  /** Seed of the generator that picks which requests fail. Default 1. */
  seed?: number;
}

interface ActiveRule extends FaultRule {
  injected: number;
}

interface OpenWatch {
  clientResponse: ServerResponse;
  upstreamRequest: ReturnType<typeof request>;
}

const reasons: Record<number, string> = {
  409: 'Conflict',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

// mulberry32: a tiny seeded generator so that a fault pattern repeats from run to run.
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function isWatchRequest(path: string): boolean {
  const url = new URL(path, 'https://x');
  const watch = url.searchParams.get('watch');
  return watch === 'true' || watch === '1' || url.pathname.includes('/watch/');
}

/** The Status body the API server would send, naming the object the path points at. */
function failureStatus(status: number, path: string, retryAfterSeconds?: number): object {
  const segments = new URL(path, 'https://x').pathname.split('/').filter(Boolean);
  const [resource, name] = segments.length % 2 === 0 ? [segments.at(-2), segments.at(-1)] : [segments.at(-1), ''];
  const message =
    status === 409
      ? `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`
      : status === 429
        ? 'Too many requests, please try again later.'
        : `injected fault ${status} on ${path}`;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: reasons[status] ?? 'InternalError',
    code: status,
    details: { name, kind: resource, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) },
  };
}

/**
 * An HTTPS proxy between clients and kube-apiserver that injects the failures real clusters
 * have: dropped watches, 5xx/429/409 answers, latency. Without faults it forwards everything.
 */
export class FaultProxy {
  readonly url: string;
  readonly stats: FaultProxyStats = { requests: 0, injectedFailures: 0, droppedWatches: 0 };
  readonly #server: Server;
  readonly #agent: Agent;
  readonly #upstream: URL;
  readonly #caPem: string;
  readonly #random: () => number;
  readonly #watches = new Set<OpenWatch>();
  readonly #sockets = new Set<Duplex>();
  #rules: ActiveRule[] = [];
  #latencyMs = 0;

  private constructor(server: Server, port: number, options: FaultProxyOptions) {
    this.#server = server;
    this.url = `https://127.0.0.1:${port}`;
    this.#upstream = new URL(options.upstreamUrl);
    this.#caPem = options.caPem;
    this.#agent = new Agent({ keepAlive: true, ca: options.caPem });
    this.#random = seededRandom(options.seed ?? 1);
  }

  static async start(options: FaultProxyOptions, port = 0): Promise<FaultProxy> {
    const server = createServer({ cert: options.certPem, key: options.keyPem });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    const proxy = new FaultProxy(server, typeof address === 'object' && address ? address.port : port, options);
    server.on('request', (req, res) => void proxy.#handle(req, res));
    server.on('upgrade', (req, socket, head) => proxy.#upgrade(req, socket, head));
    server.on('connection', (socket) => {
      proxy.#sockets.add(socket);
      socket.once('close', () => proxy.#sockets.delete(socket));
    });
    return proxy;
  }

  /** Adds a rule; rules are tried in order, the first that fires answers the request. */
  failRequests(rule: FaultRule): void {
    this.#rules.push({ ...rule, injected: 0 });
  }

  /** Delays every request by `ms` before forwarding it. */
  setLatency(ms: number): void {
    this.#latencyMs = ms;
  }

  /** Removes all rules and latency. */
  clearFaults(): void {
    this.#rules = [];
    this.#latencyMs = 0;
  }

  openWatches(): number {
    return this.#watches.size;
  }

  /**
   * Drops every open watch: `reset` destroys the connection (as a broken network or a killed
   * server does; the client sees an error), `end` closes it cleanly (as the server's watch
   * timeout does; the client re-watches). Returns how many were dropped.
   */
  dropWatches(mode: 'reset' | 'end' = 'reset'): number {
    const dropped = this.#watches.size;
    for (const watch of this.#watches) {
      watch.upstreamRequest.destroy();
      if (mode === 'reset') watch.clientResponse.socket?.destroy();
      else watch.clientResponse.end();
    }
    this.#watches.clear();
    this.stats.droppedWatches += dropped;
    return dropped;
  }

  async close(): Promise<void> {
    this.dropWatches('reset');
    for (const socket of this.#sockets) socket.destroy();
    this.#agent.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #pickFault(request: ProxiedRequest): ActiveRule | undefined {
    for (const rule of this.#rules) {
      const matches = rule.match ? rule.match(request) : !request.isWatch;
      if (!matches || (rule.count !== undefined && rule.injected >= rule.count)) continue;
      if (this.#random() < (rule.fraction ?? 1)) return rule;
    }
    return undefined;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.stats.requests += 1;
    const path = req.url ?? '/';
    const proxied: ProxiedRequest = { method: req.method ?? 'GET', path, isWatch: isWatchRequest(path) };
    if (this.#latencyMs > 0) await sleep(this.#latencyMs);
    const rule = this.#pickFault(proxied);
    if (rule) {
      this.#answerWithFault(rule, path, req, res);
      return;
    }
    this.#forward(req, res, proxied);
  }

  #answerWithFault(rule: ActiveRule, path: string, req: IncomingMessage, res: ServerResponse): void {
    rule.injected += 1;
    this.stats.injectedFailures += 1;
    const retryAfterSeconds = rule.retryAfterSeconds ?? (rule.status === 429 ? 1 : undefined);
    const body = JSON.stringify(failureStatus(rule.status, path, retryAfterSeconds));
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
    req.resume();
    res.writeHead(rule.status, headers).end(body);
  }

  #forward(req: IncomingMessage, res: ServerResponse, proxied: ProxiedRequest): void {
    const upstreamRequest = request(
      {
        host: this.#upstream.hostname,
        port: this.#upstream.port,
        method: req.method,
        path: proxied.path,
        headers: { ...req.headers, host: this.#upstream.host },
        agent: this.#agent,
      },
      (upstreamResponse) => {
        res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
        // A watch answers with headers and then nothing until an event: pass the headers on now.
        res.flushHeaders();
        upstreamResponse.pipe(res);
        upstreamResponse.once('error', () => res.socket?.destroy());
      },
    );
    // An unreachable API server looks to the client like a broken connection, as without us.
    upstreamRequest.once('error', () => res.socket?.destroy());
    if (proxied.isWatch) this.#trackWatch(res, upstreamRequest);
    req.pipe(upstreamRequest);
  }

  #trackWatch(clientResponse: ServerResponse, upstreamRequest: ReturnType<typeof request>): void {
    const watch: OpenWatch = { clientResponse, upstreamRequest };
    this.#watches.add(watch);
    clientResponse.once('close', () => {
      this.#watches.delete(watch);
      upstreamRequest.destroy();
    });
  }

  // exec/attach/port-forward upgrade the connection: splice the raw sockets together.
  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const upstream = connect(
      { host: this.#upstream.hostname, port: Number(this.#upstream.port), ca: this.#caPem, servername: 'localhost' },
      () => {
        const lines = [`${req.method} ${req.url} HTTP/1.1`];
        for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
        upstream.write(lines.join('\r\n') + '\r\n\r\n');
        if (head.length > 0) upstream.write(head);
        upstream.pipe(socket).pipe(upstream);
      },
    );
    upstream.once('error', () => socket.destroy());
    socket.once('error', () => upstream.destroy());
  }
}
