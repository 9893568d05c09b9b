/**
 * Finds fields the schema does not know: a typo such as `maxTrial` would otherwise be dropped
 * silently (zod strips unknown keys, so does the API server). Loose objects (metadata) and
 * free-form fragments are not checked.
 */
import type { z } from 'zod';
import type { Issue } from '../errors.ts';
import { issuePath } from '../../../trainer/src/contract/issue-path.ts';

type Def = { type: string; [key: string]: unknown };

function defOf(schema: unknown): Def {
  return (schema as { def: Def }).def;
}

/** Strips optional/default/nullable wrappers. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'prefault')
      current = def.innerType as z.ZodType;
    else if (def.type === 'pipe') current = def.in as z.ZodType;
    else return current;
  }
}

function pickUnionOption(def: Def, value: Record<string, unknown>): z.ZodType | undefined {
  const discriminator = def.discriminator as string | undefined;
  if (!discriminator) return undefined;
  return (def.options as z.ZodType[]).find((option) => {
    const field = unwrap((defOf(unwrap(option)).shape as Record<string, z.ZodType>)[discriminator]);
    return (defOf(field).values as unknown[] | undefined)?.includes(value[discriminator]);
  });
}

function walk(schema: z.ZodType, value: unknown, keys: PropertyKey[], root: unknown, out: Issue[]): void {
  const inner = unwrap(schema);
  const def = defOf(inner);
  if (value === null || typeof value !== 'object') return;
  if (def.type === 'array' && Array.isArray(value)) {
    for (const [index, item] of value.entries()) walk(def.element as z.ZodType, item, [...keys, index], root, out);
  } else if (def.type === 'union') {
    const option = pickUnionOption(def, value as Record<string, unknown>);
    if (option) walk(option, value, keys, root, out);
  } else if (def.type === 'object' && !Array.isArray(value)) {
    walkObject(def, value as Record<string, unknown>, keys, root, out);
  }
}

function walkObject(def: Def, value: Record<string, unknown>, keys: PropertyKey[], root: unknown, out: Issue[]): void {
  const shape = def.shape as Record<string, z.ZodType>;
  const isLoose = def.catchall !== undefined && defOf(def.catchall).type !== 'never';
  for (const [key, child] of Object.entries(value)) {
    // Own keys only: `toString` or `__proto__` in a manifest are unknown fields, not inherited ones.
    if (Object.hasOwn(shape, key)) walk(shape[key], child, [...keys, key], root, out);
    else if (!isLoose) {
      const path = issuePath(root, [...keys, key]);
      const known = Object.keys(shape).join(', ');
      out.push({ code: 'unknown_field', path, message: `is not a known field (known here: ${known})` });
    }
  }
}

/** Every field of `value` that `schema` does not define. */
export function findUnknownFields(schema: z.ZodType, value: unknown): Issue[] {
  const out: Issue[] = [];
  walk(schema, value, [], value, out);
  return out;
}
