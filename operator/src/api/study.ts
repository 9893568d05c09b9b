/**
 * The LoraStudy resource (lorahpo.io/v1alpha1): the one manifest a user writes, for a cluster or
 * for `lorahpo run`. Only `objective` and `parameters` are required. These schemas are the source
 * of the TypeScript types, of `lorahpo validate` and of crds/lorahpo.io_lorastudies.yaml.
 */
import { z } from 'zod';
import { ParameterSchema } from './parameters.ts';
import { SamplerSpecSchema } from './sampler-spec.ts';
import { WarmStartSpecSchema, WarmStartStatusSchema } from './warm-start.ts';
import {
  defaultHyperbandOptions,
  defaultPatientOptions,
  defaultPercentileOptions,
  defaultSuccessiveHalvingOptions,
} from './pruner-defaults.ts';
import { DIRECTIONS, EarlyStoppingSchema, TrainingSettingsSchema } from '../../../trainer/src/contract/training.ts';
import {
  API_GROUP_VERSION,
  ConditionSchema,
  DURATION_PATTERN,
  ObjectMetaSchema,
  freeFormList,
  freeFormObject,
} from './common.ts';

export { DIRECTIONS, type Direction } from '../../../trainer/src/contract/training.ts';

export const ObjectiveSchema = z
  .object({
    metric: z
      .string()
      .min(1)
      .default('eval_loss')
      .describe('Metric name the trainer reports (metric lines and the result).'),
    direction: z.enum(DIRECTIONS).default('minimize'),
    goal: z.number().optional().describe('Finish the study (GoalReached) once a trial reaches this value.'),
  })
  .describe('What to optimise.');

export const PRUNER_ALGORITHMS = ['none', 'median', 'percentile', 'asha', 'hyperband', 'threshold', 'patient'] as const;

const percentileDefaults = defaultPercentileOptions();
const ashaDefaults = defaultSuccessiveHalvingOptions();
const hyperbandDefaults = defaultHyperbandOptions();
const patientDefaults = defaultPatientOptions();

const prunerOptions = {
  startupTrials: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe(
      `median/percentile: completed trials before pruning starts (default ${percentileDefaults.startupTrials}).`,
    ),
  warmupSteps: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe(
      `median/percentile/threshold: steps before a trial can be pruned (default ${percentileDefaults.warmupSteps}).`,
    ),
  intervalSteps: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(`median/percentile/threshold: check every N steps (default ${percentileDefaults.intervalSteps}).`),
  minTrials: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(`median/percentile: values needed at a step to compare (default ${percentileDefaults.minTrials}).`),
  percentile: z
    .number()
    .min(0)
    .max(100)
    .optional()
    .describe(`percentile: prune below this percentile (0-100; default ${percentileDefaults.percentile}).`),
  minResource: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      `asha/hyperband: step of the first rung (asha default: auto; hyperband ${hyperbandDefaults.minResource}).`,
    ),
  maxResource: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('hyperband: the most steps a trial takes (default: auto).'),
  reductionFactor: z
    .number()
    .int()
    .min(2)
    .optional()
    .describe(
      `asha (default ${ashaDefaults.reductionFactor}) / hyperband (default ${hyperbandDefaults.reductionFactor}): eta.`,
    ),
  minEarlyStoppingRate: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe(`asha: rung offset s (default ${ashaDefaults.minEarlyStoppingRate}).`),
  bootstrapCount: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe(
      `asha/hyperband: values a rung needs before promotion decisions (default ${ashaDefaults.bootstrapCount}).`,
    ),
  lower: z.number().optional().describe('threshold: prune below this value.'),
  upper: z.number().optional().describe('threshold: prune above this value.'),
  patience: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe(
      `patient: steps without improvement before the wrapped pruner is asked (default ${patientDefaults.patience}).`,
    ),
  minDelta: z
    .number()
    .min(0)
    .optional()
    .describe(`patient: improvement smaller than this does not count (default ${patientDefaults.minDelta}).`),
};

export const InnerPrunerSpecSchema = z
  .object({ algorithm: z.enum(PRUNER_ALGORITHMS).default('median'), ...prunerOptions })
  .describe('The pruner the patient pruner asks once patience runs out.');

export const PrunerSpecSchema = z
  .object({
    algorithm: z.enum(PRUNER_ALGORITHMS).default('median'),
    ...prunerOptions,
    wrapped: InnerPrunerSpecSchema.optional(),
  })
  .describe('Stops hopeless trials early, from their intermediate values.');

/** Attempts a disrupted trial gets unless budget.maxTrialAttempts says otherwise. */
export const DEFAULT_MAX_TRIAL_ATTEMPTS = 3;
/** Keeps `<trial>-a<n>` Job names (and their job-name label) within 63 characters. */
export const MAX_TRIAL_ATTEMPTS_LIMIT = 10;

