/**
 * The operator's own writes, laid over the informer cache until the cache catches up. After a
 * status write turns resourceVersion A into B, the cache may still show A for a while; reading
 * A again would recompute and rewrite the same status and get 409 Conflict. While the cache
 * shows exactly the version we replaced, the object we wrote is the newer truth (any other
 * writer in between would have made our write fail with 409).
 *
 * It also tells a watch event that only shows our own write, which need not queue a reconcile:
 * by resourceVersion once the write has returned, by content while it is in flight (the event
 * can arrive before the response).
 */
import { isSameJson } from './same-json.ts';

interface Written<T> {
  replacedVersion: string | undefined;
  object: T;
}

export class WriteOverlay<T extends { metadata?: { resourceVersion?: string }; status?: unknown }> {
  readonly #written = new Map<string, Written<T>>();
  /** The status being written now, by key. */
  readonly #inFlight = new Map<string, unknown>();

  /** Runs one status write, known as ours while it is in flight. */
  async writing(key: string, object: T, write: () => Promise<T>): Promise<T> {
    this.#inFlight.set(key, object.status);
    try {
      return await write();
    } finally {
      this.#inFlight.delete(key);
    }
  }

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

  /** Whether `object` is what we wrote or are writing: its watch event tells the writer nothing new. */
  isOwnWrite(key: string, object: T): boolean {
    const version = this.#written.get(key)?.object.metadata?.resourceVersion;
    if (version !== undefined && version === object.metadata?.resourceVersion) return true;
    return this.#inFlight.has(key) && isSameJson(this.#inFlight.get(key), object.status);
  }

  forget(key: string): void {
    this.#written.delete(key);
  }
}
