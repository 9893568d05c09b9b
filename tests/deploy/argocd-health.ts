/**
 * Runs deploy/argocd/health.lua with a real Lua 5.1 the way Argo CD calls a health script
 * (argocd-health-harness.lua). Lua and lua-cjson come from install-lua.sh when missing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const HEALTH_SCRIPT = `${root}deploy/argocd/health.lua`;
const HARNESS = `${root}tests/deploy/argocd-health-harness.lua`;

export interface ArgoHealth {
  status: 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown';
  message: string;
}

let ensured = false;

/** Installs Lua 5.1 and lua-cjson (Debian packages) unless they are there. */
export function ensureLua(): void {
  if (ensured) return;
  execFileSync('bash', [`${root}tests/deploy/install-lua.sh`], { stdio: ['ignore', 'inherit', 'inherit'] });
  ensured = true;
}

/** The health Argo CD would show for `object`. */
export function argoHealth(object: unknown, script = HEALTH_SCRIPT): ArgoHealth {
  ensureLua();
  const dir = mkdtempSync(join(tmpdir(), 'lorahpo-argocd-'));
  try {
    const file = join(dir, 'object.json');
    writeFileSync(file, JSON.stringify(object));
    return JSON.parse(execFileSync('lua5.1', [HARNESS, script, file], { encoding: 'utf8' })) as ArgoHealth;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
