/**
 * Rotary position embeddings as transformers' Llama computes them: inverse frequencies
 * θ^(−2i/d), the angle table duplicated over both halves, and x·cos + rotate_half(x)·sin with
 * rotate_half(x) = [−x₂, x₁].
 */
import * as tf from '@tensorflow/tfjs';
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
export function rotateHalfWeight(headDim: number): tf.Tensor2D {
  const half = headDim / 2;
  const w = new Float32Array(headDim * headDim);
  for (let j = 0; j < half; j++) {
    w[j * headDim + (j + half)] = -1; // out j < half takes −x[j + half]
    w[(j + half) * headDim + j] = 1; // out j ≥ half takes x[j − half]
  }
  return tf.tensor2d(w, [headDim, headDim]);
}

/** cos and sin tables [seqLen, headDim] for positions 0 … seqLen−1. */
export function ropeTables(seqLen: number, headDim: number, theta: number): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  const half = headDim / 2;
  const cos = new Float32Array(seqLen * headDim);
  const sin = new Float32Array(seqLen * headDim);
  for (let pos = 0; pos < seqLen; pos++) {
    for (let i = 0; i < half; i++) {
      const invFreq = Math.fround(1 / theta ** ((2 * i) / headDim));
      const angle = pos * invFreq;
      for (const j of [i, i + half]) {
        cos[pos * headDim + j] = Math.cos(angle);
        sin[pos * headDim + j] = Math.sin(angle);
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
