/**
 * The images built for real from the Dockerfile, without a Docker engine (build-images.sh: buildah
 * with chroot isolation and vfs storage, on a stand-in node base built by debootstrap), then run:
 * the operator's entrypoint as uid 1000 under buildah and from its exported root filesystem
 * mounted read-only, and the CPU trainer image training the bundled tiny model on wasm.
 * Needs root (debootstrap, chroot, mounts) and apt or buildah; skipped with the reason otherwise.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildah,
  buildScript,
  capture,
  imageRootfs,
  runInRootfs,
  type ImageConfig,
  type Output,
} from './image-rootfs.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const operatorImage = `localhost/lorahpo-operator:${version}`;
const trainerImage = `localhost/lorahpo-trainer:${version}-cpu`;
const outDir = mkdtempSync(join(tmpdir(), 'lorahpo-images-'));

function hasCommand(name: string): boolean {
  return ['/usr/bin', '/usr/sbin', '/bin', '/sbin', '/usr/local/bin'].some((d) => existsSync(join(d, name)));
}

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root: debootstrap, chroot and the mounts of chroot isolation';
  if (!hasCommand('apt-get') && !(hasCommand('buildah') && hasCommand('debootstrap'))) {
    return 'needs apt-get to install buildah and debootstrap (or both installed)';
  }
  return undefined;
}
const skip = skipReason();

function assertOk(out: Output, what: string): void {
  assert.equal(out.code, 0, `${what} exited ${out.code}\n${out.stdout.slice(-2000)}\n${out.stderr.slice(-4000)}`);
}

async function imageConfig(image: string): Promise<ImageConfig> {
  const out = await buildah(['inspect', '--type', 'image', image]);
  assertOk(out, `buildah inspect ${image}`);
  return (JSON.parse(out.stdout) as { OCIv1: { config: ImageConfig } }).OCIv1.config;
}

/** A fresh container of `image` for `use`, which runs commands in it as uid 1000; removed after. */
async function withContainer<T>(
  image: string,
  use: (run: (command: string[], flags?: string[]) => Promise<Output>) => Promise<T>,
): Promise<T> {
  const from = await buildah(['from', '--pull-never', '--name', `lorahpo-test-${process.pid}-${Date.now()}`, image]);
  assertOk(from, `buildah from ${image}`);
  const container = from.stdout.trim();
  try {
    return await use((command, flags = []) =>
      buildah(['run', '--isolation', 'chroot', '--user', '1000:1000', ...flags, container, '--', ...command]),
    );
  } finally {
    await buildah(['rm', container]);
  }
}

before(
  async () => {
    if (skip) return;
    const started = Date.now();
    const out = await capture('bash', [buildScript, 'build'], 45 * 60_000);
    assertOk(out, 'build-images.sh build');
    console.log(`${out.stderr.trim()}\n[images] build-images.sh: ${Math.round((Date.now() - started) / 1000)} s`);
  },
  { timeout: 46 * 60_000 },
);

after(() => rmSync(outDir, { recursive: true, force: true }));

test('operator image › its entrypoint runs as uid 1000 with the compiled CLI and only its dependencies', {
  skip,
}, async () => {
  const config = await imageConfig(operatorImage);
  assert.equal(config.User, '1000:1000');
  await withContainer(operatorImage, async (run) => {
    const help = await run([...(config.Entrypoint ?? []), '--help']);
    assertOk(help, 'operator --help');
    assert.match(help.stdout, /--metrics-port/);
    assert.match(help.stdout, /--leader-elect/);
    const crds = await run(['node', 'bin/lorahpo.js', 'crds']);
    assertOk(crds, 'lorahpo crds');
    for (const n of ['lorastudies', 'loratrials']) {
      const crd = readFileSync(join(root, 'crds', `lorahpo.io_${n}.yaml`), 'utf8');
      assert.ok(crds.stdout.includes(crd.trim()), `the image prints the checked-in ${n} CRD`);
    }
    // What the operator must not carry: the trainer's TensorFlow.js, dev dependencies, sources.
    const absent = await run([
      'sh',
      '-c',
      'for p in node_modules/@tensorflow node_modules/typescript operator/src; do [ ! -e "$p" ] || echo "$p"; done',
    ]);
    assertOk(absent, 'listing');
    assert.equal(absent.stdout, '');
  });
});

test('operator image › runs from its exported root filesystem mounted read-only', { skip }, async () => {
  const image = await imageRootfs(operatorImage);
  assert.ok(existsSync(join(image.rootfs, 'app/dist/operator/src/cli/main.js')), image.rootfs);
  const help = await runInRootfs(image, ['--help'], { isReadOnly: true });
  assertOk(help, 'operator --help on the read-only rootfs');
  assert.match(help.stdout, /--metrics-port/);
  const write = await runInRootfs(image, [], { isReadOnly: true, command: ['sh', '-c', 'id -u; touch /app/x'] });
  assert.notEqual(write.code, 0);
  assert.equal(write.stdout.trim(), '1000');
  assert.match(write.stderr, /Read-only file system/);
});

test('trainer-cpu image › trains the tiny model on wasm as uid 1000: metric lines, a result, an adapter', {
  skip,
}, async () => {
  chmodSync(outDir, 0o777);
  const config = await imageConfig(trainerImage);
  const params = JSON.stringify({ learningRate: 0.01, loraR: 8, loraAlpha: 16, scheduler: 'cosine' });
  const mounts = [
    '-v',
    `${join(root, 'examples/tiny')}:/data:ro`,
    '-v',
    `${outDir}:/out`,
    '-e',
    'LORAHPO_RESULT_FILE=/out/result.json',
  ];
  const out = await withContainer(trainerImage, (run) =>
    run(
      [
        ...(config.Entrypoint ?? []),
        '--model',
        '/data/model',
        '--dataset',
        '/data/cncf-qa.jsonl',
        '--max-steps',
        '4',
        '--eval-steps',
        '2',
        '--output-dir',
        '/out/adapter',
        '--params',
        params,
      ],
      mounts,
    ),
  );
  assertOk(out, 'the trainer');
  assert.match(`${out.stdout}\n${out.stderr}`, /backend: wasm/);
  const events = out.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const metrics = events.filter((e) => e.type === 'metric' && e.name === 'eval_loss');
  assert.deepEqual(
    metrics.map((m) => m.step),
    [2, 4],
  );
  const result = events.find((e) => e.type === 'result');
  assert.ok(result && typeof result.value === 'number' && Number.isFinite(result.value), out.stdout);
  assert.deepEqual(JSON.parse(readFileSync(join(outDir, 'result.json'), 'utf8')), result);
  for (const f of ['adapter_model.safetensors', 'adapter_config.json'])
    assert.ok(existsSync(join(outDir, 'adapter', f)), f);
});

test('images › sizes', { skip }, async () => {
  const out = await buildah(['images', '--format', '{{.Name}}:{{.Tag}} {{.Size}}']);
  assertOk(out, 'buildah images');
  // The untagged rest is the layer cache of `bud --layers`.
  for (const line of out.stdout
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('<none>')))
    console.log(`[images] ${line}`);
  assert.match(out.stdout, new RegExp(`${operatorImage} `));
  assert.match(out.stdout, new RegExp(`${trainerImage} `));
});
