/**
 * Writes an object's status through `/status` with the resourceVersion it was read at. A 409
 * Conflict means someone wrote in between: re-read the object from the API server (not the
 * cache, which may be as stale as we were), apply the same change again, retry.
 */
import { isConflict } from './kube-errors.ts';
import { isSameJson } from './same-json.ts';

export interface StatusObject {
  metadata: { resourceVersion?: string };
  status?: unknown;
}

export interface StatusWrite<T extends StatusObject> {
  /** The object as last read. */
  current: T;
  /** The new status, computed from the freshest object (called again after a conflict). */
  desired: (fresh: T) => T['status'];
  read: () => Promise<T>;
  replace: (object: T) => Promise<T>;
  /** Attempts before giving up (the reconcile then retries with back-off); default 5. */
  attempts?: number;
}

/** Returns the written object, or the current one unchanged when there was nothing to write. */
export async function writeStatus<T extends StatusObject>(write: StatusWrite<T>): Promise<T> {
  let object = write.current;
  const attempts = write.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const status = write.desired(object);
    if (isSameJson(status, object.status)) return object;
    try {
      return await write.replace({ ...object, status });
    } catch (error) {
      if (!isConflict(error) || attempt >= attempts) throw error;
      object = await write.read();
    }
  }
}
