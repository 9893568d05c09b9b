import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, type ManagedProcess } from './managed-process.ts';
import type { Pki } from './pki.ts';
import { httpsStatus, waitFor } from './wait-for.ts';

export interface ApiServerConfig {
  binary: string;
  port: number;
  etcdUrl: string;
  pki: Pki;
  tokenFile: string;
  adminToken: string;
  workDir: string;
  /** Keep the ServiceAccount admission plugin (real clusters have it). Default true. */
  serviceAccountAdmission: boolean;
  extraArgs: readonly string[];
}

function apiServerArgs(config: ApiServerConfig): string[] {
  const { pki } = config;
  return [
    '--bind-address=127.0.0.1',
    `--secure-port=${config.port}`,
    '--insecure-port=0',
    '--advertise-address=127.0.0.1',
    '--endpoint-reconciler-type=none',
    `--etcd-servers=${config.etcdUrl}`,
    `--cert-dir=${join(config.workDir, 'apiserver-certs')}`,
    `--tls-cert-file=${pki.apiServerCert}`,
    `--tls-private-key-file=${pki.apiServerKey}`,
    `--client-ca-file=${pki.caCert}`,
    `--token-auth-file=${config.tokenFile}`,
    '--authorization-mode=RBAC',
    '--allow-privileged=true',
    '--service-cluster-ip-range=10.0.0.0/24',
    `--service-account-key-file=${pki.serviceAccountPublicKey}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    '--service-account-issuer=https://kubernetes.default.svc',
    '--api-audiences=https://kubernetes.default.svc',
    // The simulated kubelet serves /containerLogs with a certificate from the same CA.
    `--kubelet-certificate-authority=${pki.caCert}`,
    `--kubelet-client-certificate=${pki.kubeletClientCert}`,
    `--kubelet-client-key=${pki.kubeletClientKey}`,
    '--kubelet-preferred-address-types=InternalIP',
    ...(config.serviceAccountAdmission ? [] : ['--disable-admission-plugins=ServiceAccount']),
    '--profiling=false',
    '--v=1',
    ...config.extraArgs,
  ];
}

/** Starts kube-apiserver and waits until /readyz answers 200. */
export async function startApiServer(config: ApiServerConfig): Promise<ManagedProcess> {
  const process = startProcess({
    name: 'kube-apiserver',
    command: config.binary,
    args: apiServerArgs(config),
    logPath: join(config.workDir, 'logs', 'kube-apiserver.log'),
  });
  const ca = readFileSync(config.pki.caCert, 'utf8');
  const url = `https://127.0.0.1:${config.port}/readyz`;
  await waitFor(
    'kube-apiserver /readyz',
    async () => (await httpsStatus(url, ca, config.adminToken)) === 200,
    process,
    90_000,
  );
  return process;
}
