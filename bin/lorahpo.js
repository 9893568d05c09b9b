#!/usr/bin/env node
// Entry point of the `lorahpo` command. In a checkout, run the TypeScript sources directly
// (Node >= 24 strips types), so the CLI never runs a stale build; an installed package and the
// operator image ship only dist/, and LORAHPO_RUN_BUILT=1 runs dist/ in a checkout too (the
// operator benchmark measures what the image runs: type stripping alone costs ~28 MiB).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { requireNode } from './node-version.js';

requireNode('lorahpo');

const source = fileURLToPath(new URL('../operator/src/cli/main.ts', import.meta.url));
const built = fileURLToPath(new URL('../dist/operator/src/cli/main.js', import.meta.url));
const entry = existsSync(source) && process.env.LORAHPO_RUN_BUILT !== '1' ? source : built;
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
