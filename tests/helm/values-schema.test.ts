/**
 * values.schema.json is strict: an unknown key (a typo) or a wrong type fails `helm template`
 * and `helm lint` on both Helm versions, and the message names the key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHART_DIR, NAMESPACE, RELEASE, helmBinaries, lint, run, valuesFile } from './helm.ts';

const binaries = helmBinaries();

function templateResult(helm: (typeof binaries)[number], values: object) {
  return run(helm, ['template', RELEASE, CHART_DIR, '-n', NAMESPACE, '-f', valuesFile(values)]);
}

/** Helm 3 says `Additional property x is not allowed`, Helm 4 `additional properties 'x' not allowed`. */
const unknownKey = (key: string) => new RegExp(`additional propert(y|ies) '?${key}'? (is )?not allowed`, 'i');

const BAD_VALUES: { name: string; values: object; message: RegExp }[] = [
  { name: 'a top-level typo', values: { replicaCont: 2 }, message: unknownKey('replicaCont') },
  { name: 'a typo inside image', values: { image: { tagg: '1.0.0' } }, message: unknownKey('tagg') },
  {
    name: 'a typo inside metrics.serviceMonitor',
    values: { metrics: { serviceMonitor: { enable: true } } },
    message: unknownKey('enable'),
  },
  { name: 'a typo inside crds', values: { crds: { instal: false } }, message: unknownKey('instal') },
  { name: 'a wrong type', values: { replicaCount: 'two' }, message: /replicaCount/ },
  { name: 'a log level pino does not know', values: { logLevel: 'verbose' }, message: /logLevel/ },
  { name: 'a namespace that is no DNS label', values: { watchNamespaces: ['Team_A'] }, message: /watchNamespaces/ },
  { name: 'a digest without its algorithm', values: { image: { digest: 'ab12' } }, message: /digest/ },
];

for (const { name, values, message } of BAD_VALUES) {
  test(`values schema › ${name} fails helm template and helm lint, naming the key`, () => {
    for (const helm of binaries) {
      const rendered = templateResult(helm, values);
      assert.notEqual(rendered.status, 0, `helm ${helm.major} template accepted ${JSON.stringify(values)}`);
      assert.match(rendered.stderr, message, `helm ${helm.major} template: ${rendered.stderr}`);
      const linted = lint(helm, values);
      assert.notEqual(linted.status, 0, `helm ${helm.major} lint accepted ${JSON.stringify(values)}`);
      assert.match(linted.stdout + linted.stderr, message, `helm ${helm.major} lint`);
    }
  });
}

test("values schema › a parent chart's global values are accepted", () => {
  for (const helm of binaries) assert.equal(templateResult(helm, { global: { imageRegistry: 'x' } }).status, 0);
});
