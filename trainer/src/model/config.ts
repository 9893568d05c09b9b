/**
 * A Hugging Face `config.json` of a decoder this trainer computes, read into the shapes and
 * switches the model needs. Supported: Llama 1–3.x (rope scaling linear, dynamic, llama3; optional
 * attention/MLP biases), Mistral (sliding window), Qwen2/2.5 (q/k/v biases), Gemma 1 (GeGLU,
 * (1 + w) RMSNorm, embeddings scaled by √hidden) and Gemma 2 (besides: norms after attention and
 * around the MLP, soft-capped attention scores and logits, query_pre_attn_scalar, sliding windows
 * on alternate layers), Gemma 3 text (besides Gemma 2's norms: RMSNorm on each head's queries and
 * keys, sliding layers with their own rope theta, the multimodal checkpoint's decoder; see
 * gemma3-config.ts) and Phi-3 (fused qkv_proj and gate_up_proj, partial rotary, longrope).
 * Anything that would silently change the maths
 * (another architecture, another rope scaling, Qwen2's per-layer sliding windows) is an error
 * naming the field.
 */
import { z } from 'zod';
import { LorahpoError } from '../contract/errors.ts';
import { formatIssues } from '../contract/format-issue.ts';
import { zodIssues } from '../contract/zod-issues.ts';
import { decoderConfigJson } from './gemma3-config.ts';
import { linearModules, modulePath, type TargetModule } from './module-path.ts';

const SUPPORTED_MODEL_TYPES = ['llama', 'mistral', 'qwen2', 'gemma', 'gemma2', 'gemma3_text', 'phi3'] as const;
export type ModelType = (typeof SUPPORTED_MODEL_TYPES)[number];

/** `su` is Phi-3's first name for longrope (transformers' Phi3Config renames it). */
const ROPE_TYPES = ['default', 'linear', 'dynamic', 'llama3', 'longrope', 'su'] as const;

/** rope_scaling as transformers names it (`rope_type`, or the older `type`). */
const RopeScalingSchema = z.looseObject({
  rope_type: z.enum(ROPE_TYPES).optional(),
  type: z.enum(ROPE_TYPES).optional(),
  factor: z.number().positive().optional(),
  low_freq_factor: z.number().positive().optional(),
  high_freq_factor: z.number().positive().optional(),
  original_max_position_embeddings: z.number().int().positive().optional(),
  /** longrope: per-frequency divisors of the inverse frequencies, up to / past the trained length. */
  short_factor: z.array(z.number().positive()).optional(),
  long_factor: z.array(z.number().positive()).optional(),
  attention_factor: z.number().positive().optional(),
});

