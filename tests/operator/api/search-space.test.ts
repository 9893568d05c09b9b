import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSearchSpace, parseSearchSpace } from '../../../operator/src/api/search-space.ts';
import { formatIssue } from '../../../trainer/src/contract/format-issue.ts';
import { SpecInvalidError } from '../../../operator/src/errors.ts';
import type { ParameterInput } from '../../../operator/src/api/parameters.ts';

const lr = (over: object) =>
  ({ name: 'learningRate', type: 'float', min: 1e-3, max: 1e-2, log: true, ...over }) as ParameterInput;

function only(space: unknown[]): { path: string; message: string } {
  const issues = checkSearchSpace(space as ParameterInput[]);
  assert.equal(issues.length, 1, JSON.stringify(issues));
  return { path: issues[0].path, message: issues[0].message };
}

test('search space › a valid space has no issues', () => {
  const issues = checkSearchSpace([
    lr({}),
    { name: 'rank', type: 'int', min: 8, max: 64, step: 8 },
    { name: 'dropout', type: 'float', min: 0, max: 0.1, step: 0.01 },
    { name: 'layers', type: 'int', min: 1, max: 32, log: true },
    { name: 'scheduler', type: 'categorical', values: ['cosine', 'linear', true, 3] },
  ]);
  assert.deepEqual(issues, []);
});

test('search space › max not above min names the path and both values', () => {
  assert.deepEqual(only([lr({ max: 1e-5 })]), {
    path: 'parameters[learningRate].max',
    message: 'max is 1e-5 but must be > min (0.001)',
  });
  assert.equal(only([{ name: 'r', type: 'int', min: 4, max: 4 }]).message, 'max is 4 but must be > min (4)');
});

test('search space › log needs min > 0', () => {
  assert.deepEqual(only([lr({ min: 0 })]), {
    path: 'parameters[learningRate].min',
    message: 'min is 0 but must be > 0 when log is true',
  });
});

test('search space › step must divide max - min, within float tolerance', () => {
  assert.deepEqual(only([{ name: 'clip', type: 'float', min: 0.1, max: 0.5, step: 0.3 }]), {
    path: 'parameters[clip].step',
    message: 'step is 0.3 but must divide max - min (0.4)',
  });
  assert.deepEqual(checkSearchSpace([{ name: 'clip', type: 'float', min: 0.1, max: 0.7, step: 0.1 }]), []);
  assert.equal(only([{ name: 'r', type: 'int', min: 0, max: 10, step: 3 }]).path, 'parameters[r].step');
});

test('search space › int log with step other than 1 and float log with a step are refused', () => {
  assert.deepEqual(only([{ name: 'r', type: 'int', min: 2, max: 64, log: true, step: 2 }]), {
    path: 'parameters[r].step',
    message: 'step is 2 but must be 1 when log is true (a log int parameter takes every integer)',
  });
  assert.equal(only([lr({ step: 1e-3 })]).message, 'step is 0.001 but a float with log: true cannot have a step');
});

test('search space › categorical values must be non-empty and unique', () => {
  assert.equal(only([{ name: 's', type: 'categorical', values: [] }]).path, 'parameters[s].values');
  assert.deepEqual(only([{ name: 's', type: 'categorical', values: [16, 32, 16, 'a', 'a'] }]), {
    path: 'parameters[s].values',
    message: 'values repeat 16, "a" but must be unique',
  });
  assert.deepEqual(checkSearchSpace([{ name: 's', type: 'categorical', values: [1, '1', true, 'true'] }]), []);
});

test('search space › names must be unique', () => {
  assert.deepEqual(only([lr({}), lr({})]), {
    path: 'parameters[1].name',
    message: 'name is "learningRate" but must be unique (also used by parameters[0])',
  });
});

test('search space › structural problems are issues, not throws, and every issue is reported at once', () => {
  const issues = checkSearchSpace(
    [
      { name: 'a', type: 'float', min: 'x', max: 1 },
      { type: 'int', min: 0, max: 1 },
      lr({ min: -1, max: -2 }),
      { name: 'b', type: 'weird' },
    ] as unknown as ParameterInput[],
    'spec.parameters',
  );
  const paths = issues.map((issue) => issue.path);
  assert.ok(paths.includes('spec.parameters[a].min'), paths.join());
  assert.ok(paths.includes('spec.parameters[1].name'), paths.join());
  assert.ok(paths.includes('spec.parameters[learningRate].max'), paths.join());
  assert.ok(paths.includes('spec.parameters[learningRate].min'), paths.join());
  assert.ok(
    paths.some((path) => path.startsWith('spec.parameters[b]')),
    paths.join(),
  );
  const lines = issues.map(formatIssue);
  assert.ok(lines.includes('spec.parameters[a].min is "x" but must be a number'), lines.join('\n'));
  assert.ok(
    lines.includes('spec.parameters[b].type is "weird" but must be one of "float", "int", "categorical"'),
    lines.join('\n'),
  );
  assert.deepEqual(
    checkSearchSpace('nope' as never).map((i) => i.path),
    ['parameters'],
  );
  assert.deepEqual(
    checkSearchSpace([]).map((i) => i.code),
    ['space_empty'],
  );
});

test('search space › parseSearchSpace throws SpecInvalidError with every issue and applies defaults', () => {
  assert.throws(
    () => parseSearchSpace([lr({ max: 1e-5 }), { name: 'r', type: 'int', min: 0, max: 10, step: 3 }]),
    (error) => {
      assert.ok(error instanceof SpecInvalidError);
      assert.equal(error.code, 'LORAHPO_SEARCH_SPACE_INVALID');
      assert.equal(error.issues.length, 2);
      assert.equal(
        error.message,
        [
          'search space is invalid:',
          '  parameters[learningRate].max is 1e-5 but must be > min (0.001)',
          '  parameters[r].step is 3 but must divide max - min (10)',
        ].join('\n'),
      );
      return true;
    },
  );
  const [parsed] = parseSearchSpace([{ name: 'r', type: 'int', min: 0, max: 10 }]);
  assert.deepEqual(parsed, { name: 'r', type: 'int', min: 0, max: 10, log: false, step: 1 });
});
