/** examples/gitops: the Argo CD Application and the Flux HelmRelease parse and point at the chart. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadAll } from 'js-yaml';

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
  spec: Record<string, any>;
};
const load = (file: string) =>
  loadAll(readFileSync(new URL(`../../examples/gitops/${file}`, import.meta.url), 'utf8')) as Obj[];

test('gitops examples › the Argo CD Applications sync the chart and the studies with server-side apply', () => {
  const [operator, studies, ...rest] = load('argocd-application.yaml');
  assert.equal(rest.length, 0);
  for (const app of [operator, studies]) {
    assert.deepEqual(
      [app?.apiVersion, app?.kind, app?.metadata.namespace],
      ['argoproj.io/v1alpha1', 'Application', 'argocd'],
    );
    assert.ok(app?.spec.syncPolicy.syncOptions.includes('ServerSideApply=true'), app?.metadata.name);
  }
  assert.equal(operator?.spec.source.path, 'helm/lorahpo');
  assert.equal(operator?.spec.destination.namespace, 'lorahpo-system');
});

test('gitops examples › the Flux HelmRelease takes the chart from the GitRepository it names', () => {
  const objects = load('flux-helmrelease.yaml');
  const release = objects.find((o) => o.kind === 'HelmRelease');
  assert.equal(release?.apiVersion, 'helm.toolkit.fluxcd.io/v2');
  assert.equal(release?.spec.chart.spec.chart, './helm/lorahpo');
  const source = objects.find(
    (o) =>
      o.kind === release?.spec.chart.spec.sourceRef.kind && o.metadata.name === release?.spec.chart.spec.sourceRef.name,
  );
  assert.equal(source?.apiVersion, 'source.toolkit.fluxcd.io/v1');
  assert.equal(
    source?.metadata.namespace,
    release?.metadata.namespace,
    'a sourceRef without namespace is looked up in the release namespace',
  );
  assert.deepEqual([release?.spec.install.crds, release?.spec.upgrade.crds], ['Create', 'CreateReplace']);
  const studies = objects.find((o) => o.kind === 'Kustomization');
  assert.ok(
    objects.some((o) => o.kind === studies?.spec.sourceRef.kind && o.metadata.name === studies?.spec.sourceRef.name),
  );
});
