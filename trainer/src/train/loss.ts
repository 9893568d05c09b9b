/**
 * Next-token cross-entropy, summed over the positions that count (weights 1) — callers normalise.
 * nll = logsumexp(logits) − logits[target], the target logit picked by a gather on the flat
 * logits: no one-hot [tokens, vocab] (2–4 GB at 4096 tokens with a 128k–256k vocabulary).
 */
import * as tf from '@tensorflow/tfjs';
import { gatherRows } from '../model/gather.ts';

export function weightedNllSum(logits: tf.Tensor2D, targets: tf.Tensor1D, weights: tf.Tensor1D): tf.Scalar {
  const [tokens, vocab] = logits.shape;
  const flatIndex = tf.add(tf.mul(tf.range(0, tokens, 1, 'int32'), tf.scalar(vocab, 'int32')), targets) as tf.Tensor1D;
  const nll = tf.sub(tf.logSumExp(logits, 1), gatherRows(tf.reshape(logits, [-1]) as tf.Tensor1D, flatIndex));
  return tf.sum(tf.mul(nll, weights)) as tf.Scalar;
}
