import { writeFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

/** A KubeConfig for one cluster, one bearer-token user and one context named `lorahpo-test`. */
export function tokenKubeConfig(server: string, caPem: string, user: string, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'lorahpo-test', server, caData: Buffer.from(caPem).toString('base64'), skipTLSVerify: false }],
    users: [{ name: user, token }],
    contexts: [{ name: 'lorahpo-test', cluster: 'lorahpo-test', user, namespace: 'default' }],
    currentContext: 'lorahpo-test',
  });
  return kc;
}

/** Writes the KubeConfig as a kubeconfig file (JSON, which kubectl reads as YAML). */
export function writeKubeConfig(path: string, kc: KubeConfig): void {
  writeFileSync(path, kc.exportConfig() + '\n', { mode: 0o600 });
}
