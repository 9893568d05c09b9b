import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findCycles, type ImportEdge } from './import-graph.ts';
import { benchViolation, boundaryViolation, layerViolation, purityViolation } from './rules.ts';

const edge = (from: string, to: string, isTypeOnly = false): ImportEdge => ({ from, specifier: to, to, isTypeOnly });
const external = (from: string, specifier: string): ImportEdge => ({ from, specifier, isTypeOnly: false });

test('architecture rules › a higher layer, or a neighbour in the same layer, is refused', () => {
  assert.equal(layerViolation(edge('operator/src/sampler/grid.ts', 'operator/src/api/grid-space.ts')), undefined);
  assert.equal(layerViolation(edge('operator/src/cli/main.ts', 'operator/src/controller/operator.ts')), undefined);
  const upward = layerViolation(edge('operator/src/api/study.ts', 'operator/src/sampler/sampler.ts', true));
  assert.match(upward ?? '', /api may import only .*not sampler/);
  assert.match(
    layerViolation(edge('operator/src/pruner/pruner.ts', 'operator/src/sampler/rng.ts')) ?? '',
    /not sampler/,
  );
  assert.match(
    layerViolation(edge('operator/src/engine/plan.ts', 'operator/src/runner/journal.ts')) ?? '',
    /not runner/,
  );
  assert.match(
    layerViolation(edge('operator/src/errors.ts', 'operator/src/trial-record.ts')) ?? '',
    /not trial-record/,
  );
  assert.match(
    layerViolation(edge('operator/src/newarea/x.ts', 'operator/src/api/study.ts')) ?? '',
    /not in OPERATOR_LAYERS/,
  );
});

test('architecture rules › trainer and operator meet only in trainer/src/contract/', () => {
  assert.match(
    boundaryViolation(edge('trainer/src/main.ts', 'operator/src/errors.ts')) ?? '',
    /never imports the operator/,
  );
  assert.match(
    boundaryViolation(edge('operator/src/runner/x.ts', 'trainer/src/io/reporter.ts')) ?? '',
    /only trainer\/src\/contract/,
  );
  assert.match(
    boundaryViolation(edge('trainer/src/contract/env.ts', 'trainer/src/rng.ts')) ?? '',
    /imports only itself/,
  );
  assert.equal(boundaryViolation(edge('operator/src/api/study.ts', 'trainer/src/contract/training.ts')), undefined);
});

test('architecture rules › bench and fixture code stay out of production modules', () => {
  assert.match(
    benchViolation(edge('trainer/src/parallel/grad-worker.ts', 'trainer/src/fixture/make-tiny-fixture.ts')) ?? '',
    /fixture CLI/,
  );
  assert.match(benchViolation(edge('operator/src/cli/main.ts', 'bench/sampler/stats.ts')) ?? '', /never imports bench/);
  assert.equal(
    benchViolation(edge('trainer/src/fixture/make-tiny-fixture.ts', 'trainer/src/fixture/bpe-trainer.ts')),
    undefined,
  );
  assert.equal(
    benchViolation(edge('bench/trainer/bench-model.ts', 'trainer/src/fixture/make-tiny-fixture.ts')),
    undefined,
  );
});

test('architecture rules › pure areas import nothing from Node or Kubernetes', () => {
  assert.match(purityViolation(external('operator/src/engine/plan.ts', 'node:crypto')) ?? '', /nothing from Node/);
  assert.match(purityViolation(external('operator/src/study/study.ts', 'fs')) ?? '', /nothing from Node/);
  assert.match(purityViolation(external('operator/src/pruner/x.ts', '@kubernetes/client-node')) ?? '', /Kubernetes/);
  assert.equal(purityViolation(external('operator/src/sampler/x.ts', 'zod')), undefined);
  assert.equal(purityViolation(external('operator/src/runner/x.ts', 'node:fs')), undefined);
});

test('architecture rules › cycles are found, self-loops included, one per tangle', () => {
  const graph = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a']],
    ['d', ['d']],
    ['e', ['a']],
  ]);
  assert.deepEqual(findCycles(graph), [
    ['a', 'b', 'c', 'a'],
    ['d', 'd'],
  ]);
  assert.deepEqual(
    findCycles(
      new Map([
        ['a', ['b']],
        ['b', []],
      ]),
    ),
    [],
  );
});
