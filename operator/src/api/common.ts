/**
 * Pieces both resources share: the API group and version, object metadata, conditions, and the
 * "anything Kubernetes accepts here" fragments the CRD generator turns into
 * x-kubernetes-preserve-unknown-fields.
 */
import { z } from 'zod';

export const API_GROUP = 'lorahpo.io';
export const API_VERSION = 'v1alpha1';
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;

/** Marks a zod schema as a free-form Kubernetes fragment (PodSpec pieces, params). */
export const FREE_FORM = 'x-lorahpo-free-form';

/** A free-form object: kept as is by the API server, not checked by us. */
export function freeFormObject(description: string) {
  return z
    .record(z.string(), z.unknown())
    .describe(description)
    .meta({ [FREE_FORM]: true });
}

/** A list of free-form objects (tolerations, volumes, env entries). */
export function freeFormList(description: string) {
  return z.array(z.record(z.string(), z.unknown()).meta({ [FREE_FORM]: true })).describe(description);
}

export const ObjectMetaSchema = z
  .looseObject({
    name: z
      .string()
      .min(1)
      .max(63)
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label: lower-case letters, digits and -')
      .optional(),
    namespace: z.string().optional(),
    generation: z.number().int().optional(),
    resourceVersion: z.string().optional(),
    uid: z.string().optional(),
    creationTimestamp: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .describe('Standard object metadata.');
export type ObjectMeta = z.infer<typeof ObjectMetaSchema>;

export const ConditionSchema = z.object({
  type: z.string().describe('Valid, Running or Complete.'),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().describe('One CamelCase word for machines.'),
  message: z.string().default('').describe('What happened, for people.'),
  lastTransitionTime: z.string().describe('When status last changed (RFC 3339).'),
  observedGeneration: z.number().int().optional().describe('The spec generation this condition was computed from.'),
});
export type Condition = z.infer<typeof ConditionSchema>;

/** Kubernetes-style duration: `90s`, `45m`, `24h`, `1h30m`, `2d`. */
export const DURATION_PATTERN = /^(\d+(\.\d+)?(ms|s|m|h|d))+$/;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds in a duration string; NaN when it does not parse. */
export function parseDurationMs(text: string): number {
  if (!DURATION_PATTERN.test(text)) return Number.NaN;
  let total = 0;
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(match[1]) * UNIT_MS[match[2]];
  return total;
}
