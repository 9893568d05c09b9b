/**
 * `lorahpo crds`: prints the CustomResourceDefinitions, or writes them to a folder, and with
 * --chart also the Helm chart's CRD templates.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { Command } from 'commander';
import { CRD_DEFINITIONS, crdFileName, renderAllCrds, renderCrd, type CrdDefinition } from '../../api/crd-gen.ts';
import { renderChartCrd } from '../../api/crd-chart.ts';
import type { CliDeps } from '../deps.ts';

export function crdsCommandSpec(): Command {
  return new Command('crds')
    .description('print the LoraStudy and LoraTrial CustomResourceDefinitions (kubectl apply -f -)')
    .option('--write <dir>', 'write one file per CRD into this folder instead of printing')
    .option('--chart <dir>', "also write the Helm chart's CRD templates into <dir>/templates/crds");
}

export async function crdsCommand(options: { write?: string; chart?: string }, deps: CliDeps): Promise<number> {
  if (options.write === undefined && options.chart === undefined) {
    deps.stdout.write(renderAllCrds());
    return 0;
  }
  if (options.write !== undefined) writeAll(resolve(deps.cwd, options.write), renderCrd, deps);
  if (options.chart !== undefined)
    writeAll(resolve(deps.cwd, options.chart, 'templates', 'crds'), renderChartCrd, deps);
  return 0;
}

function writeAll(dir: string, render: (definition: CrdDefinition) => string, deps: CliDeps): void {
  mkdirSync(dir, { recursive: true });
  for (const definition of CRD_DEFINITIONS) {
    const file = join(dir, crdFileName(definition));
    writeFileSync(file, render(definition));
    deps.stdout.write(`wrote ${file}\n`);
  }
}
