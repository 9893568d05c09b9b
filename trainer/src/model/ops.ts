/**
 * Matrix products with gradients that transpose explicitly. On the wasm backend a BatchMatMul
 * with transposeA/transposeB skips XNNPACK and runs a plain loop (10–30× slower); autograd's
 * matMul gradient uses those flags. These custom gradients transpose first, and a frozen weight
 * is kept pre-transposed once, so every product runs on the fast path (see TRAINER.md).
 * `autograd` mode is the plain formulation, kept for backends that do not need this and for the bench.
 */
import * as tf from '@tensorflow/tfjs';
import type { Activation } from './config.ts';

export type GradientMode = 'explicit' | 'autograd';

function swapLastTwo(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  const n = perm.length;
  [perm[n - 2], perm[n - 1]] = [perm[n - 1], perm[n - 2]];
  return tf.transpose(x, perm);
}

/**
 * ∂(a b)/∂b = aᵀ dy. When a is a tall activation and dy narrow (a LoRA A: x [tokens, in],
 * dy [tokens, r]), (dyᵀ a)ᵀ transposes two small tensors instead of the large one.
 */
function gradOfRight(a: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  const [, inner = 0] = a.shape;
  const [, width = 0] = dy.shape;
  if (a.rank === 2 && dy.size + inner * width < a.size) return tf.transpose(tf.matMul(tf.transpose(dy), a));
  return tf.matMul(swapLastTwo(a), dy);
}

const explicitMatMul = tf.customGrad((a, b, save) => {
  (save as tf.GradSaveFunc)([a as tf.Tensor, b as tf.Tensor]);
  return {
    value: tf.matMul(a as tf.Tensor, b as tf.Tensor),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.matMul(dy, swapLastTwo(saved[1])), gradOfRight(saved[0], dy)],
  };
}) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/** a @ b for two differentiable operands (rank 2, or rank 3–4 batched over the leading dims). */
export function matMul(a: tf.Tensor, b: tf.Tensor, mode: GradientMode): tf.Tensor {
  return mode === 'explicit' ? explicitMatMul(a, b) : tf.matMul(a, b);
}

/** a @ bᵀ over the last two dims (attention scores). */
export function matMulTransposed(a: tf.Tensor, b: tf.Tensor, mode: GradientMode): tf.Tensor {
  return mode === 'explicit' ? explicitMatMul(a, swapLastTwo(b)) : tf.matMul(a, b, false, true);
}

/**
 * A frozen linear layer y = x Wᵀ (+ b) with W stored [out, in] as PyTorch does. A tf.Variable
 * weight (full-parameter training: the fixture's pretraining) is transposed in each pass so its
 * gradient flows, still on the fast path.
 */
export class FrozenLinear {
  readonly weight: tf.Tensor2D;
  readonly bias: tf.Tensor1D | undefined;
  private readonly weightT: tf.Tensor2D | undefined;
  private readonly apply: (x: tf.Tensor2D) => tf.Tensor2D;

  constructor(weight: tf.Tensor2D, mode: GradientMode, bias?: tf.Tensor1D) {
    this.weight = weight;
    this.bias = bias;
    if (mode === 'autograd') {
      this.weightT = undefined;
      this.apply = (x) => tf.matMul(x, weight, false, true);
      return;
    }
    if (weight instanceof tf.Variable) {
      this.weightT = undefined;
      this.apply = (x) => explicitMatMul(x, tf.transpose(weight)) as tf.Tensor2D;
      return;
    }
    const weightT = tf.keep(tf.transpose(weight)) as tf.Tensor2D;
    this.weightT = weightT;
    this.apply = tf.customGrad((x, save) => {
      (save as tf.GradSaveFunc)([]);
      return {
        value: tf.matMul(x as tf.Tensor2D, weightT),
        gradFunc: (dy: tf.Tensor) => [tf.matMul(dy as tf.Tensor2D, weight)],
      };
    }) as (x: tf.Tensor2D) => tf.Tensor2D;
  }

  get outFeatures(): number {
    return this.weight.shape[0];
  }

  get inFeatures(): number {
    return this.weight.shape[1];
  }

  forward(x: tf.Tensor2D): tf.Tensor2D {
    return this.addBias(this.apply(x));
  }

  /** x Wᵀ without the bias (DoRA rescales this part alone). */
  product(x: tf.Tensor2D): tf.Tensor2D {
    return this.apply(x);
  }

  addBias(y: tf.Tensor2D): tf.Tensor2D {
    return this.bias === undefined ? y : (tf.add(y, this.bias) as tf.Tensor2D);
  }

  dispose(): void {
    this.weight.dispose();
    this.weightT?.dispose();
    this.bias?.dispose();
  }
}

/** RMSNorm as Llama computes it: x / sqrt(mean(x²) + eps) · weight. */
export function rmsNorm(x: tf.Tensor, weight: tf.Tensor1D, eps: number): tf.Tensor {
  const variance = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(variance, eps))), weight);
}

export function silu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}

/** transformers' gelu_pytorch_tanh: 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))). */
export function geluTanh(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
}

/** The exact gelu: 0.5 x (1 + erf(x / √2)). */
export function geluErf(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

export function activate(name: Activation, x: tf.Tensor): tf.Tensor {
  if (name === 'silu') return silu(x);
  return name === 'gelu_pytorch_tanh' ? geluTanh(x) : geluErf(x);
}
