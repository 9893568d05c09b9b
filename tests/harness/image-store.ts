/**
 * Images built on this machine (buildah, containers/storage with the vfs driver) as entries of
 * the simulated node's image table: the root filesystem and the image's own ENTRYPOINT, CMD,
 * WORKDIR, ENV and USER, read from its OCI config. With vfs every layer directory holds the
 * complete tree, so the image's top layer is its root filesystem.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ImageConfig } from './simulated-node/container-launch.ts';

interface StoredImage {
  id: string;
  names?: string[];
  layer: string;
}

interface OciConfig {
  config?: { Entrypoint?: string[]; Cmd?: string[]; WorkingDir?: string; Env?: string[]; User?: string };
}

/** Where the image builds keep their storage: `LORAHPO_IMAGE_STORAGE`, else ~/.cache/lorahpo/images/storage. */
export function defaultImageStorage(): string {
  return (
    process.env.LORAHPO_IMAGE_STORAGE ??
    join(process.env.LORAHPO_CACHE ?? join(homedir(), '.cache', 'lorahpo'), 'images', 'storage')
  );
}

// containers/storage names an image's "big data" items `=` + base64(key); the config's key is its digest.
function bigData(storage: string, image: StoredImage, key: string): string {
  return readFileSync(join(storage, 'vfs-images', image.id, `=${Buffer.from(key).toString('base64')}`), 'utf8');
}

/**
 * The image `name` (e.g. `localhost/lorahpo-operator:0.1.0`) as an image-table entry, or
 * undefined when the storage does not hold it.
 */
export function storedImage(name: string, storage = defaultImageStorage()): ImageConfig | undefined {
  const index = join(storage, 'vfs-images', 'images.json');
  if (!existsSync(index)) return undefined;
  const images = JSON.parse(readFileSync(index, 'utf8')) as StoredImage[];
  const image = images.find((each) => each.names?.includes(name));
  if (!image) return undefined;
  const rootfs = join(storage, 'vfs', 'dir', image.layer);
  if (!existsSync(rootfs)) return undefined;
  const { config = {} } = JSON.parse(bigData(storage, image, `sha256:${image.id}`)) as OciConfig;
  const env = Object.fromEntries(
    (config.Env ?? []).map((entry) => {
      const at = entry.indexOf('=');
      return [entry.slice(0, at), entry.slice(at + 1)];
    }),
  );
  return {
    rootfs,
    entrypoint: config.Entrypoint,
    cmd: config.Cmd,
    workingDir: config.WorkingDir || '/',
    env,
    ...(config.User ? { user: config.User } : {}),
  };
}
