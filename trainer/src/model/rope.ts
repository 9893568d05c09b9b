/**
 * Rotary position embeddings as transformers' Llama computes them: inverse frequencies
 * θ^(−2i/d) (rescaled by the config's rope_scaling), the angle table duplicated over both halves,
 * and x·cos + rotate_half(x)·sin with rotate_half(x) = [−x₂, x₁]. With partial rotary (Phi-3's
 * partial_rotary_factor) only the first rotaryDim dimensions of a head turn: the tables hold
 * cos 1 and sin 0 past them and rotate_half leaves them out, so those pass through unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import type { RopeScaling } from './config.ts';
import type { FrozenLinear } from './ops.ts';

export interface RopeTables {
  cos: tf.Tensor2D;
  sin: tf.Tensor2D;
  /** rotate_half as a product with a constant signed permutation (see rotateHalfWeight). */
  rotate: FrozenLinear;
}

/**
 * rotate_half(x) = x Rᵀ-as-stored: a [headDim, headDim] weight in PyTorch's [out, in] layout, so a
 * FrozenLinear applies it as one 2-D product (cheaper on wasm than split + negate + concat).
 */
export function rotateHalfWeight(headDim: number, rotaryDim = headDim): tf.Tensor2D {
  const half = rotaryDim / 2;
  const w = new Float32Array(headDim * headDim);
  for (let j = 0; j < half; j++) {
    w[j * headDim + (j + half)] = -1; // out j < half takes −x[j + half]
    w[(j + half) * headDim + j] = 1; // out j ≥ half takes x[j − half]
  }
  return tf.tensor2d(w, [headDim, headDim]);
}

/**
 * The inverse frequencies (float32, as transformers keeps them) for a pass over seqLen positions.
 * linear divides them by the factor; dynamic (NTK) raises the base once seqLen passes the trained
 * length, computed per pass from its own length; llama3 divides the low frequencies by the factor,
 * keeps the high ones and interpolates between (transformers' _compute_llama3_parameters);
 * longrope divides each by its short factor, or its long one for a pass past the trained length.
 * headDim here is the rotary dimension.
 */
export function inverseFrequencies(headDim: number, theta: number, scaling: RopeScaling, seqLen: number): number[] {
  let base = theta;
  if (scaling.type === 'dynamic' && seqLen > scaling.maxPositions) {
    const f = scaling.factor;
    base = theta * ((f * seqLen) / scaling.maxPositions - (f - 1)) ** (headDim / (headDim - 2));
  }
  const inv: number[] = [];
  for (let i = 0; i < headDim / 2; i++) inv.push(Math.fround(1 / base ** ((2 * i) / headDim)));
  if (scaling.type === 'linear') return inv.map((f) => Math.fround(f / scaling.factor));
  if (scaling.type === 'longrope') {
    const factors = seqLen > scaling.originalMaxPositions ? scaling.longFactor : scaling.shortFactor;
    return inv.map((f, i) => Math.fround(f / factors[i]));
  }
  if (scaling.type !== 'llama3') return inv;
  const { factor, lowFreqFactor, highFreqFactor, originalMaxPositions: old } = scaling;
  const lowFreqWavelen = old / lowFreqFactor;
  const highFreqWavelen = old / highFreqFactor;
  return inv.map((f) => {
    const wavelen = (2 * Math.PI) / f;
    if (wavelen > lowFreqWavelen) return Math.fround(f / factor);
    if (wavelen < highFreqWavelen) return f;
    const smooth = (old / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
    return Math.fround(((1 - smooth) * f) / factor + smooth * f);
  });
}

/**
 * cos and sin tables [seqLen, headDim] for positions 0 … seqLen−1; past rotaryDim cos is 1 and
 * sin 0. longrope's attention factor scales both (in float32, as transformers does).
 */
export function ropeTables(
  seqLen: number,
  headDim: number,
  theta: number,
  scaling: RopeScaling = { type: 'default' },
  rotaryDim = headDim,
): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  const half = rotaryDim / 2;
  const cos = new Float32Array(seqLen * headDim).fill(1);
  const sin = new Float32Array(seqLen * headDim);
  const invFreqs = inverseFrequencies(rotaryDim, theta, scaling, seqLen);
  const gain = scaling.type === 'longrope' ? scaling.attentionFactor : 1;
  for (let pos = 0; pos < seqLen; pos++) {
    for (let i = 0; i < half; i++) {
      const invFreq = invFreqs[i];
      const angle = pos * invFreq;
      for (const j of [i, i + half]) {
        cos[pos * headDim + j] = Math.fround(Math.cos(angle)) * gain;
        sin[pos * headDim + j] = Math.fround(Math.sin(angle)) * gain;
      }
    }
  }
  return { cos: tf.tensor2d(cos, [seqLen, headDim]), sin: tf.tensor2d(sin, [seqLen, headDim]) };
}

/** x is [batch, heads, seq, headDim]. */
export function applyRope(x: tf.Tensor4D, tables: RopeTables): tf.Tensor4D {
  const [b, h, s, d] = x.shape;
  const rotated = tf.reshape(tables.rotate.forward(tf.reshape(x, [b * h * s, d])), x.shape);
  return tf.add(tf.mul(x, tables.cos), tf.mul(rotated, tables.sin)) as tf.Tensor4D;
}
