/**
 * The operator's own writes, laid over the informer cache until the cache catches up. After a
 * status write turns resourceVersion A into B, the cache may still show A for a while; reading
 * A again would recompute and rewrite the same status and get 409 Conflict. While the cache
 * shows exactly the version we replaced, the object we wrote is the newer truth (any other
 * writer in between would have made our write fail with 409).
 */
interface Written<T> {
  replacedVersion: string | undefined;
  object: T;
}

export class WriteOverlay<T extends { metadata?: { resourceVersion?: string } }> {
  readonly #written = new Map<string, Written<T>>();

  remember(key: string, replaced: T, written: T): void {
    if (written === replaced || written.metadata?.resourceVersion === replaced.metadata?.resourceVersion) return;
    this.#written.set(key, { replacedVersion: replaced.metadata?.resourceVersion, object: written });
  }

  /** The freshest of the cached object and our own write of it. */
  read(key: string, cached: T): T {
    const written = this.#written.get(key);
    if (!written) return cached;
    if (cached.metadata?.resourceVersion === written.replacedVersion) return written.object;
    this.#written.delete(key);
    return cached;
  }

  /** Whether `object` is the version we wrote: its watch event tells the writer nothing new. */
  isOwnWrite(key: string, object: T): boolean {
    const version = this.#written.get(key)?.object.metadata?.resourceVersion;
    return version !== undefined && version === object.metadata?.resourceVersion;
  }

  forget(key: string): void {
    this.#written.delete(key);
  }
}
