import { join } from 'node:path';
import { startProcess, type ManagedProcess } from './managed-process.ts';
import type { Pki } from './pki.ts';

export interface ControllerManagerConfig {
  binary: string;
  kubeconfigPath: string;
  pki: Pki;
  workDir: string;
  controllers: readonly string[];
  extraArgs: readonly string[];
}

/** The controllers the product relies on, plus the two that give namespaces their `default` service account. */
export const productControllers = [
  'garbagecollector',
  'job',
  'namespace',
  'serviceaccount',
  'serviceaccount-token',
] as const;

/**
 * What installing the operator with Helm needs as well: Deployments get ReplicaSets and pods
 * (`helm install --wait` waits for their ready replicas), Services get Endpoints of ready pods.
 */
export const workloadControllers = ['deployment', 'replicaset', 'endpoint'] as const;

/** Both sets: idle controllers cost nothing measurable at startup (tests/harness/README.md). */
export const defaultControllers = [...productControllers, ...workloadControllers] as const;

/** Starts kube-controller-manager; it serves nothing (no ports), so readiness is seen through the API. */
export function startControllerManager(config: ControllerManagerConfig): ManagedProcess {
  return startProcess({
    name: 'kube-controller-manager',
    command: config.binary,
    logPath: join(config.workDir, 'logs', 'kube-controller-manager.log'),
    args: [
      `--kubeconfig=${config.kubeconfigPath}`,
      `--controllers=${config.controllers.join(',')}`,
      '--leader-elect=false',
      '--port=0',
      '--secure-port=0',
      '--use-service-account-credentials=false',
      `--service-account-private-key-file=${config.pki.serviceAccountKey}`,
      `--root-ca-file=${config.pki.caCert}`,
      '--profiling=false',
      '--v=1',
      ...config.extraArgs,
    ],
  });
}
