/**
 * One connection pool for all of the operator's API calls. client-node 2 builds a new undici
 * Agent for every request (a fresh TLS handshake and a pool of keep-alive sockets each time),
 * which under load costs CPU and hundreds of MiB. The cluster, CA and client certificate do not
 * change while the process runs (tokens travel in headers, set per request), so the dispatcher
 * is built once per kubeconfig and reused.
 */
import type { KubeConfig } from '@kubernetes/client-node';

type DispatcherFactory = (cluster: unknown, agentOptions: unknown) => unknown;
const shared = new WeakSet<KubeConfig>();

export function shareConnections(kubeConfig: KubeConfig): KubeConfig {
  if (shared.has(kubeConfig)) return kubeConfig;
  const target = kubeConfig as unknown as { createDispatcher?: DispatcherFactory };
  const create = target.createDispatcher?.bind(kubeConfig);
  if (!create) return kubeConfig;
  let dispatcher: unknown;
  let built = false;
  target.createDispatcher = (cluster, agentOptions) => {
    if (!built) {
      dispatcher = create(cluster, agentOptions);
      built = true;
    }
    return dispatcher;
  };
  shared.add(kubeConfig);
  return kubeConfig;
}
