/**
 * The body of a status write: a server-side apply of the status alone, by the operator's own
 * field manager. The API server then records the operator as the owner of exactly the fields
 * sent (`f:status`), never of spec fields, so a user's (or Argo CD's, or Flux's)
 * `kubectl apply --server-side` of a spec edit has nothing to conflict with. A PUT of the whole
 * object to `/status` would not do: kube-apiserver before 1.22 gives the writer every field of
 * the body it sent, the spec (with its defaults) included.
 *
 * The resourceVersion travels along as a precondition: a write computed from a stale read fails
 * with 409 Conflict, and the status writer re-reads and retries (DESIGN.md, reliability rules).
 */
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { API_GROUP_VERSION } from '../api/common.ts';

/** The field manager of every operator write (managedFields name it). */
export const FIELD_MANAGER = 'lorahpo-operator';

/** Request options for an apply patch (client-node picks JSON Patch's content type otherwise). */
export const APPLY_PATCH = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

export interface StatusApplyBody {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; resourceVersion?: string };
  status: unknown;
}

interface Applicable {
  metadata: { name?: string; namespace?: string; resourceVersion?: string };
  status?: unknown;
}

/** What an apply of `object`'s status sends: identity, precondition and status; no spec, no other metadata. */
export function statusApplyBody(kind: 'LoraStudy' | 'LoraTrial', object: Applicable): StatusApplyBody {
  const { name, namespace, resourceVersion } = object.metadata;
  if (!name || !namespace) throw new Error(`a ${kind} status apply needs metadata.name and metadata.namespace`);
  return {
    apiVersion: API_GROUP_VERSION,
    kind,
    metadata: { name, namespace, ...(resourceVersion === undefined ? {} : { resourceVersion }) },
    status: object.status ?? {},
  };
}
