/**
 * A Hugging Face `config.json` of a Llama-family model, read into the shapes the model needs.
 * Only what this implementation computes is accepted: anything that would silently change the
 * maths (biases, rope scaling, other architectures) is an error naming the field.
 */
import { z } from 'zod';
import { LorahpoError } from '../contract/errors.ts';
import { formatIssues } from '../contract/format-issue.ts';
import { zodIssues } from '../contract/zod-issues.ts';

const SUPPORTED_MODEL_TYPES = ['llama', 'mistral'] as const;

export const HfLlamaConfigSchema = z.looseObject({
  model_type: z.enum(SUPPORTED_MODEL_TYPES),
  vocab_size: z.number().int().positive(),
  hidden_size: z.number().int().positive(),
  intermediate_size: z.number().int().positive(),
  num_hidden_layers: z.number().int().positive(),
  num_attention_heads: z.number().int().positive(),
  num_key_value_heads: z.number().int().positive().optional(),
  head_dim: z.number().int().positive().nullish(),
  rms_norm_eps: z.number().positive().default(1e-6),
  rope_theta: z.number().positive().default(10000),
  rope_scaling: z.null().optional(),
  tie_word_embeddings: z.boolean().default(false),
  attention_bias: z.literal(false).optional(),
  mlp_bias: z.literal(false).optional(),
  hidden_act: z.literal('silu').default('silu'),
  bos_token_id: z.number().int().nullish(),
  eos_token_id: z.union([z.number().int(), z.array(z.number().int())]).nullish(),
  pad_token_id: z.number().int().nullish(),
});

export interface LlamaConfig {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  tieWordEmbeddings: boolean;
  bosTokenId?: number;
  eosTokenId?: number;
  padTokenId?: number;
}

/** Validates a parsed config.json; `file` names it in errors. */
export function parseLlamaConfig(json: unknown, file: string): LlamaConfig {
  const parsed = HfLlamaConfigSchema.safeParse(json);
  if (!parsed.success) {
    const message = formatIssues(`${file} is not a supported Llama-family config:`, zodIssues(parsed.error, json));
    throw new LorahpoError('LORAHPO_MODEL_INVALID', message, {
      hint: 'supported: model_type llama or mistral, no attention/MLP biases, no rope_scaling',
    });
  }
  const c = parsed.data;
  const numKvHeads = c.num_key_value_heads ?? c.num_attention_heads;
  if (c.num_attention_heads % numKvHeads !== 0) {
    throw new LorahpoError(
      'LORAHPO_MODEL_INVALID',
      `${file}: num_attention_heads ${c.num_attention_heads} is not a multiple of num_key_value_heads ${numKvHeads}`,
    );
  }
  const eos = Array.isArray(c.eos_token_id) ? c.eos_token_id[0] : c.eos_token_id;
  return {
    vocabSize: c.vocab_size,
    hiddenSize: c.hidden_size,
    intermediateSize: c.intermediate_size,
    numLayers: c.num_hidden_layers,
    numHeads: c.num_attention_heads,
    numKvHeads,
    headDim: c.head_dim ?? c.hidden_size / c.num_attention_heads,
    rmsNormEps: c.rms_norm_eps,
    ropeTheta: c.rope_theta,
    tieWordEmbeddings: c.tie_word_embeddings,
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
  const shapes = new Map<string, number[]>([
    ['model.embed_tokens.weight', [c.vocabSize, d]],
    ['model.norm.weight', [d]],
  ]);
  for (let i = 0; i < c.numLayers; i++) {
    const p = `model.layers.${i}`;
    shapes.set(`${p}.input_layernorm.weight`, [d]);
    shapes.set(`${p}.post_attention_layernorm.weight`, [d]);
    shapes.set(`${p}.self_attn.q_proj.weight`, [q, d]);
    shapes.set(`${p}.self_attn.k_proj.weight`, [kv, d]);
    shapes.set(`${p}.self_attn.v_proj.weight`, [kv, d]);
    shapes.set(`${p}.self_attn.o_proj.weight`, [d, q]);
    shapes.set(`${p}.mlp.gate_proj.weight`, [c.intermediateSize, d]);
    shapes.set(`${p}.mlp.up_proj.weight`, [c.intermediateSize, d]);
    shapes.set(`${p}.mlp.down_proj.weight`, [d, c.intermediateSize]);
  }
  if (!c.tieWordEmbeddings) shapes.set('lm_head.weight', [c.vocabSize, d]);
  return shapes;
}
