/**
 * Next-token cross-entropy, summed over the positions that count (weights 1) — callers normalise.
 * nll = logsumexp(logits) − logits[target], the target logit picked by a gather on the flat
 * logits: no one-hot [tokens, vocab] (2–4 GB at 4096 tokens with a 128k–256k vocabulary).
 */
import * as tf from '@tensorflow/tfjs';

/**
 * flat[index] with its gradient scattered back by ScatterNd: tfjs' own gather gradient needs
 * UnsortedSegmentSum, which the wasm backend lacks.
 */
const pick = tf.customGrad((flat, index, save) => {
  (save as tf.GradSaveFunc)([index as tf.Tensor]); // saved: a tidy would dispose a captured one
  return {
    value: tf.gather(flat as tf.Tensor1D, index as tf.Tensor1D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
      tf.scatterND(tf.reshape(saved[0], [-1, 1]), dy, [(flat as tf.Tensor).size]),
      tf.zerosLike(saved[0]),
    ],
  };
}) as (flat: tf.Tensor1D, index: tf.Tensor1D) => tf.Tensor1D;

export function weightedNllSum(logits: tf.Tensor2D, targets: tf.Tensor1D, weights: tf.Tensor1D): tf.Scalar {
  const [tokens, vocab] = logits.shape;
  const flatIndex = tf.add(tf.mul(tf.range(0, tokens, 1, 'int32'), tf.scalar(vocab, 'int32')), targets) as tf.Tensor1D;
  const nll = tf.sub(tf.logSumExp(logits, 1), pick(tf.reshape(logits, [-1]), flatIndex));
  return tf.sum(tf.mul(nll, weights)) as tf.Scalar;
}
