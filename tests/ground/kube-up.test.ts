// `npm run kube:up` / `kube:down` from two checkouts on one machine: each has its own control
// plane, and one's `down` leaves the other's running.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ensureBinaries } from '../harness/binaries.ts';
import { kubeUpDir } from '../harness/kube-up.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
const scratch = mkdtempSync(join(tmpdir(), 'lorahpo-kube-up-'));
const stateRoot = join(scratch, 'state');
const second = join(scratch, 'second-checkout');
const env = { ...process.env, LORAHPO_KUBE_UP_ROOT: stateRoot };

function kubeUp(checkout: string, command: 'up' | 'down') {
  const result = spawnSync(process.execPath, [join(checkout, 'tests/harness/kube-up.ts'), command], {
    env,
    encoding: 'utf8',
    timeout: 180_000,
  });
  assert.equal(result.status, 0, `kube-up ${command} in ${checkout} failed: ${result.stderr}`);
  return result.stdout;
}

function answers(kubeconfig: string): boolean {
  const kubectl = spawnSync(kubectlPath, ['--kubeconfig', kubeconfig, 'get', '--raw', '/readyz'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return kubectl.status === 0 && kubectl.stdout.trim() === 'ok';
}

let kubectlPath = 'kubectl';

before(async () => {
  kubectlPath = (await ensureBinaries()).kubectl;
  // A second checkout: the harness and the package's node_modules, as a clone would have them.
  cpSync(join(repo, 'tests/harness'), join(second, 'tests/harness'), { recursive: true });
  cpSync(join(repo, 'package.json'), join(second, 'package.json'));
  symlinkSync(join(repo, 'node_modules'), join(second, 'node_modules'));
});

after(() => {
  for (const checkout of [repo, second])
    spawnSync(process.execPath, [join(checkout, 'tests/harness/kube-up.ts'), 'down'], { env, timeout: 60_000 });
  rmSync(scratch, { recursive: true, force: true });
});

test('kube:up › two checkouts keep separate control planes; one down leaves the other up', () => {
  assert.notEqual(kubeUpDir(repo, stateRoot), kubeUpDir(second, stateRoot));
  const firstExport = kubeUp(repo, 'up');
  const secondExport = kubeUp(second, 'up');
  const kubeconfigOf = (text: string) => /^export KUBECONFIG=(\S+)$/m.exec(text)?.[1] ?? '';
  const [firstConfig, secondConfig] = [kubeconfigOf(firstExport), kubeconfigOf(secondExport)];
  assert.ok(firstConfig.startsWith(kubeUpDir(repo, stateRoot)), firstExport);
  assert.ok(secondConfig.startsWith(kubeUpDir(second, stateRoot)), secondExport);
  assert.ok(answers(firstConfig) && answers(secondConfig), 'both control planes answer');
  kubeUp(second, 'down');
  assert.equal(existsSync(secondConfig), false, 'down removes its own kubeconfig');
  assert.ok(answers(firstConfig), 'the first checkout’s control plane still answers after the second one’s down');
  kubeUp(repo, 'down');
  assert.equal(answers(firstConfig), false);
});
