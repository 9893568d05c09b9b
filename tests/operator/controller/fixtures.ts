/** Study and trial objects for the controller's unit tests, parsed through the real schemas. */
import { LoraStudySchema, type LoraStudy, type LoraStudyInput } from '../../../operator/src/api/study.ts';
import { LoraTrialSchema, type LoraTrial } from '../../../operator/src/api/trial.ts';

export function studyFixture(overrides: Partial<LoraStudyInput['spec']> = {}, name = 'qa'): LoraStudy {
  return LoraStudySchema.parse({
    apiVersion: 'lorahpo.io/v1alpha1',
    kind: 'LoraStudy',
    metadata: { name, namespace: 'team-a', uid: 'study-uid', generation: 1 },
    spec: {
      objective: { metric: 'eval_loss', direction: 'minimize' },
      parameters: [
        { name: 'learningRate', type: 'float', min: 1e-5, max: 1e-3, log: true },
        { name: 'loraR', type: 'categorical', values: [8, 16] },
      ],
      budget: { maxTrials: 4, parallelTrials: 2 },
      training: { model: '/models/base', dataset: '/data/qa.jsonl' },
      ...overrides,
    },
  });
}

export function trialFixture(
  study: LoraStudy,
  number: number,
  params: Record<string, unknown> = { learningRate: 1e-4, loraR: 8 },
): LoraTrial {
  return LoraTrialSchema.parse({
    apiVersion: 'lorahpo.io/v1alpha1',
    kind: 'LoraTrial',
    metadata: {
      name: `${study.metadata.name}-${number}`,
      namespace: study.metadata.namespace,
      uid: `trial-uid-${number}`,
    },
    spec: { study: study.metadata.name, number, params, seed: 1000 + number },
  });
}
