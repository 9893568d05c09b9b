/**
 * Runs the real Helm binaries (install-helm.ts) against helm/lorahpo: `helm lint` and
 * `helm template` with values given as objects, the output parsed into Kubernetes objects.
 * Helm's config, cache and data go to a private temporary folder, never the user's ~/.config.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import { ensureHelm, type HelmBinary } from './install-helm.ts';

export const CHART_DIR = fileURLToPath(new URL('../../helm/lorahpo', import.meta.url));
export const RELEASE = 'lorahpo';
export const NAMESPACE = 'lorahpo-system';

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
};

export interface HelmResult {
  status: number;
  stdout: string;
  stderr: string;
}

const home = mkdtempSync(join(tmpdir(), 'lorahpo-helm-'));
process.once('exit', () => rmSync(home, { recursive: true, force: true }));
const env = {
  ...process.env,
  HELM_CONFIG_HOME: join(home, 'config'),
  HELM_CACHE_HOME: join(home, 'cache'),
  HELM_DATA_HOME: join(home, 'data'),
};

/** Both binaries, each with its `helm version` (the tests print it). */
export function helmBinaries(): (HelmBinary & { versionText: string })[] {
  return ensureHelm().map((binary) => ({ ...binary, versionText: run(binary, ['version']).stdout.trim() }));
}

export function run(binary: HelmBinary, args: string[]): HelmResult {
  const result = spawnSync(binary.path, args, { env, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

let valuesFileCount = 0;

/** A values file in the private folder, for -f. */
export function valuesFile(values: object): string {
  const file = join(home, `values-${valuesFileCount++}.yaml`);
  writeFileSync(file, yaml.dump(values));
  return file;
}

/** `helm template` of the chart with these values; throws with Helm's message when it fails. */
export function template(binary: HelmBinary, values: object = {}, extraArgs: string[] = []): KubeObject[] {
  const result = run(binary, ['template', RELEASE, CHART_DIR, '-n', NAMESPACE, '-f', valuesFile(values), ...extraArgs]);
  if (result.status !== 0)
    throw new Error(`helm ${binary.major} template failed (${result.status}):\n${result.stderr}`);
  return (yaml.loadAll(result.stdout) as (KubeObject | null)[]).filter((doc): doc is KubeObject => doc !== null);
}

/** `helm lint --strict` of the chart with these values. */
export function lint(binary: HelmBinary, values: object = {}): HelmResult {
  return run(binary, ['lint', '--strict', CHART_DIR, '-n', NAMESPACE, '-f', valuesFile(values)]);
}

/** The one object of this kind (and name, when given); fails when there is not exactly one. */
export function only(objects: KubeObject[], kind: string, name?: string): KubeObject {
  const found = objects.filter(
    (object) => object.kind === kind && (name === undefined || object.metadata.name === name),
  );
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0];
}

export function kinds(objects: KubeObject[]): string[] {
  return objects.map((object) => `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`).sort();
}
