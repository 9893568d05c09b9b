/**
 * Gemma 3's config.json comes in two shapes: a text-only model (`model_type: gemma3_text`, the 1B
 * and 270M) and the multimodal checkpoint (`model_type: gemma3`, 4B and up) whose `text_config`
 * describes the decoder and often leaves out every field equal to transformers' Gemma3TextConfig
 * default. Both become one complete gemma3_text config, as transformers builds it.
 */

/** transformers' Gemma3TextConfig defaults for the fields the decoder reads. */
const GEMMA3_TEXT_DEFAULTS = {
  vocab_size: 262_208,
  hidden_size: 2304,
  intermediate_size: 9216,
  num_hidden_layers: 26,
  num_attention_heads: 8,
  num_key_value_heads: 4,
  head_dim: 256,
  hidden_activation: 'gelu_pytorch_tanh',
  max_position_embeddings: 131_072,
  rms_norm_eps: 1e-6,
  pad_token_id: 0,
  eos_token_id: 1,
  bos_token_id: 2,
  tie_word_embeddings: true,
  rope_theta: 1_000_000,
  query_pre_attn_scalar: 256,
  sliding_window: 4096,
  rope_local_base_freq: 10_000,
  sliding_window_pattern: 6,
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Other configs pass through unchanged. */
export function decoderConfigJson(json: unknown): unknown {
  if (!isObject(json)) return json;
  if (json.model_type === 'gemma3_text') return { ...GEMMA3_TEXT_DEFAULTS, ...json };
  if (json.model_type !== 'gemma3') return json;
  const text = isObject(json.text_config) ? json.text_config : {};
  // the multimodal config may carry the token ids and the embedding tie at its top level
  const topLevel = Object.fromEntries(
    ['bos_token_id', 'eos_token_id', 'pad_token_id', 'tie_word_embeddings'].flatMap((key) =>
      json[key] === undefined ? [] : [[key, json[key]]],
    ),
  );
  return { ...GEMMA3_TEXT_DEFAULTS, ...topLevel, ...text, model_type: 'gemma3_text' };
}
