import { mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { startProcess, type ManagedProcess } from './managed-process.ts';
import { waitFor } from './wait-for.ts';

export interface Etcd {
  process: ManagedProcess;
  clientUrl: string;
}

function etcdHealthy(clientUrl: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${clientUrl}/health`, { timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => resolve(res.statusCode === 200 && body.includes('true')));
    });
    req.once('error', () => resolve(false));
    req.end();
  });
}

/** One etcd member on loopback ports, its data in `dataDir` (tmpfs when the caller can). */
export async function startEtcd(binary: string, dataDir: string, logDir: string): Promise<Etcd> {
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  mkdirSync(dataDir, { recursive: true });
  const process = startProcess({
    name: 'etcd',
    command: binary,
    logPath: join(logDir, 'etcd.log'),
    args: [
      '--name=lorahpo',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=lorahpo=${peerUrl}`,
      '--initial-cluster-state=new',
      '--logger=zap',
      '--log-outputs=stderr',
      '--log-level=warn',
    ],
  });
  await waitFor('etcd health', () => etcdHealthy(clientUrl), process, 30_000);
  return { process, clientUrl };
}
