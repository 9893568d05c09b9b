import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Paths of the PEM files one control plane uses; all signed by one throw-away CA. */
export interface Pki {
  caCert: string;
  caKey: string;
  apiServerCert: string;
  apiServerKey: string;
  /** The API server's client certificate towards kubelets (`--kubelet-client-*`). */
  kubeletClientCert: string;
  kubeletClientKey: string;
  /** The simulated kubelet's serving certificate for 127.0.0.1. */
  kubeletCert: string;
  kubeletKey: string;
  serviceAccountKey: string;
  serviceAccountPublicKey: string;
}

interface Leaf {
  name: string;
  subject: string;
  extensions: string[];
}

const apiServerNames = [
  'IP:127.0.0.1',
  'IP:10.0.0.1',
  'DNS:localhost',
  'DNS:kubernetes',
  'DNS:kubernetes.default',
  'DNS:kubernetes.default.svc',
  'DNS:kubernetes.default.svc.cluster.local',
];

const leaves: Leaf[] = [
  { name: 'apiserver', subject: '/CN=kube-apiserver', extensions: serving(apiServerNames) },
  { name: 'kubelet-client', subject: '/O=system:masters/CN=kube-apiserver-kubelet-client', extensions: client() },
  { name: 'kubelet', subject: '/CN=lorahpo-sim-node', extensions: serving(['IP:127.0.0.1', 'DNS:localhost']) },
];

function serving(altNames: string[]): string[] {
  return [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=${altNames.join(',')}`,
  ];
}

function client(): string[] {
  return [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=clientAuth',
  ];
}

async function ecKey(path: string): Promise<void> {
  await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path]);
}

async function createCa(dir: string): Promise<void> {
  await ecKey(join(dir, 'ca.key'));
  await run('openssl', [
    'req',
    '-x509',
    '-new',
    '-key',
    join(dir, 'ca.key'),
    '-subj',
    '/CN=lorahpo-test-ca',
    '-days',
    '30',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    join(dir, 'ca.crt'),
  ]);
}

async function createLeaf(dir: string, leaf: Leaf): Promise<void> {
  const key = join(dir, `${leaf.name}.key`);
  const csr = join(dir, `${leaf.name}.csr`);
  const extFile = join(dir, `${leaf.name}.ext`);
  await ecKey(key);
  await writeFile(extFile, leaf.extensions.join('\n') + '\n');
  await run('openssl', ['req', '-new', '-key', key, '-subj', leaf.subject, '-out', csr]);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    join(dir, 'ca.crt'),
    '-CAkey',
    join(dir, 'ca.key'),
    '-set_serial',
    `0x${Date.now().toString(16)}${leaf.name.length}`,
    '-days',
    '30',
    '-extfile',
    extFile,
    '-out',
    join(dir, `${leaf.name}.crt`),
  ]);
}

/** Generates the CA, the leaf certificates and the service-account key pair into `dir`. */
export async function createPki(dir: string): Promise<Pki> {
  await createCa(dir);
  await Promise.all([
    ...leaves.map((leaf) => createLeaf(dir, leaf)),
    ecKey(join(dir, 'sa.key')).then(() =>
      run('openssl', ['pkey', '-in', join(dir, 'sa.key'), '-pubout', '-out', join(dir, 'sa.pub')]),
    ),
  ]);
  return {
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    apiServerCert: join(dir, 'apiserver.crt'),
    apiServerKey: join(dir, 'apiserver.key'),
    kubeletClientCert: join(dir, 'kubelet-client.crt'),
    kubeletClientKey: join(dir, 'kubelet-client.key'),
    kubeletCert: join(dir, 'kubelet.crt'),
    kubeletKey: join(dir, 'kubelet.key'),
    serviceAccountKey: join(dir, 'sa.key'),
    serviceAccountPublicKey: join(dir, 'sa.pub'),
  };
}
