/**
 * The real trainer under the simulated kubelet: each trial pod runs trainer/src/main.ts as a
 * local process on the bundled tiny model and dataset, through the trainer contract only. One
 * short study runs end to end with its output on a PersistentVolumeClaim, and the best trial's
 * adapter files are on that volume, where status says, after every trial pod is gone.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ControlPlane } from '../harness/control-plane.ts';
import { canMountVolumes } from '../harness/simulated-node/simulated-node.ts';
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
// Not under /tmp: the trial pod mounts an emptyDir there.
const outputBase = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'lorahpo-adapters-'));

before(async () => {
  cp = await startCluster('process');
});

after(async () => {
  await operator?.stop();
  await cp?.stop();
  rmSync(outputBase, { recursive: true, force: true });
});

const volumes = canMountVolumes()
  ? {}
  : { skip: 'the simulated node cannot mount volumes here (needs root and unshare)' };

test(
  'operator › runs the real trainer on the tiny model; the best adapter stays on the output PVC',
  volumes,
  async () => {
    const namespace = await createNamespace(cp, 'real-trainer');
    const claim = {
      metadata: { name: 'adapters' },
      spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Gi' } } },
    };
    const created = await cp.kubectl(['apply', '-n', namespace, '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', ...claim }),
    });
    assert.equal(created.code, 0, created.stderr);
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
        output: { volume: { persistentVolumeClaim: { claimName: 'adapters' } } },
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
