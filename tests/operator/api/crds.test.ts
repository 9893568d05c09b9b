import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as yaml from 'js-yaml';
import { CRD_DEFINITIONS, crdFileName, renderCrd } from '../../../operator/src/api/crd-gen.ts';
import { CHART_CRD_DIR, renderChartCrd } from '../../../operator/src/api/crd-chart.ts';

const crdsDir = new URL('../../../crds/', import.meta.url);
const chartCrdsDir = new URL(`../../../${CHART_CRD_DIR}/`, import.meta.url);

test('crds › the checked-in crds/ match the zod schemas (run `npm run crds` after a schema change)', () => {
  for (const definition of CRD_DEFINITIONS) {
    const onDisk = readFileSync(new URL(crdFileName(definition), crdsDir), 'utf8');
    assert.equal(onDisk, renderCrd(definition), `${crdFileName(definition)} is out of date: run npm run crds`);
  }
});

test("crds › the Helm chart's CRD templates match the zod schemas (run `npm run crds` after a schema change)", () => {
  for (const definition of CRD_DEFINITIONS) {
    const onDisk = readFileSync(new URL(crdFileName(definition), chartCrdsDir), 'utf8');
    assert.equal(
      onDisk,
      renderChartCrd(definition),
      `${CHART_CRD_DIR}/${crdFileName(definition)} is out of date: run npm run crds`,
    );
  }
});

type Node = Record<string, unknown>;

/** Walks every schema node with its path. */
function* nodes(node: Node, path: string): Generator<[string, Node]> {
  yield [path, node];
  for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, Node>))
    yield* nodes(child, `${path}.${name}`);
  if (node.items) yield* nodes(node.items as Node, `${path}[]`);
  if (node.additionalProperties && typeof node.additionalProperties === 'object')
    yield* nodes(node.additionalProperties as Node, `${path}{}`);
}

test('crds › schemas are structural: a type on every node, no unions, no properties beside additionalProperties', () => {
  for (const definition of CRD_DEFINITIONS) {
    const crd = yaml.load(renderCrd(definition)) as Node;
    const version = ((crd.spec as Node).versions as Node[])[0];
    const root = (version.schema as Node).openAPIV3Schema as Node;
    for (const [path, node] of nodes(root, definition.kind)) {
      const preserves = node['x-kubernetes-preserve-unknown-fields'] === true;
      assert.ok(preserves || typeof node.type === 'string', `${path} has no type`);
      for (const junctor of ['anyOf', 'oneOf', 'allOf', 'not', '$ref', 'default'])
        assert.ok(!(junctor in node), `${path} has ${junctor}`);
      assert.ok(
        !(node.properties && node.additionalProperties),
        `${path} has both properties and additionalProperties`,
      );
    }
    assert.deepEqual(version.subresources, { status: {} });
  }
});

test('crds › names, short names, categories and printer columns', () => {
  const [study, trial] = CRD_DEFINITIONS.map((definition) => yaml.load(renderCrd(definition)) as Node);
  const names = (crd: Node) => (crd.spec as Node).names as Node;
  assert.deepEqual(names(study).shortNames, ['ls']);
  assert.deepEqual(names(trial).shortNames, ['lt']);
  assert.deepEqual(names(study).categories, ['lorahpo']);
  const columns = (((study.spec as Node).versions as Node[])[0].additionalPrinterColumns as Node[]).map(
    (column) => column.name,
  );
  assert.deepEqual(columns, ['Phase', 'Best', 'Trials', 'GPU-h', 'Reason', 'Age']);
  const trialColumns = (((trial.spec as Node).versions as Node[])[0].additionalPrinterColumns as Node[]).map(
    (column) => column.name,
  );
  assert.deepEqual(trialColumns, ['Study', 'Number', 'Phase', 'Value', 'Attempt', 'Pruned-At', 'GPU-h', 'Age']);
});
