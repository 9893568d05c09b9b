/** `lorahpo crds`: prints the CustomResourceDefinitions, or writes them to a folder. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { Command } from 'commander';
import { CRD_DEFINITIONS, crdFileName, renderAllCrds, renderCrd } from '../../api/crd-gen.ts';
import type { CliDeps } from '../deps.ts';

export function crdsCommandSpec(): Command {
  return new Command('crds')
    .description('print the LoraStudy and LoraTrial CustomResourceDefinitions (kubectl apply -f -)')
    .option('--write <dir>', 'write one file per CRD into this folder instead of printing');
}

export async function crdsCommand(options: { write?: string }, deps: CliDeps): Promise<number> {
  if (options.write === undefined) {
    deps.stdout.write(renderAllCrds());
    return 0;
  }
  const dir = resolve(deps.cwd, options.write);
  mkdirSync(dir, { recursive: true });
  for (const definition of CRD_DEFINITIONS) {
    const file = join(dir, crdFileName(definition));
    writeFileSync(file, renderCrd(definition));
    deps.stdout.write(`wrote ${file}\n`);
  }
  return 0;
}
