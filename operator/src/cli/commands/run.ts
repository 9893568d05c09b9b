/** `lorahpo run [state-dir]`: placeholder replaced below once the journal lands. */
import { Command } from 'commander';
import type { CliDeps } from '../deps.ts';

export function runCommandSpec(): Command {
  return new Command('run').description('print a local study and its trials').argument('[state-dir]');
}

export async function runCommand(_dir: string | undefined, _options: object, deps: CliDeps): Promise<number> {
  deps.stderr.write('lorahpo run: not built yet\n');
  return 2;
}
