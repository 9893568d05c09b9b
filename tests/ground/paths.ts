import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, so the checks run from any working directory. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const crdsDir = join(repoRoot, 'crds');
export const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
