/**
 * Global-norm gradient clipping as torch.nn.utils.clip_grad_norm_: the norm over all gradients
 * together; when it exceeds maxNorm every gradient is scaled by maxNorm / (norm + 1e-6).
 */
import * as tf from '@tensorflow/tfjs';

export function globalNorm(grads: readonly tf.Tensor[]): number {
  return tf.tidy(() => Math.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))).dataSync()[0]));
}

/** Returns the clipped gradients (new tensors) and the norm before clipping. */
export function clipByGlobalNorm(grads: readonly tf.Tensor[], maxNorm: number): { grads: tf.Tensor[]; norm: number } {
  const norm = globalNorm(grads);
  const coefficient = Math.min(1, maxNorm / (norm + 1e-6));
  return { grads: grads.map((g) => tf.mul(g, coefficient)), norm };
}
