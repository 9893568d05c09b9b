/**
 * The name and namespace of an object the API server (or the journal) returned: those always
 * have them, so a missing one is a bug to report, not a case to handle.
 */
interface Named {
  metadata?: { name?: string; namespace?: string };
}

export function nameOf(object: Named): string {
  const name = object.metadata?.name;
  if (name === undefined) throw new Error('object without metadata.name');
  return name;
}

export function namespaceOf(object: Named): string {
  const namespace = object.metadata?.namespace;
  if (namespace === undefined) throw new Error(`object ${object.metadata?.name ?? '?'} without metadata.namespace`);
  return namespace;
}

/** The uid of an object the API server returned (owner references need it). */
export function uidOf(object: { metadata?: { name?: string; uid?: string } }): string {
  const uid = object.metadata?.uid;
  if (uid === undefined) throw new Error(`object ${object.metadata?.name ?? '?'} without metadata.uid`);
  return uid;
}