export const BudgetSchema = z
  .object({
    maxTrials: z.number().int().positive().default(20).describe('Trials to run in all (failed ones count).'),
    parallelTrials: z.number().int().positive().default(1).describe('Trials running at once.'),
    maxFailedTrials: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Fail the study once more trials than this have failed.'),
    maxTrialAttempts: z
      .number()
      .int()
      .min(1)
      .max(MAX_TRIAL_ATTEMPTS_LIMIT)
      .optional()
      .describe(
        'Attempts per trial when the cluster disrupts its pod (eviction, preemption, deletion); default 3. Beyond them the trial fails with reason AttemptsExhausted.',
      ),
    noImprovementTrials: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Finish once this many trials after the best have not beaten it.'),
    timeout: z
      .string()
      .regex(DURATION_PATTERN, 'must be a duration such as 90m, 24h or 1h30m')
      .optional()
      .describe('Finish after this long (e.g. 24h); running trials are stopped.'),
    maxGpuHours: z
      .number()
      .positive()
      .optional()
      .describe(
        'Finish once the trials have used this many GPU-hours (GPUs asked for × running time); running trials are stopped.',
      ),
  })
  .describe('How much to spend.');

/** The built-in trainer's settings: spec.training is checked against them when it runs the trials. */
export const StudyTrainingSchema = TrainingSettingsSchema.omit({ objective: true, earlyStopping: true });

/**
 * spec.training as the API sees it: free-form, handed to every trial as LORAHPO_TRAINING as
 * written (no defaults filled in), so a custom trainer gets its own settings; the rules check it
 * against StudyTrainingSchema when the built-in trainer runs the trials.
 */
export const SpecTrainingSchema = freeFormObject(
  "Fixed settings handed to every trial as LORAHPO_TRAINING, as written; sampled parameters of the same name override them. Checked against the built-in trainer's settings (docs/trainer.md) unless trialTemplate.command names another trainer.",
);

export const EnvVarSchema = z.object({
  name: z.string().min(1),
  value: z.string().optional(),
  valueFrom: freeFormObject('Kubernetes EnvVarSource (cluster only).').optional(),
});

export const TrialTemplateSchema = z
  .object({
    image: z.string().optional().describe('Trainer image (cluster only; `lorahpo run` ignores it).'),
    command: z
      .array(z.string())
      .optional()
      .describe('Custom trainer command keeping the trainer contract (default: the built-in trainer).'),
    args: z.array(z.string()).optional(),
    env: z.array(EnvVarSchema).optional().describe('Extra environment variables.'),
    resources: freeFormObject('Container resources, e.g. {limits: {nvidia.com/gpu: 1}}.').optional(),
    nodeSelector: z.record(z.string(), z.string()).optional(),
    tolerations: freeFormList('Pod tolerations.').optional(),
    affinity: freeFormObject('Pod affinity.').optional(),
    volumes: freeFormList('Pod volumes.').optional(),
    volumeMounts: freeFormList('Container volume mounts.').optional(),
    serviceAccountName: z.string().optional(),
    priorityClassName: z.string().optional(),
    queueName: z.string().optional().describe('Kueue LocalQueue: labels the Job and submits it suspended.'),
    activeDeadlineSeconds: z.number().int().min(0).optional().describe('Kill a trial that runs longer (0: no limit).'),
    backoffLimit: z.number().int().min(0).optional().describe('Job retries of a failing trial pod (default 0).'),
    labels: z.record(z.string(), z.string()).optional().describe('Extra labels on the trial pods.'),
    annotations: z.record(z.string(), z.string()).optional().describe('Extra annotations on the trial pods.'),
  })
  .describe('How each trial runs: a PodSpec fragment merged over the defaults.');

export const OutputSchema = z
  .object({
    volume: freeFormObject(
      'A Kubernetes volume source (no name), e.g. {persistentVolumeClaim: {claimName: lorahpo-adapters}}: mounted in every trial at the output base (LORAHPO_OUTPUT_DIR, default /output); each trial writes its adapter below it in a folder of its name.',
    ).optional(),
  })
  .describe(
    'Where trials keep their adapters. Without a volume the operator mounts an emptyDir, lost with each pod, and says so in the AdaptersKept condition.',
  );

export const SCHEDULING_MODES = ['reproducible', 'greedy'] as const;

export const StudySpecSchema = z.object({
  objective: ObjectiveSchema,
  scheduling: z
    .enum(SCHEDULING_MODES)
    .default('reproducible')
    .describe(
      'reproducible: trial n starts once the trials below n - parallelTrials + 1 have finished and depends on them only, so results never depend on timing. greedy: start whenever a slot is free and learn from every finished trial (no idle slots, not reproducible).',
    ),
  parameters: z.array(ParameterSchema).min(1).describe('The search space, one named entry per hyperparameter.'),
  sampler: SamplerSpecSchema.default({ algorithm: 'auto', seed: 0 }),
  pruner: PrunerSpecSchema.default({ algorithm: 'none' }),
  earlyStopping: EarlyStoppingSchema.optional().describe('Early stopping inside each trial, on the objective.'),
  budget: BudgetSchema.default({ maxTrials: 20, parallelTrials: 1 }),
  warmStart: WarmStartSpecSchema.optional(),
  training: SpecTrainingSchema.optional(),
  trialTemplate: TrialTemplateSchema.optional(),
  output: OutputSchema.optional(),
});

