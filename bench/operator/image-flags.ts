/**
 * The Node flags the operator image starts with, read from the Dockerfile's operator ENTRYPOINT,
 * so the benchmark runs the operator as it ships (the GC settings decide its memory).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dockerfile = fileURLToPath(new URL('../../Dockerfile', import.meta.url));

export function operatorImageNodeFlags(): string[] {
  const text = readFileSync(dockerfile, 'utf8');
  const stage = text.slice(text.indexOf('AS operator\n'));
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(stage)?.[1];
  if (!entrypoint) throw new Error(`no ENTRYPOINT in the operator stage of ${dockerfile}`);
  const argv = JSON.parse(entrypoint) as string[];
  const script = argv.indexOf('bin/lorahpo.js');
  if (argv[0] !== 'node' || script < 0)
    throw new Error(`the operator ENTRYPOINT is not "node [flags] bin/lorahpo.js operator": ${entrypoint}`);
  return argv.slice(1, script);
}
