import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A Node older than 24 on this machine (the system's), if there is one. */
function oldNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node', '/bin/node']) {
    const version = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    if (version.status === 0 && Number(version.stdout.split('.')[0]) < 24) return candidate;
  }
  return undefined;
}

const old = oldNode();

test('bin › started by a Node older than 24, each command says which Node it needs, exit 1, no stack trace', {
  skip: old === undefined && 'no Node older than 24 here',
}, () => {
  for (const command of ['lorahpo', 'lorahpo-trainer']) {
    const bin = fileURLToPath(new URL(`../../../bin/${command}.js`, import.meta.url));
    const result = spawnSync(old as string, [bin, '--version'], { encoding: 'utf8' });
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`^${command} needs Node\\.js 24 or newer, but was started by Node v\\d+`));
    assert.doesNotMatch(result.stderr, /ERR_UNKNOWN_FILE_EXTENSION|\n\s+at /);
  }
});
