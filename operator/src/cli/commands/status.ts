/** `lorahpo status [state-dir]`: placeholder replaced below once the journal lands. */
import { Command } from 'commander';
import type { CliDeps } from '../deps.ts';

export function statusCommandSpec(): Command {
  return new Command('status').description('print a local study and its trials').argument('[state-dir]');
}

export async function statusCommand(_dir: string | undefined, _options: object, deps: CliDeps): Promise<number> {
  deps.stderr.write('lorahpo status: not built yet\n');
  return 2;
}
