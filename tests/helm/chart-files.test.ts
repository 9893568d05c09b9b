/**
 * The chart's files agree with the project: Chart.yaml's version and appVersion are the package
 * version (the image tag defaults to appVersion), and docs/helm.md's values table names every
 * value in values.yaml and no value that is not there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as yaml from 'js-yaml';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

test("chart files › Chart.yaml version and appVersion are package.json's version", () => {
  const { version } = JSON.parse(read('package.json')) as { version: string };
  const chart = yaml.load(read('helm/lorahpo/Chart.yaml')) as { name: string; version: string; appVersion: string };
  assert.equal(chart.name, 'lorahpo');
  assert.equal(chart.version, version, 'Chart.yaml version');
  assert.equal(chart.appVersion, version, 'Chart.yaml appVersion');
});

type Schema = { additionalProperties?: unknown; properties?: Record<string, Schema> };

/** Dotted paths of values.yaml, descending into the objects whose schema is closed. */
function valuePaths(values: Record<string, unknown>, schema: Schema, prefix = ''): string[] {
  return Object.entries(values).flatMap(([key, value]) => {
    const child = schema.properties?.[key];
    assert.ok(child, `values.yaml has ${prefix}${key}, values.schema.json does not`);
    const isClosed =
      child.additionalProperties === false && value !== null && typeof value === 'object' && !Array.isArray(value);
    return isClosed ? valuePaths(value as Record<string, unknown>, child, `${prefix}${key}.`) : [`${prefix}${key}`];
  });
}

test("chart files › docs/helm.md's values table covers values.yaml, key for key", () => {
  const paths = valuePaths(
    yaml.load(read('helm/lorahpo/values.yaml')) as Record<string, unknown>,
    JSON.parse(read('helm/lorahpo/values.schema.json')) as Schema,
  );
  const section = read('docs/helm.md').split('\n## Values\n')[1]?.split('\n## ')[0] ?? '';
  const documented = [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1]);
  const covers = (doc: string, path: string) => path === doc || path.startsWith(`${doc}.`);
  assert.deepEqual(
    paths.filter((path) => !documented.some((doc) => covers(doc, path))),
    [],
    'values missing from docs/helm.md',
  );
  assert.deepEqual(
    documented.filter((doc) => !paths.some((path) => covers(doc, path))),
    [],
    'docs/helm.md names values that do not exist',
  );
});
