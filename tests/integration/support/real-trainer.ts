/**
 * The set-up shared by the integration tests that run the real trainer under the simulated
 * kubelet: a control plane whose pods run as local processes, a scratch folder outside /tmp,
 * an output PersistentVolumeClaim, and a study spec that trains the bundled tiny model.
 */
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoraStudyInput } from '../../../operator/src/api/study.ts';
import type { ControlPlane } from '../../harness/control-plane.ts';
import { canMountVolumes } from '../../harness/simulated-node/simulated-node.ts';
import { studyGround, type StudyGround } from './cluster.ts';

export const root = fileURLToPath(new URL('../../../', import.meta.url));
export const nodeBinary = join(root, 'node_modules/.bin/node');
export const trainerMain = join(root, 'trainer/src/main.ts');

/** Test options that skip where the simulated node cannot mount the output volume. */
export const needsVolumes = canMountVolumes()
  ? {}
  : { skip: 'the simulated node cannot mount volumes here (needs root and unshare)' };

export interface RealTrainerGround extends StudyGround {
  /** A folder for the test's own files; not under /tmp, where the trial pod mounts an emptyDir. */
  readonly scratch: string;
}

/** A study ground whose pods run as local processes, with a scratch folder removed afterwards. */
export function realTrainerGround(prefix: string): RealTrainerGround {
  const ground = studyGround('process');
  const scratch = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), `lorahpo-${prefix}-`));
  after(() => rmSync(scratch, { recursive: true, force: true }));
  return {
    get cp() {
      return ground.cp;
    },
    scratch,
    startOperator: (namespace, options) => ground.startOperator(namespace, options),
  };
}

/** A ReadWriteMany claim named `name` in `namespace`, for the study's output volume. */
export async function createOutputClaim(cp: ControlPlane, namespace: string, name = 'adapters'): Promise<void> {
  const claim = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name },
    spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Gi' } } },
  };
  const created = await cp.kubectl(['apply', '-n', namespace, '-f', '-'], { input: JSON.stringify(claim) });
  assert.equal(created.code, 0, created.stderr);
}

type StudySpec = Partial<LoraStudyInput['spec']>;

/**
 * A study spec that trains the tiny model on the bundled dataset with the trainer as a local
 * process, writing below `outputDir` on the claim `claimName`.
 */
export function tinyTrainerSpec(
  outputDir: string,
  training: Record<string, unknown>,
  claimName = 'adapters',
): Pick<StudySpec, 'training' | 'trialTemplate' | 'output'> {
  return {
    training: {
      model: join(root, 'examples/tiny/model'),
      dataset: join(root, 'examples/tiny/cncf-qa.jsonl'),
      epochs: 1,
      evalSteps: 2,
      batchSize: 4,
      maxSeqLength: 64,
      backend: 'cpu',
      ...training,
    },
    trialTemplate: {
      image: 'lorahpo-trainer:test',
      command: [nodeBinary, trainerMain],
      env: [{ name: 'LORAHPO_OUTPUT_DIR', value: outputDir }],
    },
    output: { volume: { persistentVolumeClaim: { claimName } } },
  };
}
