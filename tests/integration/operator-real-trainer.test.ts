/**
 * The real trainer under the simulated kubelet: each trial pod runs trainer/src/main.ts as a
 * local process on the bundled tiny model and dataset, through the trainer contract only. One
 * short study runs end to end with its output on a PersistentVolumeClaim, and the best trial's
 * adapter files are on that volume, where status says, after every trial pod is gone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createNamespace, createStudy, readTrials, studyFinished, studyManifest } from './support/cluster.ts';
import { createOutputClaim, needsVolumes, realTrainerGround, tinyTrainerSpec } from './support/real-trainer.ts';

const ground = realTrainerGround('adapters');
const outputBase = ground.scratch;

test(
  'operator › runs the real trainer on the tiny model; the best adapter stays on the output PVC',
  needsVolumes,
  async () => {
    const { cp } = ground;
    const namespace = await createNamespace(cp, 'real-trainer');
    await createOutputClaim(cp, namespace);
    ground.startOperator(namespace);
    await createStudy(
      cp,
      studyManifest('tiny', namespace, {
        parameters: [
          { name: 'learningRate', type: 'float', min: 1e-3, max: 1e-2, log: true },
          { name: 'loraR', type: 'categorical', values: [4, 8] },
        ],
        budget: { maxTrials: 2, parallelTrials: 2 },
        ...tinyTrainerSpec(outputBase, { maxSteps: 4 }),
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
    assert.equal(best.adapterPath, join(outputBase, best.name), 'the trainer saved it below the output base');
    assert.equal(best.adapterVolume, 'persistentVolumeClaim/adapters');
    assert.equal(best.adapterVolumePath, best.name);
    const kept = study.status?.conditions.find((c) => c.type === 'AdaptersKept');
    assert.equal(kept?.status, 'True', kept?.message);
    const deleted = await cp.kubectl(['delete', 'pods', '-n', namespace, '-l', 'lorahpo.io/study=tiny', '--wait=true']);
    assert.equal(deleted.code, 0, deleted.stderr);
    const pods = await cp.kubectl(['get', 'pods', '-n', namespace, '-o', 'name']);
    assert.equal(pods.stdout.trim(), '', 'every trial pod is gone');
    const adapterDir = join(cp.node?.claimPath(namespace, 'adapters') ?? '', best.adapterVolumePath ?? '');
    assert.ok(existsSync(join(adapterDir, 'adapter_model.safetensors')), `adapter_model.safetensors in ${adapterDir}`);
    assert.ok(existsSync(join(adapterDir, 'adapter_config.json')));
    assert.deepEqual(readdirSync(outputBase), [], 'nothing landed on the container filesystem under the base');
  },
);
