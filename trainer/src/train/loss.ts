/** Next-token cross-entropy, summed over the positions that count (weights 1) — callers normalise. */
import * as tf from '@tensorflow/tfjs';

export function weightedNllSum(logits: tf.Tensor2D, targets: tf.Tensor1D, weights: tf.Tensor1D): tf.Scalar {
  const logProbs = tf.logSoftmax(logits);
  const picked = tf.sum(tf.mul(logProbs, tf.oneHot(targets, logits.shape[1])), 1);
  return tf.neg(tf.sum(tf.mul(picked, weights))) as tf.Scalar;
}