const ACTIVATIONS = ['silu', 'gelu_pytorch_tanh', 'gelu'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export const HfLlamaConfigSchema = z.looseObject({
  model_type: z.enum(SUPPORTED_MODEL_TYPES),
  vocab_size: z.number().int().positive(),
  hidden_size: z.number().int().positive(),
  intermediate_size: z.number().int().positive(),
  num_hidden_layers: z.number().int().positive(),
  num_attention_heads: z.number().int().positive(),
  num_key_value_heads: z.number().int().positive().optional(),
  head_dim: z.number().int().positive().nullish(),
  max_position_embeddings: z.number().int().positive().optional(),
  /** Phi-3: the pretrained length; max_position_embeddings is the extended one. */
  original_max_position_embeddings: z.number().int().positive().optional(),
  /** Phi-3 (e.g. Phi-4-mini): rope turns only the first head_dim × this dimensions of each head. */
  partial_rotary_factor: z.number().gt(0).max(1).optional(),
  rms_norm_eps: z.number().positive().optional(),
  rope_theta: z.number().positive().default(10000),
  rope_scaling: RopeScalingSchema.nullish(),
  tie_word_embeddings: z.boolean().optional(),
  attention_bias: z.boolean().optional(),
  mlp_bias: z.boolean().optional(),
  hidden_act: z.enum(ACTIVATIONS).optional(),
  hidden_activation: z.enum(ACTIVATIONS).nullish(),
  sliding_window: z.number().int().positive().nullish(),
  use_sliding_window: z.boolean().optional(),
  layer_types: z.array(z.enum(['sliding_attention', 'full_attention'])).optional(),
  query_pre_attn_scalar: z.number().positive().optional(),
  /** Gemma 3: the rope theta of the sliding (local) layers; rope_theta is the global layers'. */
  rope_local_base_freq: z.number().positive().optional(),
  /** Gemma 3 before layer_types: every n-th layer is global, the others slide. */
  sliding_window_pattern: z.number().int().positive().optional(),
  attn_logit_softcapping: z.number().positive().nullish(),
  final_logit_softcapping: z.number().positive().nullish(),
  bos_token_id: z.number().int().nullish(),
  eos_token_id: z.union([z.number().int(), z.array(z.number().int())]).nullish(),
  pad_token_id: z.number().int().nullish(),
});

export type RopeScaling =
  | { type: 'default' }
  | { type: 'linear'; factor: number }
  /** NTK-aware: the base grows once a sequence is longer than maxPositions (per forward pass). */
  | { type: 'dynamic'; factor: number; maxPositions: number }
  | { type: 'llama3'; factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositions: number }
  /**
   * Phi-3's longrope: inverse frequency i divided by shortFactor[i], or by longFactor[i] for a
   * pass longer than originalMaxPositions; cos and sin multiplied by attentionFactor.
   */
  | {
      type: 'longrope';
      shortFactor: number[];
      longFactor: number[];
      originalMaxPositions: number;
      attentionFactor: number;
    };

export interface LlamaConfig {
  modelType: ModelType;
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  ropeScaling: RopeScaling;
  /** Dimensions of each head that rope turns (the first ones); head_dim unless partial. */
  rotaryDim: number;
  /** Phi-3: q/k/v are one qkv_proj and gate/up one gate_up_proj (see linearModules). */
  fusedProjections: boolean;
  tieWordEmbeddings: boolean;
  /** Linear layers that carry a bias (Qwen2: q, k, v; Llama with attention_bias/mlp_bias). */
  biases: ReadonlySet<TargetModule>;
  activation: Activation;
  /** Gemma stores RMSNorm weights as w and multiplies by (1 + w). */
  normPlusOne: boolean;
  /** Gemma multiplies the embeddings by √hidden_size (rounded to float32); 1 elsewhere. */
  embeddingScale: number;
  /** Mistral: a query attends to at most this many positions (itself included). */
  slidingWindow?: number;
  /** Where only some layers slide (Gemma 2: the even ones): true for those; absent: all layers. */
  slidingLayers?: boolean[];
  /** Gemma 2 and 3: norms on the attention output and before and after the MLP. */
  sandwichNorms: boolean;
  /** Gemma 3: RMSNorm ((1 + w), over head_dim) on each head's queries and keys, before rope. */
  qkNorm: boolean;
  /** Gemma 3: sliding layers turn rope with this theta and no scaling; ropeScaling is the global layers'. */
  slidingRopeTheta?: number;
  /** Attention scores are q·k × this (1/√head_dim; Gemma 2: query_pre_attn_scalar^−½). */
  attentionScale: number;
  /** Gemma 2: cap · tanh(x / cap) on the attention scores and on the logits. */
  attentionSoftcap?: number;
  finalSoftcap?: number;
  bosTokenId?: number;
  eosTokenId?: number;
  padTokenId?: number;
}

type HfConfig = z.infer<typeof HfLlamaConfigSchema>;

function invalid(file: string, message: string): LorahpoError {
  return new LorahpoError('LORAHPO_MODEL_INVALID', `${file}: ${message}`);
}

function ropeScaling(c: HfConfig, rotaryDim: number, file: string): RopeScaling {
  const s = c.rope_scaling;
  if (s === null || s === undefined) return { type: 'default' };
  const type = s.rope_type ?? s.type;
  if (type === undefined) throw invalid(file, 'rope_scaling has neither rope_type nor type');
  if (type === 'default') return { type };
  if (type === 'longrope' || type === 'su') return longrope(c, s, rotaryDim, file);
  if (c.model_type === 'phi3') throw invalid(file, `rope_scaling ${type}: Phi-3 takes only longrope (or su)`);
  const factor = s.factor;
  if (factor === undefined) throw invalid(file, `rope_scaling ${type} needs a factor`);
  if (type === 'linear') return { type, factor };
  if (type === 'dynamic') {
    const maxPositions = s.original_max_position_embeddings ?? c.max_position_embeddings;
    if (maxPositions === undefined) throw invalid(file, 'rope_scaling dynamic needs max_position_embeddings');
    return { type, factor, maxPositions };
  }
  const { low_freq_factor, high_freq_factor, original_max_position_embeddings } = s;
  if (low_freq_factor === undefined || high_freq_factor === undefined || original_max_position_embeddings === undefined)
    throw invalid(
      file,
      'rope_scaling llama3 needs low_freq_factor, high_freq_factor and original_max_position_embeddings',
    );
  return {
    type,
    factor,
    lowFreqFactor: low_freq_factor,
    highFreqFactor: high_freq_factor,
    originalMaxPositions: original_max_position_embeddings,
  };
}

/**
 * transformers' _compute_longrope_parameters for Phi-3: its config keeps the pretrained length in
 * original_max_position_embeddings (Phi3Config's default 4096), the attention factor defaults to
 * √(1 + ln(max / original) / ln(original)) for an extended max_position_embeddings.
 */
function longrope(c: HfConfig, s: NonNullable<HfConfig['rope_scaling']>, rotaryDim: number, file: string): RopeScaling {
  if (c.model_type !== 'phi3') throw invalid(file, `rope_scaling longrope is supported for phi3 only`);
  const { short_factor: shortFactor, long_factor: longFactor } = s;
  if (shortFactor?.length !== rotaryDim / 2 || longFactor?.length !== rotaryDim / 2)
    throw invalid(file, `rope_scaling longrope needs short_factor and long_factor of ${rotaryDim / 2} numbers each`);
  const originalMaxPositions = c.original_max_position_embeddings ?? 4096;
  const factor = c.max_position_embeddings === undefined ? 1 : c.max_position_embeddings / originalMaxPositions;
  const attentionFactor =
    s.attention_factor ?? (factor <= 1 ? 1 : Math.sqrt(1 + Math.log(factor) / Math.log(originalMaxPositions)));
  return { type: 'longrope', shortFactor, longFactor, originalMaxPositions, attentionFactor };
}

function biasedModules(c: HfConfig): Set<TargetModule> {
  // Qwen2 has q/k/v biases whatever the config says; Llama names them with attention_bias/mlp_bias.
  if (c.model_type === 'phi3') return new Set(); // Phi-3's linear layers have none (bias=False there)
  const biases = new Set<TargetModule>(c.model_type === 'qwen2' ? ['q_proj', 'k_proj', 'v_proj'] : []);
  if (c.model_type !== 'qwen2' && c.attention_bias)
    for (const m of ['q_proj', 'k_proj', 'v_proj', 'o_proj'] as const) biases.add(m);
  if (c.mlp_bias) for (const m of ['gate_proj', 'up_proj', 'down_proj'] as const) biases.add(m);
  return biases;
}

/**
 * The MLP activation. transformers' Gemma reads `hidden_activation` and, for the first Gemma
 * configs that only say `hidden_act: gelu`, uses the tanh approximation all the same.
 */
function activation(c: HfConfig): Activation {
  if (c.model_type === 'gemma' || c.model_type === 'gemma2' || c.model_type === 'gemma3_text')
    return c.hidden_activation ?? 'gelu_pytorch_tanh';
  return c.hidden_act ?? 'silu';
}

function slidingWindow(c: HfConfig, file: string): number | undefined {
  if (['mistral', 'gemma2', 'gemma3_text', 'phi3'].includes(c.model_type)) return c.sliding_window ?? undefined;
  if (c.model_type === 'qwen2' && c.use_sliding_window === true)
    throw invalid(file, 'use_sliding_window true (per-layer windows of Qwen2) is not supported');
  return undefined;
}

/** Validates a parsed config.json; `file` names it in errors. */
export function parseLlamaConfig(raw: unknown, file: string): LlamaConfig {
  const json = decoderConfigJson(raw);
  const parsed = HfLlamaConfigSchema.safeParse(json);
  if (!parsed.success) {
    const message = formatIssues(`${file} is not a supported decoder config:`, zodIssues(parsed.error, json));
    throw new LorahpoError('LORAHPO_MODEL_INVALID', message, {
      hint: 'supported: model_type llama, mistral, qwen2, gemma, gemma2, gemma3 (and gemma3_text) or phi3; rope_scaling default, linear, dynamic, llama3 or (phi3) longrope',
    });
  }
  const c = parsed.data;
  const numKvHeads = c.num_key_value_heads ?? c.num_attention_heads;
  if (c.num_attention_heads % numKvHeads !== 0) {
    throw invalid(
      file,
      `num_attention_heads ${c.num_attention_heads} is not a multiple of num_key_value_heads ${numKvHeads}`,
    );
  }
  const eos = Array.isArray(c.eos_token_id) ? c.eos_token_id[0] : c.eos_token_id;
  const gemma3 = c.model_type === 'gemma3_text';
  // Gemma 3 keeps Gemma 2's sandwich norms, scalar and caps (null by default)
  const gemma2 = c.model_type === 'gemma2' || gemma3;
  const gemma = c.model_type === 'gemma' || gemma2;
  const headDim = c.head_dim ?? c.hidden_size / c.num_attention_heads;
  const phi3 = c.model_type === 'phi3';
  // transformers: int(head_dim × partial_rotary_factor), the first dimensions of each head
  const rotaryDim = Math.floor(headDim * (phi3 ? (c.partial_rotary_factor ?? 1) : 1));
  if (rotaryDim % 2 !== 0 || rotaryDim === 0)
    throw invalid(
      file,
      `partial_rotary_factor ${c.partial_rotary_factor} leaves ${rotaryDim} rotary dimensions (need an even number)`,
    );
  // transformers: layer_types when given; else Gemma 2's even layers slide, and all of Gemma 3's
  // but every sliding_window_pattern-th
  const pattern = c.sliding_window_pattern ?? 6;
  const slidingLayers = gemma2
    ? Array.from({ length: c.num_hidden_layers }, (_, i) =>
        c.layer_types ? c.layer_types[i] === 'sliding_attention' : gemma3 ? (i + 1) % pattern !== 0 : i % 2 === 0,
      )
    : undefined;
  if (c.layer_types !== undefined && c.layer_types.length !== c.num_hidden_layers)
    throw invalid(
      file,
      `layer_types lists ${c.layer_types.length} layers, num_hidden_layers is ${c.num_hidden_layers}`,
    );
  return {
    modelType: c.model_type,
    vocabSize: c.vocab_size,
    hiddenSize: c.hidden_size,
    intermediateSize: c.intermediate_size,
    numLayers: c.num_hidden_layers,
    numHeads: c.num_attention_heads,
    numKvHeads,
    headDim,
    // transformers' defaults: Phi3Config 1e-5, the others 1e-6
    rmsNormEps: c.rms_norm_eps ?? (phi3 ? 1e-5 : 1e-6),
    ropeTheta: c.rope_theta,
    ropeScaling: ropeScaling(c, rotaryDim, file),
    rotaryDim,
    fusedProjections: phi3,
    // transformers' default: Gemma ties its embeddings, the others do not.
    tieWordEmbeddings: c.tie_word_embeddings ?? gemma,
    biases: biasedModules(c),
    activation: activation(c),
    normPlusOne: gemma,
    embeddingScale: gemma ? Math.fround(Math.sqrt(c.hidden_size)) : 1,
    slidingWindow: slidingWindow(c, file),
    slidingLayers,
    sandwichNorms: gemma2,
    qkNorm: gemma3,
    slidingRopeTheta: gemma3 ? (c.rope_local_base_freq ?? 10_000) : undefined,
    attentionScale: 1 / Math.sqrt(gemma2 ? (c.query_pre_attn_scalar ?? headDim) : headDim),
    attentionSoftcap: gemma2 ? (c.attn_logit_softcapping ?? undefined) : undefined,
    finalSoftcap: gemma2 ? (c.final_logit_softcapping ?? undefined) : undefined,
    bosTokenId: c.bos_token_id ?? undefined,
    eosTokenId: eos ?? undefined,
    padTokenId: c.pad_token_id ?? undefined,
  };
}

/** Every tensor the model needs, with its shape ([out, in] for linear layers, as PyTorch stores them). */
export function expectedTensorShapes(c: LlamaConfig): Map<string, number[]> {
  const d = c.hiddenSize;
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  const linears: Record<TargetModule, [number, number]> = {
    q_proj: [q, d],
    k_proj: [kv, d],
    v_proj: [kv, d],
    o_proj: [d, q],
    gate_proj: [c.intermediateSize, d],
    up_proj: [c.intermediateSize, d],
    down_proj: [d, c.intermediateSize],
    qkv_proj: [q + 2 * kv, d], // rows: q, then k, then v
    gate_up_proj: [2 * c.intermediateSize, d], // rows: gate, then up
  };
  const shapes = new Map<string, number[]>([
    ['model.embed_tokens.weight', [c.vocabSize, d]],
    ['model.norm.weight', [d]],
  ]);
  for (let i = 0; i < c.numLayers; i++) {
    const p = `model.layers.${i}`;
    shapes.set(`${p}.input_layernorm.weight`, [d]);
    if (c.qkNorm) {
      shapes.set(`${p}.self_attn.q_norm.weight`, [c.headDim]);
      shapes.set(`${p}.self_attn.k_norm.weight`, [c.headDim]);
    }
    shapes.set(`${p}.post_attention_layernorm.weight`, [d]);
    if (c.sandwichNorms) {
      shapes.set(`${p}.pre_feedforward_layernorm.weight`, [d]);
      shapes.set(`${p}.post_feedforward_layernorm.weight`, [d]);
    }
    for (const module of linearModules(c)) {
      const [out, inn] = linears[module];
      shapes.set(`${modulePath(i, module)}.weight`, [out, inn]);
      if (c.biases.has(module)) shapes.set(`${modulePath(i, module)}.bias`, [out]);
    }
  }
  if (!c.tieWordEmbeddings) shapes.set('lm_head.weight', [c.vocabSize, d]);
  return shapes;
}
