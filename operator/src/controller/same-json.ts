/**
 * Whether two values are the same JSON document: what the API server would store for them.
 * Object keys compare in any order (the API server returns custom resources with sorted keys, so
 * comparing serialisations would call every status changed), and a key holding `undefined` is
 * the same as a missing one (JSON drops it).
 */
export function isSameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, index) => isSameJson(item, b[index]))
    );
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  for (const key of keys) if (!isSameJson(left[key], right[key])) return false;
  return true;
}
