import { test } from 'node:test';
import assert from 'node:assert/strict';
import ts from 'typescript';
import { findCycles, importsOf, listTsFiles, readSource, type ImportEdge } from './import-graph.ts';
import {
  PURE_AREAS,
  benchViolation,
  boundaryViolation,
  layerViolation,
  operatorArea,
  purityViolation,
} from './rules.ts';

const production = [...listTsFiles('operator/src'), ...listTsFiles('trainer/src')];
const edgesOf = (files: readonly string[]) => files.flatMap((file) => importsOf(file));

/** One line per offending edge, under a header that says the rule; empty when none. */
function report(header: string, offences: readonly string[]): string {
  return offences.length === 0 ? '' : [header, ...offences.map((line) => `  ${line}`)].join('\n');
}

function offences(edges: readonly ImportEdge[], rule: (edge: ImportEdge) => string | undefined): string[] {
  return edges.flatMap((edge) => {
    const why = rule(edge);
    const type = edge.isTypeOnly ? ' (type-only)' : '';
    return why === undefined ? [] : [`${edge.from} → ${edge.to ?? edge.specifier}${type}: ${why}`];
  });
}

test('architecture › no file-level import cycles in operator/src and trainer/src (type-only imports count)', () => {
  const graph = new Map<string, string[]>();
  for (const file of production)
    graph.set(
      file,
      importsOf(file).flatMap((edge) => (edge.to ? [edge.to] : [])),
    );
  const cycles = findCycles(graph).map((cycle) => cycle.join(' → '));
  assert.equal(report('import cycles:', cycles), '');
});

test('architecture › operator layers: each area imports only the layers below it', () => {
  const found = offences(edgesOf(production), layerViolation);
  assert.equal(report('imports against the layers (docs/architecture.md):', found), '');
});

test('architecture › the trainer never imports the operator; the operator only trainer/src/contract/', () => {
  const found = offences(edgesOf(production), boundaryViolation);
  assert.equal(report('imports across the operator/trainer boundary:', found), '');
});

test('architecture › production code imports no bench/, tests/ or fixture generator', () => {
  const found = offences(edgesOf(production), benchViolation);
  assert.equal(report('production imports of bench or test code:', found), '');
});

const IMPURE_CALLS = new Set(['Date.now', 'Math.random', 'performance.now']);

/** `Date.now`, `Math.random`, `performance.now` and `new Date()` with no argument: the clock and ambient randomness. */
function impureCalls(file: string): string[] {
  const source = readSource(file);
  const found: string[] = [];
  const at = (node: ts.Node) => `${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
      const name = `${node.expression.text}.${node.name.text}`;
      if (IMPURE_CALLS.has(name)) found.push(`${at(node)}: ${name}`);
    }
    const isDate = ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Date';
    if (isDate && (node.arguments?.length ?? 0) === 0) {
      found.push(`${at(node)}: new Date()`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const pureTitle = `architecture › ${PURE_AREAS.join(', ')} stay pure: no Node or Kubernetes imports, no clock, no Math.random`;

test(pureTitle, () => {
  const pure = production.filter((file) => (PURE_AREAS as readonly string[]).includes(operatorArea(file) ?? ''));
  assert.ok(pure.length > 20, `expected the pure areas' files, found ${pure.length}`);
  const found = [...offences(edgesOf(pure), purityViolation), ...pure.flatMap(impureCalls)];
  assert.equal(report('impure code in the pure areas:', found), '');
});
