/**
 * Generates the CustomResourceDefinitions from the zod schemas: zod → JSON Schema (OpenAPI 3.0
 * flavour) → a structural schema the API server accepts (apiextensions.k8s.io/v1, 1.20 and up).
 * Structural means: a type on every node, no unions, no `additionalProperties` beside
 * `properties`; free-form fragments become x-kubernetes-preserve-unknown-fields. Defaults stay in
 * zod (the engine applies them) and are written into the descriptions instead.
 */
import { z } from 'zod';
import * as yaml from 'js-yaml';
import { API_GROUP, API_VERSION, FREE_FORM } from './common.ts';
import { StudySpecSchema, StudyStatusSchema } from './study.ts';
import { TrialSpecSchema, TrialStatusSchema } from './trial.ts';

type JsonSchema = { [key: string]: unknown };

const SAFE_INTEGER_BOUNDS = new Set([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);

export interface CrdDefinition {
  kind: string;
  plural: string;
  shortName: string;
  description: string;
  spec: z.ZodType;
  status: z.ZodType;
  columns: PrinterColumn[];
}

interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
}

const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

export const CRD_DEFINITIONS: readonly CrdDefinition[] = [
  {
    kind: 'LoraStudy',
    plural: 'lorastudies',
    shortName: 'ls',
    description:
      'A hyperparameter-optimisation study of LoRA fine-tuning: a search space, an objective, a sampler, a pruner and a budget.',
    spec: StudySpecSchema,
    status: StudyStatusSchema,
    columns: [
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      { name: 'Best', type: 'number', jsonPath: '.status.bestTrial.value', description: 'Best objective value so far' },
      { name: 'Trials', type: 'string', jsonPath: '.status.progress', description: 'Finished trials / maxTrials' },
      { name: 'GPU-h', type: 'number', jsonPath: '.status.gpuHours', description: 'GPU-hours the trials have used' },
      { name: 'Reason', type: 'string', jsonPath: '.status.completionReason', priority: 1 },
      AGE,
    ],
  },
  {
    kind: 'LoraTrial',
    plural: 'loratrials',
    shortName: 'lt',
    description: 'One trial of a LoraStudy: the sampled hyperparameters, the objective curve and the outcome.',
    spec: TrialSpecSchema,
    status: TrialStatusSchema,
    columns: [
      { name: 'Study', type: 'string', jsonPath: '.spec.study' },
      { name: 'Number', type: 'integer', jsonPath: '.spec.number' },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      { name: 'Value', type: 'number', jsonPath: '.status.value' },
      // a trial run again after a preemption shows it here (absent: the first attempt)
      {
        name: 'Attempt',
        type: 'integer',
        jsonPath: '.status.attempt',
        description: 'Attempt of the trial now or last run',
      },
      { name: 'Pruned-At', type: 'integer', jsonPath: '.status.prunedAtStep', priority: 1 },
      {
        name: 'GPU-h',
        type: 'number',
        jsonPath: '.status.gpuHours',
        priority: 1,
        description: 'GPU-hours of its ended attempts',
      },
      AGE,
    ],
  },
];

