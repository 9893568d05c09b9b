// The test ground serves lorahpo's CRDs as a real API server does: kubectl, printer columns,
// schema validation (422 with the field path) and optimistic concurrency (409).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { BatchV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { crdsDir, fixturesDir, repoRoot } from './paths.ts';

const namespace = 'ground-crd';
const group = 'lorahpo.io';
const version = 'v1alpha1';
let cp: ControlPlane;
let objects: CustomObjectsApi;

interface StudyObject {
  metadata: { name: string; resourceVersion?: string };
  spec: Record<string, unknown>;
}

function studyFixture(name: string): StudyObject & Record<string, unknown> {
  const study = load(readFileSync(join(fixturesDir, 'study.yaml'), 'utf8')) as StudyObject & Record<string, unknown>;
  return { ...study, metadata: { name } };
}

before(async () => {
  cp = await startControlPlane();
  objects = cp.kubeConfig.makeApiClient(CustomObjectsApi);
  await cp.createNamespace(namespace);
  const applied = await cp.kubectl(['apply', '-f', crdsDir]);
  assert.equal(applied.code, 0, `kubectl apply -f crds/ failed: ${applied.stderr}`);
  const established = await cp.kubectl([
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    'crd/lorastudies.lorahpo.io',
    'crd/loratrials.lorahpo.io',
  ]);
  assert.equal(established.code, 0, established.stderr);
});

after(async () => {
  await cp?.stop();
});

test('test ground › kubectl apply -f crds/ creates every CRD in the folder', async () => {
  const files = readdirSync(crdsDir).filter((file) => file.endsWith('.yaml'));
  assert.ok(files.length > 0, 'crds/ holds no YAML');
  for (const file of files) {
    const crd = load(readFileSync(join(crdsDir, file), 'utf8')) as { metadata: { name: string } };
    const got = await cp.kubectl([
      'get',
      'crd',
      crd.metadata.name,
      '-o',
      'jsonpath={.status.conditions[?(@.type=="Established")].status}',
    ]);
    assert.equal(got.stdout, 'True', `${file}: ${got.stderr}`);
  }
});

test('test ground › a LoraStudy is created with kubectl and `kubectl get ls` shows the printer columns', async () => {
  const created = await cp.kubectl(['apply', '-n', namespace, '-f', join(fixturesDir, 'study.yaml')]);
  assert.equal(created.code, 0, created.stderr);
  const status = {
    phase: 'Running',
    progress: '1/4',
    gpuHours: 0.25,
    bestTrial: { name: 'ground-study-0', number: 0, value: 0.875 },
  };
  await objects.patchNamespacedCustomObjectStatus(
    { group, version, namespace, plural: 'lorastudies', name: 'ground-study', body: { status } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  const crd = load(readFileSync(join(crdsDir, 'lorahpo.io_lorastudies.yaml'), 'utf8')) as {
    spec: { versions: { additionalPrinterColumns: { name: string }[] }[] };
  };
  const columns = crd.spec.versions[0].additionalPrinterColumns.map((column) => column.name.toUpperCase());
  const table = await cp.kubectl(['get', 'ls', '-n', namespace, '-o', 'wide']);
  assert.equal(table.code, 0, table.stderr);
  const [header, row] = table.stdout
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s{2,}/));
  assert.deepEqual(header, ['NAME', ...columns]);
  assert.deepEqual(row.slice(0, 5), ['ground-study', 'Running', '0.875', '1/4', '0.25']);
});

test('test ground › the examples in examples/ are accepted by the API server', async (t) => {
  const manifests = readdirSync(join(repoRoot, 'examples'), { recursive: true, encoding: 'utf8' }).filter(
    (file) =>
      file.endsWith('.yaml') && readFileSync(join(repoRoot, 'examples', file), 'utf8').includes('kind: LoraStudy'),
  );
  if (manifests.length === 0) return t.skip('examples/ holds no LoraStudy manifest yet');
  for (const file of manifests) {
    const result = await cp.kubectl([
      'apply',
      '--dry-run=server',
      '-n',
      namespace,
      '-f',
      join(repoRoot, 'examples', file),
    ]);
    assert.equal(result.code, 0, `examples/${file}: ${result.stderr}`);
  }
});

