/**
 * The images that tests/images/build-images.sh builds, as plain directories: `imageRootfs` exports
 * an image's root filesystem once per image id (under ~/.cache/lorahpo/images/rootfs) with its
 * OCI config, and `runInRootfs` runs a command there the way a kubelet would start the container:
 * its user, working directory and environment, a private mount and pid namespace, and the root
 * filesystem read-only when asked (the restricted profile's readOnlyRootFilesystem). Needs root.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const buildScript = join(dirname(fileURLToPath(import.meta.url)), 'build-images.sh');

/** The fields of an image's OCI config that starting a container reads. */
export interface ImageConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
}

export interface ImageRootfs {
  image: string;
  rootfs: string;
  config: ImageConfig;
}

export interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end and returns its exit code and output (a non-zero exit is not thrown). */
export async function capture(file: string, args: string[], timeoutMs = 600_000): Promise<Output> {
  try {
    const { stdout, stderr } = await run(file, args, { maxBuffer: 64 << 20, timeout: timeoutMs });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string; message: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message };
  }
}

/** buildah on the images' storage (the script holds its flags). */
export function buildah(args: string[], timeoutMs?: number): Promise<Output> {
  return capture('bash', [buildScript, 'buildah', ...args], timeoutMs);
}

/** The root filesystem of a built image, e.g. `imageRootfs('localhost/lorahpo-operator:0.1.0')`. */
export async function imageRootfs(image: string): Promise<ImageRootfs> {
  const out = await capture('bash', [buildScript, 'rootfs', image]);
  if (out.code !== 0) throw new Error(`exporting ${image} failed: ${out.stderr}`);
  const rootfs = out.stdout.trim();
  const config = JSON.parse(readFileSync(`${rootfs}.config.json`, 'utf8')) as ImageConfig;
  return { image, rootfs, config };
}

export interface RunOptions {
  /** Mount the root filesystem read-only (default false); /tmp is a fresh tmpfs either way. */
  isReadOnly?: boolean;
  /** Replaces the image's entrypoint (as a pod's `command` does). */
  command?: string[];
  env?: Record<string, string>;
}

// Inside fresh mount and pid namespaces: the rootfs bound onto itself (so it can be made read-only
// alone), /proc, a tmpfs /tmp and /dev holding only null, zero, urandom; then chroot as the user.
const enterScript = `set -e
r="$1"; ro="$2"; user="$3"; dir="$4"; shift 4
mount --make-rprivate /
mount --bind "$r" "$r"
[ "$ro" = ro ] && mount -o remount,bind,ro "$r"
mount -t proc proc "$r/proc"
mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
mount -t tmpfs -o mode=755 tmpfs "$r/dev"
for d in null zero urandom; do touch "$r/dev/$d" 2>/dev/null || true; mount --bind "/dev/$d" "$r/dev/$d"; done
exec chroot --userspec="$user" "$r" /bin/sh -c 'cd "$0" && exec "$@"' "$dir" "$@"`;

/** Runs the image's entrypoint (or `command`) followed by `args` in its root filesystem. */
export function runInRootfs(image: ImageRootfs, args: string[], options: RunOptions = {}): Promise<Output> {
  const { config } = image;
  const env = [...(config.Env ?? []), ...Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`)];
  const command = [...(options.command ?? config.Entrypoint ?? []), ...args];
  const user = config.User?.includes(':') ? config.User : `${config.User || '0'}:${config.User || '0'}`;
  return capture('unshare', [
    '--mount',
    '--pid',
    '--fork',
    'sh',
    '-c',
    enterScript,
    'enter',
    image.rootfs,
    options.isReadOnly ? 'ro' : 'rw',
    user,
    config.WorkingDir || '/',
    '/usr/bin/env',
    '-i',
    ...env,
    ...command,
  ]);
}