/** The CRD object for one resource. */
export function buildCrd(definition: CrdDefinition): JsonSchema {
  const singular = definition.kind.toLowerCase();
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${definition.plural}.${API_GROUP}` },
    spec: {
      group: API_GROUP,
      names: {
        kind: definition.kind,
        listKind: `${definition.kind}List`,
        plural: definition.plural,
        singular,
        shortNames: [definition.shortName],
        categories: ['lorahpo'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: definition.columns,
          schema: { openAPIV3Schema: resourceSchema(definition) },
        },
      ],
    },
  };
}

function resourceSchema(definition: CrdDefinition): JsonSchema {
  return {
    description: definition.description,
    type: 'object',
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string', description: 'lorahpo.io/v1alpha1' },
      kind: { type: 'string', description: definition.kind },
      metadata: { type: 'object' },
      spec: toStructural(z.toJSONSchema(definition.spec, { target: 'openapi-3.0', io: 'input' }) as JsonSchema),
      status: toStructural(z.toJSONSchema(definition.status, { target: 'openapi-3.0', io: 'input' }) as JsonSchema),
    },
  };
}

/** Rewrites one JSON Schema node (and its children) into structural form. */
export function toStructural(node: JsonSchema): JsonSchema {
  if (node[FREE_FORM] === true) return freeForm(node);
  const union = (node.anyOf ?? node.oneOf) as JsonSchema[] | undefined;
  if (union) return withDescription(mergeUnion(union.map(toStructural)), node);
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$schema' || key === 'default' || key === 'id') continue;
    if ((key === 'maximum' || key === 'minimum') && SAFE_INTEGER_BOUNDS.has(value as number)) continue;
    if (key === 'properties') out.properties = mapValues(value as Record<string, JsonSchema>, toStructural);
    else if (key === 'items') out.items = toStructural(value as JsonSchema);
    else if (key === 'additionalProperties') {
      if (node.properties === undefined && typeof value === 'object')
        out.additionalProperties = additional(value as JsonSchema);
    } else out[key] = value;
  }
  if ('default' in node) out.description = describeDefault(out.description, node.default);
  if (out.type === 'object' && out.properties === undefined && out.additionalProperties === undefined) {
    out['x-kubernetes-preserve-unknown-fields'] = true;
  }
  return out;
}

function additional(value: JsonSchema): JsonSchema {
  return Object.keys(value).length === 0 ? { 'x-kubernetes-preserve-unknown-fields': true } : toStructural(value);
}

function freeForm(node: JsonSchema): JsonSchema {
  const out: JsonSchema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  if (typeof node.description === 'string') out.description = node.description;
  return out;
}

function withDescription(merged: JsonSchema, node: JsonSchema): JsonSchema {
  if (typeof node.description === 'string') merged.description = node.description;
  return merged;
}

/** A union of objects becomes one object; a union of scalars keeps any scalar the user wrote. */
function mergeUnion(branches: JsonSchema[]): JsonSchema {
  if (!branches.every((branch) => branch.type === 'object' && branch.properties)) {
    return { 'x-kubernetes-preserve-unknown-fields': true };
  }
  const properties: Record<string, JsonSchema> = {};
  for (const branch of branches) {
    for (const [name, schema] of Object.entries(branch.properties as Record<string, JsonSchema>)) {
      properties[name] = name in properties ? mergeProperty(properties[name], schema) : schema;
    }
  }
  const requiredSets = branches.map((branch) => new Set((branch.required as string[] | undefined) ?? []));
  const required = [...requiredSets[0]].filter((name) => requiredSets.every((set) => set.has(name)));
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
}

/** Two branches' versions of one field: keep only what both allow. */
function mergeProperty(a: JsonSchema, b: JsonSchema): JsonSchema {
  if (JSON.stringify(a) === JSON.stringify(b)) return a;
  const numeric = new Set(['number', 'integer']);
  const type =
    a.type === b.type ? a.type : numeric.has(a.type as string) && numeric.has(b.type as string) ? 'number' : undefined;
  if (type === undefined) return { 'x-kubernetes-preserve-unknown-fields': true };
  const out: JsonSchema = { type };
  const description = a.description ?? b.description;
  if (description !== undefined) out.description = description;
  if (Array.isArray(a.enum) && Array.isArray(b.enum)) out.enum = [...new Set([...a.enum, ...b.enum])];
  if (type === 'array' && a.items && b.items) out.items = mergeProperty(a.items as JsonSchema, b.items as JsonSchema);
  return out;
}

function describeDefault(description: unknown, value: unknown): string {
  const text = typeof description === 'string' ? description.replace(/\s*\(default[^)]*\)\.?$/, '') : '';
  const sentence = `Default: ${JSON.stringify(value)}.`;
  return text ? `${text.endsWith('.') ? text : `${text}.`} ${sentence}` : sentence;
}

function mapValues<T, U>(record: Record<string, T>, fn: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, fn(value)]));
}

/** File name under crds/ for one definition, as controller-gen names them. */
export function crdFileName(definition: CrdDefinition): string {
  return `${API_GROUP}_${definition.plural}.yaml`;
}

const HEADER = '# Generated by `npm run crds` from operator/src/api/*.ts. Do not edit by hand.\n';

/** The YAML text of one CRD file. */
export function renderCrd(definition: CrdDefinition): string {
  return HEADER + yaml.dump(buildCrd(definition), { lineWidth: -1, noRefs: true, sortKeys: false });
}

/** Every CRD as one multi-document YAML stream (what `lorahpo crds` prints). */
export function renderAllCrds(): string {
  return CRD_DEFINITIONS.map((definition) => renderCrd(definition)).join('---\n');
}
