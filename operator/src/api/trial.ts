/**
 * The LoraTrial resource: one trial of a study, named `<study>-<number>` (the name is the
 * idempotency key). The operator writes it; the local runner keeps the same objects in its
 * journal, so the engine sees one shape everywhere.
 */
import { z } from 'zod';
import { API_GROUP_VERSION, ObjectMetaSchema, freeFormObject } from './common.ts';

/** The curve is bounded: a trial keeps at most this many intermediate values. */
export const MAX_INTERMEDIATE_VALUES = 1000;

export const TRIAL_PHASES = ['Pending', 'Running', 'Succeeded', 'Pruned', 'EarlyStopped', 'Failed'] as const;

export const TrialSpecSchema = z.object({
  study: z.string().min(1).describe('Name of the owning LoraStudy.'),
  number: z.number().int().min(0).describe('Trial number within the study, from 0.'),
  params: freeFormObject('The sampled hyperparameters, keyed by parameter name.'),
  seed: z.number().int().min(0).describe('Seed handed to the trainer as LORAHPO_SEED.'),
  historyCutoff: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe(
      'Trials numbered below this had finished when this trial was sampled; its sampling and pruning depend on them only.',
    ),
  gpus: z
    .number()
    .min(0)
    .optional()
    .describe('GPUs its template asked for when it started (limits of */gpu resources); counts its GPU-hours.'),
});

/**
 * A trial keeps the most recent this many past attempts in its status: as many as
 * budget.maxTrialAttempts allows, so every ended attempt's GPU time stays counted.
 */
export const MAX_ATTEMPT_RECORDS = 10;

export const AttemptRecordSchema = z.object({
  attempt: z.number().int().min(1),
  jobName: z.string(),
  pod: z.string().optional(),
  startTime: z
    .string()
    .optional()
    .describe("When the attempt's trainer started running; absent if it never ran. Its GPU time ends at `time`."),
  reason: z.string().describe('Why the attempt ended: Evicted, PodDeleted, PodGone, or the DisruptionTarget reason.'),
  message: z.string().optional(),
  time: z.string().describe('When the operator saw the disruption.'),
});

export const IntermediateValueSchema = z.object({ step: z.number().int().min(0), value: z.number() });

export const TrialStatusSchema = z.object({
  phase: z.enum(TRIAL_PHASES).default('Pending'),
  intermediateValues: z
    .array(IntermediateValueSchema)
    .max(MAX_INTERMEDIATE_VALUES)
    .default([])
    .describe('The objective per evaluation step, in step order.'),
  value: z.number().optional().describe('Final objective value (for pruned trials: the value at the pruned step).'),
  metrics: z.record(z.string(), z.number()).optional().describe('Final metrics the trainer reported.'),
  prunedAtStep: z.number().int().optional(),
  stoppedAtEpoch: z.number().int().optional().describe('Epoch at which the trainer stopped itself (early stopping).'),
  bestEpoch: z.number().int().optional(),
  adapterPath: z.string().optional(),
  jobName: z.string().optional(),
  attempt: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('The attempt now running, from 1; each attempt has its own Job (see attemptJobName).'),
  attempts: z
    .array(AttemptRecordSchema)
    .max(MAX_ATTEMPT_RECORDS)
    .optional()
    .describe(
      `Past attempts the cluster disrupted (eviction, preemption, deletion), the most recent ${MAX_ATTEMPT_RECORDS}.`,
    ),
  pod: z.string().optional().describe("The current attempt's pod the operator saw started."),
  startTime: z.string().optional().describe("When the current attempt's trainer started running."),
  completionTime: z.string().optional(),
  gpuHours: z
    .number()
    .optional()
    .describe(
      'GPU-hours its ended attempts used (GPUs × running time, to 3 decimals); once the trial ends, all of them. A running attempt counts in the study total.',
    ),
  finishSeen: z
    .object({ pod: z.string(), time: z.string() })
    .optional()
    .describe('When the operator first saw the trial pod finished; the wait for the rest of its log counts from then.'),
  reason: z.string().optional().describe('One CamelCase word: why the trial ended the way it did.'),
  message: z.string().optional(),
});

export const LoraTrialSchema = z.object({
  apiVersion: z.literal(API_GROUP_VERSION),
  kind: z.literal('LoraTrial'),
  metadata: ObjectMetaSchema,
  spec: TrialSpecSchema,
  status: TrialStatusSchema.optional(),
});

export type TrialPhase = (typeof TRIAL_PHASES)[number];
export type TrialSpec = z.infer<typeof TrialSpecSchema>;
export type TrialStatus = z.infer<typeof TrialStatusSchema>;
export type LoraTrial = z.infer<typeof LoraTrialSchema>;

/** Pending and Running trials hold a slot; the rest are finished. */
export function isTrialActive(phase: TrialPhase | undefined): boolean {
  return phase === undefined || phase === 'Pending' || phase === 'Running';
}

/** `<study>-<number>`: deterministic, so a restart can never create the same trial twice. */
export function trialName(study: string, number: number): string {
  return `${study}-${number}`;
}

/** The Job of a trial's attempt: `<trial>` for the first, `<trial>-a<n>` after (idempotency key). */
export function attemptJobName(trial: string, attempt: number): string {
  return attempt <= 1 ? trial : `${trial}-a${attempt}`;
}

/** The Job of the trial's current attempt. */
export function trialJobName(trial: { metadata: { name?: string }; status?: { attempt?: number } }): string {
  return attemptJobName(trial.metadata.name ?? '', trial.status?.attempt ?? 1);
}

/** Appends a value to a bounded curve: one value per step, oldest dropped beyond the bound. */
export function appendIntermediate(curve: readonly { step: number; value: number }[], step: number, value: number) {
  const next = curve.filter((point) => point.step !== step);
  next.push({ step, value });
  next.sort((a, b) => a.step - b.step);
  return next.length > MAX_INTERMEDIATE_VALUES ? next.slice(next.length - MAX_INTERMEDIATE_VALUES) : next;
}
