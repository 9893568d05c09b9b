#!/usr/bin/env node
// Entry point of the `lorahpo` command. In a checkout, run the TypeScript sources directly
// (Node >= 24 strips types), so the CLI never runs a stale build; an installed package ships
// only dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../operator/src/cli/main.ts', import.meta.url));
const built = fileURLToPath(new URL('../dist/operator/src/cli/main.js', import.meta.url));
const entry = existsSync(source) ? source : built;
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
