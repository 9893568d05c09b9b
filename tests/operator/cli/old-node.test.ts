import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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

/** npm's own npx beside that old Node (the one a user types), if there is one. */
const oldNpx = old && ['/usr/bin/npx', '/usr/local/bin/npx'].find((candidate) => existsSync(candidate));

test('npx lorahpo in a checkout, from an old system Node, prints no engine warning and runs', {
  skip: oldNpx === undefined && 'no npx of an old Node here',
}, () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  // A fresh npm cache: npx then installs the checkout into it, the step that used to warn.
  // As a user's shell has it: the old Node first, no node_modules/.bin (npm test puts it first).
  const pathOfOldNode = [dirname(old as string), ...(process.env.PATH ?? '').split(':')]
    .filter((entry) => !entry.includes('node_modules'))
    .join(':');
  const cache = mkdtempSync(join(tmpdir(), 'lorahpo-npx-'));
  try {
    const result = spawnSync(oldNpx as string, ['--offline', 'lorahpo', '--version'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PATH: pathOfOldNode, npm_config_cache: cache, npm_config_update_notifier: 'false' },
    });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
    assert.doesNotMatch(result.stderr, /EBADENGINE|npm warn/);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});
