/**
 * The real trainer under the simulated kubelet: each trial pod runs trainer/src/main.ts as a
 * local process on the bundled tiny model and dataset, through the trainer contract only. One
 * short study runs end to end and the best trial's adapter files exist.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ControlPlane } from '../harness/control-plane.ts';
import {
  createNamespace,
  createStudy,
  readTrials,
  startCluster,
  startOperator,
  studyFinished,
  studyManifest,
  type RunningOperator,
} from './support/cluster.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
let cp: ControlPlane;
let operator: RunningOperator | undefined;
const outputBase = mkdtempSync(join(tmpdir(), 'lorahpo-adapters-'));

before(async () => {
  cp = await startCluster('process');
});

after(async () => {
  await operator?.stop();
  await cp?.stop();
  rmSync(outputBase, { recursive: true, force: true });
});

test('operator › runs the real trainer on the tiny model end to end; the best adapter is saved', async () => {
  const namespace = await createNamespace(cp, 'real-trainer');
  operator = startOperator(cp, namespace);
  await createStudy(
    cp,
    studyManifest('tiny', namespace, {
      parameters: [
        { name: 'learningRate', type: 'float', min: 1e-3, max: 1e-2, log: true },
        { name: 'loraR', type: 'categorical', values: [4, 8] },
      ],
      budget: { maxTrials: 2, parallelTrials: 2 },
      training: {
        model: join(root, 'examples/tiny/model'),
        dataset: join(root, 'examples/tiny/cncf-qa.jsonl'),
        epochs: 1,
        maxSteps: 4,
        evalSteps: 2,
        batchSize: 4,
        maxSeqLength: 64,
        backend: 'cpu',
      },
      trialTemplate: {
        image: 'lorahpo-trainer:test',
        command: [join(root, 'node_modules/.bin/node'), join(root, 'trainer/src/main.ts')],
        env: [{ name: 'LORAHPO_OUTPUT_DIR', value: outputBase }],
      },
    }),
  );
  const study = await studyFinished(cp, namespace, 'tiny', 300_000);
  const trials = await readTrials(cp, namespace);
  assert.equal(study.status?.phase, 'Succeeded', JSON.stringify(trials.map((t) => t.status?.message)));
  assert.equal(trials.length, 2);
  for (const trial of trials)
    assert.ok(
      (trial.status?.intermediateValues.length ?? 0) > 0,
      `${trial.metadata.name} reported eval_loss from its log`,
    );
  const best = study.status?.bestTrial;
  assert.ok(best, 'a best trial');
  const adapterDir = best.adapterPath ?? join(outputBase, best.name);
  assert.ok(adapterDir.startsWith(outputBase), `adapter under the output base: ${adapterDir}`);
  assert.ok(existsSync(join(adapterDir, 'adapter_model.safetensors')), `adapter_model.safetensors in ${adapterDir}`);
  assert.ok(existsSync(join(adapterDir, 'adapter_config.json')));
});
