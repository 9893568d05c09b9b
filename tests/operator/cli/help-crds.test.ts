import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { main } from '../../../operator/src/cli/main.ts';
import type { CliDeps } from '../../../operator/src/cli/deps.ts';
import { CRD_DEFINITIONS, crdFileName, renderCrd } from '../../../operator/src/api/crd-gen.ts';
import { renderChartCrd } from '../../../operator/src/api/crd-chart.ts';

async function run(args: string[], cwd = tmpdir()) {
  let out = '';
  let err = '';
  const deps: CliDeps = {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    cwd,
    env: {},
    signal: new AbortController().signal,
    now: () => new Date(),
  };
  const code = await main(args, deps);
  return { code, out, err };
}

test('cli › --help describes every command', async () => {
  const { code, out } = await run(['--help']);
  assert.equal(code, 0);
  for (const command of ['run', 'validate', 'status', 'crds', 'operator'])
    assert.match(out, new RegExp(`\\n  ${command} `));
});

test('cli › each command has its own --help', async () => {
  const runHelp = await run(['run', '--help']);
  assert.equal(runHelp.code, 0);
  for (const flag of ['--state-dir', '--trainer', '--json', '--plain', '--grace'])
    assert.ok(runHelp.out.includes(flag), flag);
  assert.match(runHelp.out, /resolve against the manifest's folder/);
  assert.match((await run(['validate', '--help'])).out, /one line per problem/);
  assert.match((await run(['status', '--help'])).out, /state-dir/);
});

test('cli › an unknown command or missing argument is a usage error (exit 2)', async () => {
  assert.equal((await run(['frobnicate'])).code, 2);
  assert.equal((await run(['validate'])).code, 2);
});

test('cli › crds prints both CustomResourceDefinitions as one YAML stream', async () => {
  const { code, out } = await run(['crds']);
  assert.equal(code, 0);
  const docs = yaml.loadAll(out) as { kind: string; metadata: { name: string } }[];
  assert.deepEqual(
    docs.map((doc) => `${doc.kind}/${doc.metadata.name}`),
    ['CustomResourceDefinition/lorastudies.lorahpo.io', 'CustomResourceDefinition/loratrials.lorahpo.io'],
  );
});

test("cli › crds --write and --chart write the CRD files and the chart's CRD templates", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lorahpo-crds-'));
  const { code, out } = await run(['crds', '--write', 'crds', '--chart', 'chart'], dir);
  assert.equal(code, 0);
  for (const definition of CRD_DEFINITIONS) {
    assert.equal(readFileSync(join(dir, 'crds', crdFileName(definition)), 'utf8'), renderCrd(definition));
    assert.equal(
      readFileSync(join(dir, 'chart', 'templates', 'crds', crdFileName(definition)), 'utf8'),
      renderChartCrd(definition),
    );
  }
  assert.equal(out.split('\n').filter((line) => line.startsWith('wrote ')).length, 2 * CRD_DEFINITIONS.length);
});

test('cli › status without any study says how to start one', async () => {
  const { code, err } = await run(['status'], mkdtempSync(join(tmpdir(), 'lorahpo-status-')));
  assert.equal(code, 2);
  assert.match(err, /no study under .*\.lorahpo; run `lorahpo run study\.yaml` first/);
});
