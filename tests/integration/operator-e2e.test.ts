/**
 * Against a real cluster, only when LORAHPO_E2E_KUBECONFIG names its kubeconfig (with the CRDs
 * installed and the operator running there, e.g. from the Helm chart). A two-trial study with a
 * trainer image that keeps the contract (LORAHPO_E2E_IMAGE, default lorahpo-trainer:0.1.0) must
 * finish. Skips with a message otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';

const kubeconfig = process.env.LORAHPO_E2E_KUBECONFIG;
const skip = kubeconfig
  ? false
  : 'set LORAHPO_E2E_KUBECONFIG to a cluster with the lorahpo CRDs and operator installed to run the end-to-end suite';

test('e2e › a two-trial study finishes on a real cluster', { skip, timeout: 30 * 60_000 }, async () => {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig as string);
  const namespace = `lorahpo-e2e-${Date.now().toString(36)}`;
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  try {
    await custom.createNamespacedCustomObject({
      group: 'lorahpo.io',
      version: 'v1alpha1',
      namespace,
      plural: 'lorastudies',
      body: {
        apiVersion: 'lorahpo.io/v1alpha1',
        kind: 'LoraStudy',
        metadata: { name: 'e2e' },
        spec: {
          objective: { metric: 'eval_loss', direction: 'minimize' },
          parameters: [{ name: 'learningRate', type: 'float', min: 1e-4, max: 1e-2, log: true }],
          budget: { maxTrials: 2, parallelTrials: 2 },
          training: {
            model: process.env.LORAHPO_E2E_MODEL ?? '/models/tiny',
            dataset: process.env.LORAHPO_E2E_DATASET ?? '/data/cncf-qa.jsonl',
            epochs: 1,
            maxSteps: 4,
          },
          trialTemplate: { image: process.env.LORAHPO_E2E_IMAGE ?? 'lorahpo-trainer:0.1.0' },
        },
      },
    });
    const deadline = Date.now() + 25 * 60_000;
    let phase: string | undefined;
    while (Date.now() < deadline) {
      const study = (await custom.getNamespacedCustomObject({
        group: 'lorahpo.io',
        version: 'v1alpha1',
        namespace,
        plural: 'lorastudies',
        name: 'e2e',
      })) as { status?: { phase?: string } };
      phase = study.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') break;
      await new Promise((resolve) => setTimeout(resolve, 5000));
    }
    assert.equal(phase, 'Succeeded');
  } finally {
    await core.deleteNamespace({ name: namespace });
  }
});
