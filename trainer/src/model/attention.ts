/**
 * Causal self-attention with grouped-query heads (each key/value head serves
 * numHeads / numKvHeads query heads). Right padding needs no extra mask: a real token never
 * attends to a later position, and padded positions carry no loss.
 */
import * as tf from '@tensorflow/tfjs';
import type { LlamaConfig } from './config.ts';
import { matMul, matMulTransposed, rmsNorm, type GradientMode } from './ops.ts';
import { applyRope, type RopeTables } from './rope.ts';

export interface AttentionInputs {
  /** Projections [batch·seq, heads·headDim] (q) and [batch·seq, kvHeads·headDim] (k, v). */
  q: tf.Tensor2D;
  k: tf.Tensor2D;
  v: tf.Tensor2D;
  batch: number;
  seqLen: number;
  rope: RopeTables;
  /** Additive causal mask from causalMask(seq, groups). */
  mask: tf.Tensor2D;
  mode: GradientMode;
  /** Gemma 3: RMSNorm weights over each head's queries and keys, applied before rope. */
  qNorm?: tf.Tensor1D;
  kNorm?: tf.Tensor1D;
}

/** [batch·seq, heads·d] → [batch, heads, seq, d]. */
function splitHeads(x: tf.Tensor2D, batch: number, seqLen: number, heads: number, headDim: number): tf.Tensor4D {
  return tf.transpose(tf.reshape(x, [batch, seqLen, heads, headDim]), [0, 2, 1, 3]);
}

/**
 * Causal mask for grouped queries: [groups·seq, seq], the [seq, seq] mask (0 on and below the
 * diagonal, −1e9 above) repeated once per query head of a group. With a sliding window w, query i
 * also drops keys j ≤ i − w (transformers: i − j < w is kept).
 */
export function causalMask(seqLen: number, groups = 1, window = Number.POSITIVE_INFINITY): tf.Tensor2D {
  const data = new Float32Array(groups * seqLen * seqLen);
  for (let g = 0; g < groups; g++) {
    for (let i = 0; i < seqLen; i++) {
      for (let j = 0; j < seqLen; j++) if (j > i || i - j >= window) data[(g * seqLen + i) * seqLen + j] = -1e9;
    }
  }
  return tf.tensor2d(data, [groups * seqLen, seqLen]);
}

/**
 * Returns the attention output before o_proj, [batch·seq, heads·headDim]. Query head j uses
 * key/value head ⌊j / groups⌋ (transformers' repeat_kv); instead of repeating keys and values,
 * the queries of a group are stacked along the sequence axis: [b, kv, groups·seq, d].
 */
/** Gemma 2's soft-capping: cap · tanh(x / cap). */
export function softcap(x: tf.Tensor, cap: number): tf.Tensor {
  return tf.mul(tf.tanh(tf.div(x, cap)), cap);
}

export function attention(config: LlamaConfig, inputs: AttentionInputs): tf.Tensor2D {
  const { batch, seqLen, mode } = inputs;
  const hd = config.headDim;
  const groups = config.numHeads / config.numKvHeads;
  const kv = config.numKvHeads;
  const headNorm = (x: tf.Tensor4D, weight: tf.Tensor1D | undefined) =>
    weight === undefined ? x : (rmsNorm(x, weight, config.rmsNormEps) as tf.Tensor4D);
  const q = applyRope(headNorm(splitHeads(inputs.q, batch, seqLen, config.numHeads, hd), inputs.qNorm), inputs.rope);
  const grouped = tf.reshape(tf.mul(q, config.attentionScale), [batch, kv, groups * seqLen, hd]); // scale q, not the larger scores
  const k = applyRope(headNorm(splitHeads(inputs.k, batch, seqLen, kv, hd), inputs.kNorm), inputs.rope);
  const v = splitHeads(inputs.v, batch, seqLen, kv, hd);
  const raw = matMulTransposed(grouped, k, mode);
  const cap = config.attentionSoftcap;
  const scores = tf.add(cap === undefined ? raw : softcap(raw, cap), inputs.mask);
  const context = tf.reshape(matMul(tf.softmax(scores), v, mode), [batch, config.numHeads, seqLen, hd]);
  return tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch * seqLen, config.numHeads * hd]);
}
