/**
 * Who may import whom (docs/architecture.md). Each rule is a function of one edge, so a violation
 * is reported as the edge itself: `operator/src/api/study.ts → operator/src/sampler/grid.ts`.
 */
import { isBuiltin } from 'node:module';
import type { ImportEdge } from './import-graph.ts';

/**
 * The operator's layers, lowest first. A file imports its own area or a lower layer, never a
 * higher one nor another area of its own layer (sampler and pruner know nothing of each other).
 * A file directly in operator/src/ is an area of its own, named after the file; index.ts is the
 * package surface and may import anything.
 */
export const OPERATOR_LAYERS: readonly (readonly string[])[] = [
  ['version', 'timer-delay'],
  ['errors'],
  ['api'],
  ['trial-record'],
  ['sampler', 'pruner'],
  ['engine', 'study', 'report'],
  ['controller', 'runner'],
  ['cli'],
  ['index'],
];

/** Areas that must stay pure: no Node, no Kubernetes, no clock, no ambient randomness. */
export const PURE_AREAS = ['engine', 'sampler', 'pruner', 'study'] as const;

/** The one production entry allowed to use the fixture generator: the fixture CLI itself. */
const FIXTURE_DIR = 'trainer/src/fixture/';

/** The area of a project file: `api` for operator/src/api/…, `errors` for operator/src/errors.ts. */
export function operatorArea(file: string): string | undefined {
  const match = /^operator\/src\/(.+)$/.exec(file);
  if (!match) return undefined;
  const parts = match[1]!.split('/');
  return parts.length > 1 ? parts[0] : parts[0]!.replace(/\.ts$/, '');
}

function layerOf(area: string): number {
  return OPERATOR_LAYERS.findIndex((layer) => layer.includes(area));
}

function allowedBelow(area: string): string[] {
  return OPERATOR_LAYERS.slice(0, Math.max(0, layerOf(area))).flat();
}

/** Why an operator → operator edge breaks the layers, or undefined when it keeps them. */
export function layerViolation(edge: ImportEdge): string | undefined {
  const from = operatorArea(edge.from);
  const to = edge.to === undefined ? undefined : operatorArea(edge.to);
  if (from === undefined || to === undefined || from === to) return undefined;
  if (layerOf(from) < 0) return `${from} is not in OPERATOR_LAYERS (add it to tests/architecture/rules.ts)`;
  if (layerOf(to) < 0) return `${to} is not in OPERATOR_LAYERS (add it to tests/architecture/rules.ts)`;
  if (layerOf(to) < layerOf(from)) return undefined;
  const allowed = allowedBelow(from);
  return `${from} may import ${allowed.length === 0 ? 'no other area' : `only ${allowed.join(', ')}`}, not ${to}`;
}

const isProduction = (file: string) => file.startsWith('operator/src/') || file.startsWith('trainer/src/');

/** Why an edge crosses the operator/trainer boundary wrongly, or undefined. */
export function boundaryViolation(edge: ImportEdge): string | undefined {
  const { from, to } = edge;
  if (to === undefined) return undefined;
  if (from.startsWith('trainer/src/') && to.startsWith('operator/')) {
    return 'the trainer never imports the operator (what both need lives in trainer/src/contract/)';
  }
  if (from.startsWith('trainer/src/contract/') && !to.startsWith('trainer/src/contract/'))
    return 'trainer/src/contract/ imports only itself';
  if (from.startsWith('operator/src/') && to.startsWith('trainer/') && !to.startsWith('trainer/src/contract/')) {
    return 'the operator imports only trainer/src/contract/ of the trainer';
  }
  return undefined;
}

/** Why a production file imports bench or test code, or undefined. */
export function benchViolation(edge: ImportEdge): string | undefined {
  const { from, to } = edge;
  if (to === undefined || !isProduction(from)) return undefined;
  if (to.startsWith('bench/') || to.startsWith('tests/')) return 'production code never imports bench/ or tests/';
  if (to.startsWith(FIXTURE_DIR) && !from.startsWith(FIXTURE_DIR))
    return 'only the fixture CLI uses trainer/src/fixture/ (bench and tests may)';
  return undefined;
}

/** Why an import of a package breaks purity in a pure area, or undefined. */
export function purityViolation(edge: ImportEdge): string | undefined {
  const area = operatorArea(edge.from);
  if (area === undefined || !(PURE_AREAS as readonly string[]).includes(area) || edge.to !== undefined)
    return undefined;
  if (edge.specifier.startsWith('node:') || isBuiltin(edge.specifier)) return `${area}/ imports nothing from Node`;
  if (edge.specifier.startsWith('@kubernetes/')) return `${area}/ imports nothing from Kubernetes`;
  return undefined;
}
