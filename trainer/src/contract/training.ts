/**
 * The study's fixed `training` settings, handed to every trial as LORAHPO_TRAINING (JSON), and
 * the hyperparameters the built-in trainer understands. A trial's sampled params override the
 * fixed settings of the same name, so any hyperparameter can be searched or held fixed.
 */
import { z } from 'zod';

/**
 * Every linear layer name of the supported architectures, as transformers names the modules:
 * Llama-style models have the first seven, Phi-3 fuses q/k/v into qkv_proj and gate/up into
 * gate_up_proj (its four are qkv_proj, o_proj, gate_up_proj, down_proj).
 */
export const TARGET_MODULES = [
  'q_proj',
  'k_proj',
  'v_proj',
  'o_proj',
  'gate_proj',
  'up_proj',
  'down_proj',
  'qkv_proj',
  'gate_up_proj',
] as const;
export const SCHEDULERS = ['cosine', 'linear', 'constant', 'constant_with_warmup'] as const;

/**
 * PEFT's names for groups of linear layers, resolved against the model's own modules
 * (lora/targets.ts): attention = those of self_attn, mlp = those of the MLP, all-linear = every
 * linear layer but lm_head, as in PEFT.
 */
export const TARGET_PRESETS = ['attention', 'mlp', 'all-linear'] as const;
export type TargetPreset = (typeof TARGET_PRESETS)[number];

/** Hyperparameters with the meaning they have in Hugging Face transformers/PEFT. */
export const HyperparametersSchema = z.object({
  learningRate: z.number().positive().default(2e-4).describe('Peak learning rate of AdamW.'),
  weightDecay: z.number().nonnegative().default(0).describe('Decoupled weight decay of AdamW.'),
  maxGradNorm: z.number().positive().default(1).describe('Global gradient-norm clipping threshold.'),
  loraR: z.number().int().positive().default(8).describe('LoRA rank r.'),
  loraAlpha: z.number().positive().default(16).describe('LoRA alpha; the update is scaled by alpha / r.'),
  // Below 1: a dropout of 1 drops every input (and tfjs refuses it).
  loraDropout: z.number().min(0).lt(1).default(0.05).describe('Dropout on the LoRA adapter input (0 <= p < 1).'),
  scheduler: z
    .enum(SCHEDULERS)
    .default('cosine')
    .describe('Learning-rate schedule after warm-up; constant has no warm-up, constant_with_warmup has.'),
  warmupRatio: z.number().min(0).max(1).default(0.03).describe('Fraction of the steps spent warming up.'),
  warmupSteps: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe('Warm-up steps; when set it wins over warmupRatio (transformers: warmup_steps overrides warmup_ratio).'),
  minLrRatio: z
    .number()
    .min(0)
    .max(1)
    .default(0)
    .describe('cosine and linear decay to learningRate × this instead of 0 (transformers: min_lr_rate).'),
  // PyTorch refuses betas outside [0, 1); an epsilon of 0 divides by zero where a moment is 0.
  adamBeta1: z.number().min(0).lt(1).default(0.9).describe('AdamW β₁, the decay of the first moment.'),
  adamBeta2: z.number().min(0).lt(1).default(0.999).describe('AdamW β₂, the decay of the second moment.'),
  adamEpsilon: z.number().positive().default(1e-8).describe('AdamW ε, added to the root of the second moment.'),
});
export type Hyperparameters = z.infer<typeof HyperparametersSchema>;

export const EarlyStoppingSchema = z.object({
  patience: z
    .number()
    .int()
    .positive()
    .default(3)
    .describe('Evaluations without improvement before a trial stops itself.'),
  minDelta: z
    .number()
    .nonnegative()
    .default(0)
    .describe('Smallest change of the objective that counts as improvement.'),
});
export type EarlyStopping = z.infer<typeof EarlyStoppingSchema>;

/** Whether the objective is better low or high: the study's, the pruners', the trainer's early stopping. */
export const DIRECTIONS = ['minimize', 'maximize'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export const TrainingSettingsSchema = z.object({
  model: z.string().min(1).optional().describe('Directory with config.json, *.safetensors and tokenizer.json.'),
  dataset: z
    .string()
    .min(1)
    .optional()
    .describe(
      'JSONL of {"question","answer"}, Alpaca {"instruction","input","output"}, {"prompt","completion"}, chat {"messages"} or {"text"} lines.',
    ),
  epochs: z.number().int().positive().default(3),
  batchSize: z.number().int().positive().default(8),
  gradientAccumulationSteps: z.number().int().positive().default(1),
  maxSeqLength: z.number().int().positive().default(512),
  maxSteps: z.number().int().positive().optional().describe('Stop after this many optimiser steps (for quick runs).'),
  evalSteps: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("Evaluate every N optimiser steps (and after the last) instead of at each epoch's end."),
  evalFraction: z.number().gt(0).lt(1).default(0.1).describe('Share of the dataset held out for evaluation.'),
  lossOnAnswerOnly: z.boolean().default(true).describe('Take the loss on answer, completion or assistant tokens only.'),
  promptTemplate: z
    .string()
    .default('### Question: {question}\n ### Answer: {answer}')
    .describe('How a question/answer line becomes text; the EOS token is appended.'),
  packing: z.boolean().default(false),
  targetModules: z
    .union([z.enum(TARGET_PRESETS), z.array(z.enum(TARGET_MODULES)).min(1)])
    .default('attention')
    .describe(
      "Linear layers that get an adapter: a list of the model's module names, or attention, mlp or all-linear.",
    ),
  useRslora: z
    .boolean()
    .default(false)
    .describe('rsLoRA: scale the update by alpha / sqrt(r) instead of alpha / r (PEFT use_rslora).'),
  useDora: z
    .boolean()
    .default(false)
    .describe('DoRA: train a magnitude per output unit beside the low-rank direction update (PEFT use_dora).'),
  /** Fixed values of hyperparameters not searched; sampled params override them. */
  ...HyperparametersSchema.partial().shape,
  /** The objective the trainer reports and early-stops on (set from the study's objective). */
  objective: z
    .object({ metric: z.string().default('eval_loss'), direction: z.enum(DIRECTIONS).default('minimize') })
    .optional(),
  earlyStopping: EarlyStoppingSchema.optional(),
  backend: z
    .enum(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'])
    .optional()
    .describe('Force a TensorFlow.js backend.'),
  skipBadLines: z.boolean().default(false),
});
export type TrainingSettings = z.infer<typeof TrainingSettingsSchema>;
export type TrainingSettingsInput = z.input<typeof TrainingSettingsSchema>;
