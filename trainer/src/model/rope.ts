/**
 * Rotary position embeddings as transformers' Llama computes them: inverse frequencies
 * θ^(−2i/d), the angle table duplicated over both halves, and x·cos + rotate_half(x)·sin with
 * rotate_half(x) = [−x₂, x₁].
 */
import * as tf from '@tensorflow/tfjs';

export interface RopeTables {
  cos: tf.Tensor2D;
  sin: tf.Tensor2D;
}

/** cos and sin tables [seqLen, headDim] for positions 0 … seqLen−1. */
export function ropeTables(seqLen: number, headDim: number, theta: number): RopeTables {
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
  const half = x.shape[3] / 2;
  const [x1, x2] = tf.split(x, [half, half], 3);
  const rotated = tf.concat([tf.neg(x2), x1], 3);
  return tf.add(tf.mul(x, tables.cos), tf.mul(rotated, tables.sin)) as tf.Tensor4D;
}
