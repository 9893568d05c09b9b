/**
 * report, dashboard and status read a cluster study through a real API server: the LoraStudy and
 * its LoraTrials (found by the study label) as the operator writes them, status subresource
 * included, give the same view as the objects themselves.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { main } from '../../operator/src/cli/main.ts';
import type { CliDeps } from '../../operator/src/cli/deps.ts';
import { chartLibrarySource } from '../../operator/src/cli/chart-library.ts';
import { startDashboard } from '../../operator/src/cli/dashboard-server.ts';
import { clusterStudyReader } from '../../operator/src/cli/study-source.ts';
import { LABELS } from '../../operator/src/controller/labels.ts';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { crdsDir } from '../ground/paths.ts';
import { generatedStudy } from '../report/generated-study.ts';

const namespace = 'hpo';
const base = { group: 'lorahpo.io', version: 'v1alpha1', namespace };
let cp: ControlPlane;
const { study, trials } = generatedStudy(30);
const name = study.metadata.name as string;

/** Creates the object, then writes its status through the status subresource, as the operator does. */
async function createWithStatus(
  api: CustomObjectsApi,
  plural: string,
  object: { metadata: object; status?: unknown; [key: string]: unknown },
): Promise<void> {
  const { status, ...rest } = object;
  const created = await api.createNamespacedCustomObject({ ...base, plural, body: rest });
  await api.replaceNamespacedCustomObjectStatus({
    ...base,
    plural,
    name: created.metadata.name,
    body: { ...created, status },
  });
}

before(async () => {
  cp = await startControlPlane();
  await cp.createNamespace(namespace);
  const applied = await cp.kubectl(['apply', '-f', crdsDir]);
  assert.equal(applied.code, 0, applied.stderr);
  const established = await cp.kubectl([
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    'crd/lorastudies.lorahpo.io',
    'crd/loratrials.lorahpo.io',
  ]);
  assert.equal(established.code, 0, established.stderr);
  const api = cp.directKubeConfig.makeApiClient(CustomObjectsApi);
  await createWithStatus(api, 'lorastudies', { ...study, metadata: { name } });
  for (const trial of trials) {
    await createWithStatus(api, 'loratrials', {
      ...trial,
      metadata: { name: trial.metadata.name, labels: { [LABELS.study]: name } },
    });
  }
  // Another study's trial in the same namespace is not this study's.
  await createWithStatus(api, 'loratrials', {
    ...trials[0],
    metadata: { name: 'other-0', labels: { [LABELS.study]: 'other' } },
    spec: { ...trials[0].spec, study: 'other' },
  });
});

after(async () => {
  await cp?.stop();
});

function deps(cwd: string): CliDeps & { out: () => string } {
  let out = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (out += text) },
    cwd,
    env: process.env,
    signal: new AbortController().signal,
    now: () => new Date('2026-01-02T00:00:00Z'),
    out: () => out,
  };
}

test("cluster › the reader lists exactly the study's trials, in number order, with their status", async () => {
  const read = await clusterStudyReader({ kubeconfig: cp.directKubeconfigPath, namespace, name });
  const snapshot = await read();
  assert.equal(snapshot.source, `cluster ${namespace}/${name}`);
  assert.deepEqual(
    snapshot.trials.map((trial) => trial.spec.number),
    trials.map((trial) => trial.spec.number),
  );
  assert.deepEqual(
    snapshot.trials.map((trial) => trial.status),
    trials.map((trial) => trial.status),
  );
  assert.equal(snapshot.study.status?.phase, 'Running');
});

test('cluster › lorahpo report <study> -n <ns> --kubeconfig writes the report of the cluster study', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lorahpo-report-cluster-'));
  const cli = deps(dir);
  assert.equal(
    await main(['report', name, '-n', namespace, '--kubeconfig', cp.directKubeconfigPath, '-o', 'r.html'], cli),
    0,
    cli.out(),
  );
  const html = readFileSync(join(dir, 'r.html'), 'utf8');
  const view = JSON.parse(/<script id="study-view" type="application\/json">(.*?)<\/script>/s.exec(html)?.[1] ?? '{}');
  assert.equal(view.trials.length, 30);
  assert.equal(view.study.source, `cluster ${namespace}/${name}`);
  assert.equal(
    await main(['status', name, '-n', namespace, '--kubeconfig', cp.directKubeconfigPath], cli),
    0,
    cli.out(),
  );
  assert.match(cli.out(), new RegExp(`study ${name}: Running, .* trials finished\\n`));
  assert.match(cli.out(), new RegExp(`source: cluster ${namespace}/${name}`));
});

test("cluster › the dashboard serves the cluster study's view", async () => {
  const dashboard = await startDashboard({
    read: await clusterStudyReader({ kubeconfig: cp.directKubeconfigPath, namespace, name }),
    chartLibrary: chartLibrarySource(),
    now: () => new Date(),
    port: 0,
  });
  try {
    const view = (await (await fetch(new URL('api/view', dashboard.url))).json()) as {
      trials: unknown[];
      importance: { method: string };
    };
    assert.equal(view.trials.length, 30);
    assert.equal(view.importance.method, 'PED-ANOVA');
  } finally {
    await dashboard.close();
  }
});
