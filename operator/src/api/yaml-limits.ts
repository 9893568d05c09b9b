/**
 * Bounds on what a manifest may cost to read. YAML aliases let a few hundred bytes stand for
 * billions of values (an "alias bomb"): js-yaml shares the aliased node, so loading is cheap, but
 * everything that walks or serialises the document (JSON.stringify for the journal, the API
 * server) expands it. Each document's expanded size is counted over the shared graph, in time
 * linear in the YAML, and refused past the limit, as is a file too large to be a manifest.
 */

/** Bytes of one manifest file; the API server refuses objects over ~1.5 MiB anyway. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Values (mappings, lists and scalars) one document may expand to. */
export const MAX_EXPANDED_VALUES = 100_000;

/** Why this document is too big once its aliases are expanded, or undefined when it is not. */
export function expansionProblem(doc: unknown): string | undefined {
  const sizes = new Map<object, number>();
  const inProgress = new Set<object>();
  let isCyclic = false;
  const count = (value: unknown): number => {
    if (value === null || typeof value !== 'object') return 1;
    const known = sizes.get(value);
    if (known !== undefined) return known;
    if (inProgress.has(value)) {
      isCyclic = true;
      return Number.POSITIVE_INFINITY;
    }
    inProgress.add(value);
    let total = 1;
    for (const child of Object.values(value)) {
      total += count(child);
      if (total > MAX_EXPANDED_VALUES) break;
    }
    inProgress.delete(value);
    sizes.set(value, total);
    return total;
  };
  const total = count(doc);
  if (isCyclic) return 'refers to itself through a YAML alias';
  if (total > MAX_EXPANDED_VALUES) {
    return `expands to more than ${MAX_EXPANDED_VALUES} values through YAML aliases (an alias bomb?); write the values out`;
  }
  return undefined;
}
