import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIELD_MANAGER, statusApplyBody } from '../../../operator/src/controller/status-apply.ts';

test('status apply › sends identity, resourceVersion and status only: no spec, labels or managedFields', () => {
  const study = {
    apiVersion: 'lorahpo.io/v1alpha1',
    kind: 'LoraStudy',
    metadata: {
      name: 's',
      namespace: 'ns',
      resourceVersion: '42',
      generation: 3,
      labels: { a: 'b' },
      managedFields: [{ manager: 'kubectl' }],
    },
    spec: { training: { epochs: 3 } },
    status: { phase: 'Running', observedGeneration: 3 },
  };
  assert.deepEqual(statusApplyBody('LoraStudy', study), {
    apiVersion: 'lorahpo.io/v1alpha1',
    kind: 'LoraStudy',
    metadata: { name: 's', namespace: 'ns', resourceVersion: '42' },
    status: { phase: 'Running', observedGeneration: 3 },
  });
  assert.equal(FIELD_MANAGER, 'lorahpo-operator');
});

test('status apply › fills apiVersion and kind (cached objects may lack them) and leaves out an unknown resourceVersion', () => {
  const body = statusApplyBody('LoraTrial', {
    metadata: { name: 't-0', namespace: 'ns' },
    status: { phase: 'Pending' },
  });
  assert.deepEqual(body, {
    apiVersion: 'lorahpo.io/v1alpha1',
    kind: 'LoraTrial',
    metadata: { name: 't-0', namespace: 'ns' },
    status: { phase: 'Pending' },
  });
});

test('status apply › refuses an object without a name or namespace', () => {
  assert.throws(
    () => statusApplyBody('LoraStudy', { metadata: { name: 's' }, status: {} }),
    /LoraStudy status apply needs metadata.name and metadata.namespace/,
  );
});
