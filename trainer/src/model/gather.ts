/**
 * tf.gather along the first axis with its gradient scattered back by ScatterNd (which sums
 * repeated indices): tfjs' own gather gradient needs UnsortedSegmentSum, which the wasm backend
 * lacks. The loss picks target logits with it; the embedding lookup uses it so a full-parameter
 * run (the fixture's pretraining) can differentiate the embeddings on wasm.
 */
import * as tf from '@tensorflow/tfjs';

export const gatherRows = tf.customGrad((x, indices, save) => {
  (save as tf.GradSaveFunc)([indices as tf.Tensor]); // saved: a tidy would dispose a captured one
  const shape = (x as tf.Tensor).shape;
  return {
    value: tf.gather(x as tf.Tensor, indices as tf.Tensor1D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
      tf.scatterND(tf.reshape(saved[0], [-1, 1]), dy, shape),
      tf.zerosLike(saved[0]),
    ],
  };
}) as <T extends tf.Tensor>(x: T, indices: tf.Tensor1D) => T;