test('test ground › an invalid LoraStudy is refused with 422 naming the field path', async () => {
  const study = studyFixture('invalid-study');
  study.spec = { ...study.spec, objective: { metric: 'eval_loss', direction: 'sideways' } };
  await assert.rejects(
    objects.createNamespacedCustomObject({ group, version, namespace, plural: 'lorastudies', body: study }),
    (error: { code?: number; body?: string }) => {
      assert.equal(error.code, 422);
      const status = JSON.parse(String(error.body)) as {
        reason: string;
        message: string;
        details: { causes: { field: string }[] };
      };
      assert.equal(status.reason, 'Invalid');
      assert.deepEqual(
        status.details.causes.map((cause) => cause.field),
        ['spec.objective.direction'],
      );
      assert.match(status.message, /spec\.objective\.direction: Unsupported value: "sideways"/);
      return true;
    },
  );
  const viaKubectl = await cp.kubectl(['create', '-n', namespace, '-f', '-'], { input: JSON.stringify(study) });
  assert.notEqual(viaKubectl.code, 0);
  assert.match(viaKubectl.stderr, /spec\.objective\.direction/);
});

test('test ground › an update with a stale resourceVersion gets 409 Conflict', async () => {
  const created = (await objects.createNamespacedCustomObject({
    group,
    version,
    namespace,
    plural: 'lorastudies',
    body: studyFixture('conflict-study'),
  })) as StudyObject;
  const stale = structuredClone(created);
  const fresh = structuredClone(created);
  fresh.spec = { ...fresh.spec, budget: { maxTrials: 5, parallelTrials: 2 } };
  await objects.replaceNamespacedCustomObject({
    group,
    version,
    namespace,
    plural: 'lorastudies',
    name: 'conflict-study',
    body: fresh,
  });
  stale.spec = { ...stale.spec, budget: { maxTrials: 6, parallelTrials: 2 } };
  await assert.rejects(
    objects.replaceNamespacedCustomObject({
      group,
      version,
      namespace,
      plural: 'lorastudies',
      name: 'conflict-study',
      body: stale,
    }),
    (error: { code?: number; body?: string }) => {
      assert.equal(error.code, 409);
      assert.match(String(error.body), /the object has been modified/);
      return true;
    },
  );
});

test('test ground › the documented Kubernetes 1.20 limits hold: no Job suspend, no CEL rules, no strict field validation', async () => {
  const batch = cp.kubeConfig.makeApiClient(BatchV1Api);
  const job = await batch.createNamespacedJob({
    namespace,
    dryRun: 'All',
    body: {
      metadata: { name: 'suspended' },
      spec: {
        suspend: true,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'any' }] } },
      },
    },
  });
  assert.equal(job.spec?.suspend, undefined, 'Job suspend (Kueue) is not in 1.20');
  const celCrd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'cels.ground.lorahpo.io' },
    spec: {
      group: 'ground.lorahpo.io',
      scope: 'Namespaced',
      names: { kind: 'Cel', plural: 'cels' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: { spec: { type: 'object', 'x-kubernetes-validations': [{ rule: 'false' }] } },
            },
          },
        },
      ],
    },
  };
  const refused = await cp.kubectl(['create', '--dry-run=server', '-f', '-'], { input: JSON.stringify(celCrd) });
  assert.match(refused.stderr, /unknown field "x-kubernetes-validations"/, 'kubectl 1.20 refuses CRDs with CEL rules');
  const created = await cp.kubectl(['create', '--validate=false', '--dry-run=server', '-o', 'json', '-f', '-'], {
    input: JSON.stringify(celCrd),
  });
  assert.equal(created.code, 0, created.stderr);
  assert.doesNotMatch(created.stdout, /x-kubernetes-validations/, 'the 1.20 API server drops CEL rules');
  const unknownField = { ...studyFixture('unknown-field'), spec: { ...studyFixture('x').spec, notAField: 1 } };
  const pruned = (await objects.createNamespacedCustomObject({
    group,
    version,
    namespace,
    plural: 'lorastudies',
    body: unknownField,
    fieldValidation: 'Strict',
  })) as StudyObject;
  assert.equal(pruned.spec.notAField, undefined, 'an unknown field is pruned even with fieldValidation=Strict');
});
