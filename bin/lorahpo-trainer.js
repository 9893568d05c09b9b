#!/usr/bin/env node
// Entry point of the `lorahpo-trainer` command (the built-in trainer of the trainer contract). In a
// checkout, run the TypeScript sources directly (Node >= 24 strips types); an installed package
// ships only dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { requireNode } from './node-version.js';

requireNode('lorahpo-trainer');

const source = fileURLToPath(new URL('../trainer/src/main.ts', import.meta.url));
const built = fileURLToPath(new URL('../dist/trainer/src/main.js', import.meta.url));
const entry = existsSync(source) ? source : built;
const controller = new AbortController();
process.on('SIGTERM', () => {
  // on, not once: a second SIGTERM must not kill the process mid-cleanup
  if (controller.signal.aborted) return;
  controller.abort();
  setTimeout(() => process.exit(0), 1000).unref(); // stop within a second even mid-evaluation
});
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
});
