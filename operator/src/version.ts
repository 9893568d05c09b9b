/**
 * The package version, read once from package.json so that `lorahpo --version` and the default
 * trainer image tag follow a release bump. The file sits two folders up in a checkout
 * (operator/src/) and three in a build (dist/operator/src/, the operator image, an install).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function readVersion(): string {
  for (const path of ['../../package.json', '../../../package.json']) {
    try {
      const manifest = require(path) as { name?: unknown; version?: unknown };
      if (manifest.name === 'lorahpo' && typeof manifest.version === 'string') return manifest.version;
    } catch {
      // not at this level; try the next
    }
  }
  throw new Error(`lorahpo's package.json not found above ${import.meta.url}`);
}

export const VERSION = readVersion();
