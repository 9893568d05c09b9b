/**
 * AdamW as PyTorch's torch.optim.AdamW computes it (decoupled weight decay):
 *   p ← p·(1 − lr·λ);  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²
 *   p ← p − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)
 * with β₁ 0.9, β₂ 0.999 and ε = 1e-8 by default as in PyTorch (tfjs's Adam uses ε 1e-7 and has no
 * decoupled decay); the trainer takes them from adamBeta1, adamBeta2 and adamEpsilon.
 * Moments are kept per variable, in the order given.
 */
import * as tf from '@tensorflow/tfjs';
import type { HostTensor } from '../io/safetensors.ts';

export interface AdamWOptions {
  weightDecay: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export interface AdamWState {
  steps: number;
  m: HostTensor[];
  v: HostTensor[];
}

export class AdamW {
  private readonly variables: tf.Variable[];
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly weightDecay: number;
  private steps = 0;

  constructor(variables: tf.Variable[], options: AdamWOptions) {
    this.variables = variables;
    this.m = variables.map((p) => tf.variable(tf.zerosLike(p), false));
    this.v = variables.map((p) => tf.variable(tf.zerosLike(p), false));
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay;
  }

  get stepCount(): number {
    return this.steps;
  }

  /** Moments and step count as host copies, for a training checkpoint. */
  snapshot(): AdamWState {
    const host = (t: tf.Variable) => ({ shape: t.shape.slice(), data: t.dataSync() as Float32Array });
    return { steps: this.steps, m: this.m.map(host), v: this.v.map(host) };
  }

  /** Continues from a snapshot of an optimiser over variables of the same shapes. */
  restore(state: AdamWState): void {
    this.steps = state.steps;
    tf.tidy(() => {
      for (const [i, t] of state.m.entries()) this.m[i].assign(tf.tensor(t.data, t.shape));
      for (const [i, t] of state.v.entries()) this.v[i].assign(tf.tensor(t.data, t.shape));
    });
  }

  /** One update; `grads[i]` belongs to the i-th variable. */
  step(grads: readonly tf.Tensor[], learningRate: number): void {
    this.steps++;
    const correction1 = 1 - this.beta1 ** this.steps;
    const sqrtCorrection2 = Math.sqrt(1 - this.beta2 ** this.steps);
    tf.tidy(() => {
      this.variables.forEach((p, i) => {
        const g = grads[i];
        const m = tf.add(tf.mul(this.m[i], this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(this.v[i], this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        const decayed = tf.mul(p, 1 - learningRate * this.weightDecay);
        const denom = tf.add(tf.div(tf.sqrt(v), sqrtCorrection2), this.epsilon);
        p.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), learningRate / correction1)));
        this.m[i].assign(m);
        this.v[i].assign(v);
      });
    });
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}
