/**
 * `lorahpo operator`: runs the LoraStudy controller against the cluster in the kubeconfig (or
 * in-cluster), serves /metrics /healthz /readyz, and with --leader-elect acts only while it
 * holds the Lease. SIGTERM stops it gracefully. Flags fall back to environment variables.
 */
import os from 'node:os';
import { Command, CommanderError } from 'commander';
import { KubeConfig } from '@kubernetes/client-node';
import type { CliDeps } from '../deps.ts';
import { createOperator, defaultOperatorOptions } from '../../controller/operator.ts';
import { defaultLeaderElectionOptions } from '../../controller/runtime/leader-election.ts';
import { createLogger } from '../../controller/logger.ts';
import { OperatorMetrics } from '../../controller/metrics.ts';
import { defaultHealthServerOptions, startHealthServer } from '../../controller/health-server.ts';

export interface OperatorFlags {
  kubeconfig?: string;
  namespace: string[];
  metricsPort: number;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaseName: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  maxConcurrentReconciles: number;
  logLevel: string;
  allowHostPath: boolean;
  allowServiceAccount: string[];
  allowSecret: string[];
  allowWildcardTolerations: boolean;
  finishedJobTtlSeconds: number;
}

export function operatorCommandSpec(env: NodeJS.ProcessEnv): Command {
  const list = (value: string, previous: string[]) => [
    ...previous,
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
  const lease = defaultLeaderElectionOptions();
  const envInteger = (name: string, fallback: number) => {
    const text = env[name];
    return text === undefined ? fallback : integer(text, name);
  };
  return new Command('operator')
    .description('run the Kubernetes controller for LoraStudies')
    .option(
      '--kubeconfig <path>',
      'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in-cluster)',
      env.KUBECONFIG,
    )
    .option(
      '-n, --namespace <ns>',
      'watch this namespace (repeat or comma-separate; default: all, or $LORAHPO_NAMESPACES)',
      list,
      list(env.LORAHPO_NAMESPACES ?? '', []),
    )
    .option(
      '--metrics-port <port>',
      'port of /metrics, /healthz, /readyz (0: none)',
      (v) => integer(v, '--metrics-port'),
      integer(env.LORAHPO_METRICS_PORT ?? String(defaultHealthServerOptions().port), 'LORAHPO_METRICS_PORT'),
    )
    .option(
      '--leader-elect',
      'act only while holding the Lease (run 2 replicas for HA)',
      ['1', 'true'].includes(env.LORAHPO_LEADER_ELECT ?? ''),
    )
    .option('--leader-election-namespace <ns>', 'namespace of the Lease', env.POD_NAMESPACE ?? 'default')
    .option('--lease-name <name>', 'name of the Lease', lease.name)
    .option('--identity <id>', 'this replica in the Lease', env.POD_NAME ?? `${os.hostname()}-${process.pid}`)
    .option(
      '--lease-duration-ms <ms>',
      'how long the Lease lasts without renewal',
      (v) => integer(v, '--lease-duration-ms'),
      envInteger('LORAHPO_LEASE_DURATION_MS', lease.leaseDurationMs),
    )
    .option(
      '--renew-deadline-ms <ms>',
      'the leader stops acting when it cannot renew for this long',
      (v) => integer(v, '--renew-deadline-ms'),
      envInteger('LORAHPO_LEASE_RENEW_DEADLINE_MS', lease.renewDeadlineMs),
    )
    .option(
      '--retry-period-ms <ms>',
      'time between Lease attempts',
      (v) => integer(v, '--retry-period-ms'),
      envInteger('LORAHPO_LEASE_RETRY_MS', lease.retryPeriodMs),
    )
    .option(
      '--max-concurrent-reconciles <n>',
      'studies reconciled at once',
      (v) => integer(v, '--max-concurrent-reconciles'),
      defaultOperatorOptions().maxConcurrentReconciles,
    )
    .option(
      '--finished-job-ttl-seconds <s>',
      "ttlSecondsAfterFinished set on a trial's Job once its result is read (0: keep Jobs)",
      (v) => integer(v, '--finished-job-ttl-seconds'),
      defaultOperatorOptions().finishedJobTtlSeconds,
    )
    .option('--allow-host-path', "let studies mount hostPath volumes in trial pods (the node's files)", false)
    .option(
      '--allow-service-account <name>',
      'a service account trial pods may run as, with a projected token (repeat or comma-separate)',
      list,
      [],
    )
    .option(
      '--allow-secret <name>',
      'a Secret trial pods may read: secretKeyRef env, secret volumes (repeat or comma-separate; * for all)',
      list,
      [],
    )
    .option('--allow-wildcard-tolerations', 'let studies tolerate every taint (operator Exists without key)', false)
    .option('--log-level <level>', 'pino level: debug, info, warn, error', env.LORAHPO_LOG_LEVEL ?? 'info')
    .exitOverride();
}

function integer(text: string, name: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number >= 0, got "${text}"`);
  return value;
}

export async function operatorCommand(args: string[], deps?: unknown): Promise<number> {
  const cli = (deps ?? {}) as Partial<CliDeps>;
  const env = cli.env ?? process.env;
  const stderr = cli.stderr ?? process.stderr;
  const spec = operatorCommandSpec(env).configureOutput({
    writeOut: (t) => (cli.stdout ?? process.stdout).write(t),
    writeErr: (t) => stderr.write(t),
  });
  let flags: OperatorFlags;
  try {
    spec.parse(args, { from: 'user' });
    flags = spec.opts<OperatorFlags>();
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    stderr.write(`lorahpo operator: ${(error as Error).message}\n`);
    return 2;
  }
  return runOperator(flags, cli.signal ?? shutdownSignal());
}

async function runOperator(flags: OperatorFlags, signal: AbortSignal): Promise<number> {
  const logger = createLogger({ level: flags.logLevel });
  const kubeConfig = new KubeConfig();
  try {
    if (flags.kubeconfig) kubeConfig.loadFromFile(flags.kubeconfig);
    else kubeConfig.loadFromDefault();
  } catch (error) {
    logger.fatal({ err: error }, 'cannot load the Kubernetes configuration');
    return 1;
  }
  const metrics = new OperatorMetrics({ collectProcessMetrics: true });
  const operator = createOperator({
    kubeConfig,
    logger,
    metrics,
    namespaces: flags.namespace,
    maxConcurrentReconciles: flags.maxConcurrentReconciles,
    finishedJobTtlSeconds: flags.finishedJobTtlSeconds,
    podPolicy: {
      allowHostPath: flags.allowHostPath,
      allowedServiceAccounts: flags.allowServiceAccount,
      allowedSecrets: flags.allowSecret,
      allowWildcardTolerations: flags.allowWildcardTolerations,
    },
    leaderElection: flags.leaderElect
      ? {
          namespace: flags.leaderElectionNamespace,
          name: flags.leaseName,
          identity: flags.identity,
          leaseDurationMs: flags.leaseDurationMs,
          renewDeadlineMs: flags.renewDeadlineMs,
          retryPeriodMs: flags.retryPeriodMs,
        }
      : undefined,
  });
  const health =
    flags.metricsPort > 0
      ? await startHealthServer({ metrics, isReady: () => operator.manager.isReady, port: flags.metricsPort })
      : undefined;
  logger.info(
    {
      server: kubeConfig.getCurrentCluster()?.server,
      namespaces: flags.namespace.length ? flags.namespace : 'all',
      metricsPort: health?.port,
      leaderElect: flags.leaderElect,
    },
    'operator starting',
  );
  await operator.start(signal);
  await health?.close();
  logger.info('operator stopped');
  return 0;
}

function shutdownSignal(): AbortSignal {
  const controller = new AbortController();
  process.once('SIGTERM', () => controller.abort());
  process.once('SIGINT', () => controller.abort());
  return controller.signal;
}
