/**
 * Field paths for people: `spec.parameters[learningRate].max` rather than `spec.parameters.0.max`.
 * An array item with a string `name` is addressed by its name, like Kubernetes lists of named items.
 */
export function issuePath(root: unknown, keys: readonly PropertyKey[]): string {
  let path = '';
  let node: unknown = root;
  for (const key of keys) {
    if (typeof key === 'number') {
      const name = (node as unknown[] | undefined)?.[key] as { name?: unknown } | undefined;
      path += typeof name?.name === 'string' && name.name !== '' ? `[${name.name}]` : `[${key}]`;
    } else {
      // An empty key (`"": 1` is valid YAML) still needs a visible path.
      if (key === '') path += '[""]';
      else path += path === '' ? String(key) : `.${String(key)}`;
    }
    node = node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return path;
}

/** A value as it appears in a message: numbers as written, strings quoted, short. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'number') return Math.abs(value) < 1e-3 && value !== 0 ? value.toExponential() : String(value);
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