export const STUDY_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed'] as const;
export const COMPLETION_REASONS = [
  'MaxTrials',
  'GoalReached',
  'NoImprovement',
  'TooManyFailures',
  'Timeout',
  'SearchSpaceExhausted',
  'GpuBudgetSpent',
] as const;

export const TrialCountsSchema = z.object({
  pending: z.number().int().default(0),
  running: z.number().int().default(0),
  succeeded: z.number().int().default(0),
  pruned: z.number().int().default(0),
  earlyStopped: z.number().int().default(0),
  failed: z.number().int().default(0),
});

export const BestTrialSchema = z.object({
  name: z.string(),
  number: z.number().int(),
  value: z.number(),
  params: freeFormObject("The best trial's hyperparameters (always written by the engine).").optional(),
  step: z.number().int().optional().describe('Last step the trial reported.'),
  adapterPath: z.string().optional().describe("Where the trainer saved the adapter, inside the trial's container."),
  adapterVolume: z
    .string()
    .optional()
    .describe(
      'The output volume holding the adapter, e.g. persistentVolumeClaim/lorahpo-adapters (kept volumes only).',
    ),
  adapterVolumePath: z.string().optional().describe("The adapter's folder on that volume, relative to its root."),
});

export const EarlyStoppingSummarySchema = z.object({
  prunedTotal: z.number().int().min(0).optional().describe('How many trials the pruner stopped (all of them).'),
  stoppedTotal: z.number().int().min(0).optional().describe('How many trials stopped themselves (all of them).'),
  pruned: z
    .array(
      z.object({
        name: z.string(),
        number: z.number().int(),
        step: z.number().int(),
        value: z.number().optional(),
        reason: z.string().optional(),
      }),
    )
    .default([])
    .describe('The most recent 20 trials the pruner stopped (by number), at which step; each LoraTrial keeps its own.'),
  stopped: z
    .array(
      z.object({
        name: z.string(),
        number: z.number().int(),
        epoch: z.number().int().optional(),
        bestEpoch: z.number().int().optional(),
        step: z.number().int().optional().describe('The last step the trial reported.'),
        value: z.number().optional().describe('The value it ended with (its best).'),
        reason: z.string().optional(),
      }),
    )
    .default([])
    .describe('The most recent 20 trials that stopped themselves (patience), at which epoch and why.'),
});

export const StudyStatusSchema = z.object({
  phase: z.enum(STUDY_PHASES).default('Pending'),
  observedGeneration: z.number().int().optional(),
  conditions: z.array(ConditionSchema).default([]),
  trialCounts: TrialCountsSchema.optional(),
  progress: z.string().optional().describe('Finished trials / maxTrials, e.g. 7/20.'),
  bestTrial: BestTrialSchema.optional(),
  earlyStopping: EarlyStoppingSummarySchema.optional(),
  completionReason: z.enum(COMPLETION_REASONS).optional(),
  gpuHours: z
    .number()
    .optional()
    .describe('GPU-hours the trials have used, running ones so far (GPUs asked for × running time), to 3 decimals.'),
  warmStart: WarmStartStatusSchema.optional(),
  message: z.string().optional(),
  startTime: z.string().optional(),
  completionTime: z.string().optional(),
});

export const LoraStudySchema = z.object({
  apiVersion: z.literal(API_GROUP_VERSION),
  kind: z.literal('LoraStudy'),
  metadata: ObjectMetaSchema,
  spec: StudySpecSchema,
  status: StudyStatusSchema.optional(),
});

export type Objective = z.infer<typeof ObjectiveSchema>;
export type PrunerSpec = z.infer<typeof PrunerSpecSchema>;
export type InnerPrunerSpec = z.infer<typeof InnerPrunerSpecSchema>;
export type PrunerAlgorithm = (typeof PRUNER_ALGORITHMS)[number];
export type Budget = z.infer<typeof BudgetSchema>;
export type TrialTemplate = z.infer<typeof TrialTemplateSchema>;
export type Output = z.infer<typeof OutputSchema>;
export type StudyTraining = z.infer<typeof StudyTrainingSchema>;
export type StudySpec = z.infer<typeof StudySpecSchema>;
export type SchedulingMode = (typeof SCHEDULING_MODES)[number];
export type StudySpecInput = z.input<typeof StudySpecSchema>;
export type StudyPhase = (typeof STUDY_PHASES)[number];
export type CompletionReason = (typeof COMPLETION_REASONS)[number];
export type TrialCounts = z.infer<typeof TrialCountsSchema>;
export type BestTrial = z.infer<typeof BestTrialSchema>;
export type EarlyStoppingSummary = z.infer<typeof EarlyStoppingSummarySchema>;
export type StudyStatus = z.infer<typeof StudyStatusSchema>;
export type LoraStudy = z.infer<typeof LoraStudySchema>;
export type LoraStudyInput = z.input<typeof LoraStudySchema>;
