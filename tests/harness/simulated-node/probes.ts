import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { V1Container, V1Probe } from '@kubernetes/client-node';

export type ProbeKind = 'startup' | 'readiness' | 'liveness';

/** The prober's view of one container attempt, as the 1.20 kubelet's prober manager keeps it. */
export interface ProbeEvents {
  /** Readiness changed (no readiness probe: ready once started). */
  onReady(ready: boolean): void;
  /** The startup probe succeeded (or there is none). */
  onStarted(): void;
  /** Liveness or startup failed `failureThreshold` times in a row: the kubelet kills the container. */
  onUnhealthy(kind: 'liveness' | 'startup', message: string): void;
  report(message: string): void;
}

function portNumber(container: V1Container, port: number | string | undefined): number {
  if (typeof port === 'number') return port;
  if (port !== undefined && /^\d+$/.test(port)) return Number(port);
  const named = container.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`port ${String(port)} is not a container port name`);
  return named.containerPort;
}

// The kubelet's HTTP prober: success is a status in [200, 400); HTTPS skips verification.
function httpProbe(
  probe: NonNullable<V1Probe['httpGet']>,
  host: string,
  port: number,
  timeoutMs: number,
): Promise<string | undefined> {
  const https = probe.scheme === 'HTTPS';
  const headers = Object.fromEntries((probe.httpHeaders ?? []).map((h) => [h.name, h.value]));
  return new Promise((resolve) => {
    const req = (https ? httpsRequest : httpRequest)(
      {
        host: probe.host || host,
        port,
        path: probe.path ?? '/',
        method: 'GET',
        timeout: timeoutMs,
        headers: { 'User-Agent': 'kube-probe/1.20', Accept: '*/*', ...headers },
        ...(https ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolve(status >= 200 && status < 400 ? undefined : `HTTP probe failed with statuscode: ${status}`);
      },
    );
    req.once('timeout', () =>
      req.destroy(new Error('context deadline exceeded (Client.Timeout exceeded while awaiting headers)')),
    );
    req.once('error', (error) => resolve(`Get "http://${host}:${port}${probe.path ?? '/'}": ${error.message}`));
    req.end();
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(`dial tcp ${host}:${port}: i/o timeout`);
    });
    socket.once('error', (error) => resolve(`dial tcp ${host}:${port}: ${error.message}`));
  });
}

/** One probe attempt: undefined on success, else the failure message. */
async function probeOnce(probe: V1Probe, container: V1Container, host: string): Promise<string | undefined> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  try {
    if (probe.httpGet)
      return await httpProbe(
        probe.httpGet,
        host,
        portNumber(container, probe.httpGet.port as number | string),
        timeoutMs,
      );
    if (probe.tcpSocket)
      return await tcpProbe(
        probe.tcpSocket.host || host,
        portNumber(container, probe.tcpSocket.port as number | string),
        timeoutMs,
      );
  } catch (error) {
    return (error as Error).message;
  }
  return 'exec probes are not supported by the simulated node';
}

/**
 * Runs one container attempt's startup, readiness and liveness probes as the 1.20 kubelet does:
 * each probe waits initialDelaySeconds, then runs every periodSeconds (default 10, timeout 1 s);
 * successThreshold successes in a row make it pass, failureThreshold (default 3) failures make
 * it fail. Until the startup probe passes the others do not run. Readiness starts false.
 */
export class ContainerProber {
  readonly #timers = new Map<ProbeKind, NodeJS.Timeout>();
  #stopped = false;
  #started = false;

  readonly container: V1Container;
  readonly host: string;
  readonly events: ProbeEvents;

  constructor(container: V1Container, host: string, events: ProbeEvents) {
    this.container = container;
    this.host = host;
    this.events = events;
  }

  start(): void {
    const { startupProbe } = this.container;
    if (startupProbe) this.#run('startup', startupProbe);
    else this.#startupPassed();
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
  }

  #startupPassed(): void {
    if (this.#started) return;
    this.#started = true;
    this.events.onStarted();
    const { readinessProbe, livenessProbe } = this.container;
    if (readinessProbe) this.#run('readiness', readinessProbe);
    else this.events.onReady(true);
    if (livenessProbe) this.#run('liveness', livenessProbe);
  }

  #run(kind: ProbeKind, probe: V1Probe): void {
    const periodMs = (probe.periodSeconds ?? 10) * 1000;
    const successThreshold = probe.successThreshold ?? 1;
    const failureThreshold = probe.failureThreshold ?? 3;
    let successes = 0;
    let failures = 0;
    let passing: boolean | undefined;
    const tick = async () => {
      if (this.#stopped) return;
      const failure = await probeOnce(probe, this.container, this.host);
      if (this.#stopped) return;
      if (failure === undefined) {
        failures = 0;
        successes += 1;
        if (passing !== true && successes >= successThreshold) {
          passing = true;
          if (kind === 'readiness') this.events.onReady(true);
          if (kind === 'startup') {
            this.#startupPassed();
            return; // the startup probe stops once it has passed
          }
        }
      } else {
        successes = 0;
        failures += 1;
        this.events.report(`${kind} probe of ${this.container.name} failed: ${failure}`);
        if (passing !== false && failures >= failureThreshold) {
          passing = false;
          if (kind === 'readiness') this.events.onReady(false);
          else {
            this.events.onUnhealthy(kind, `${kind === 'liveness' ? 'Liveness' : 'Startup'} probe failed: ${failure}`);
            return; // the container is being killed; the next attempt gets a new prober
          }
        }
      }
      this.#timers.set(
        kind,
        setTimeout(() => void tick(), periodMs),
      );
    };
    this.#timers.set(
      kind,
      setTimeout(() => void tick(), (probe.initialDelaySeconds ?? 0) * 1000),
    );
  }
}
