/**
 * One LoRA adapter: Δy = (alpha / r) · dropout(x) Aᵀ Bᵀ (rsLoRA: alpha / √r), A initialised as PEFT does
 * (kaiming_uniform_ with a = √5, i.e. U(−1/√in, 1/√in)), B at zero so training starts from the
 * base model. A and B are kept transposed ([in, r] and [r, out]) so the products need no
 * transpose flags; they are turned back into PEFT's layout when saved.
 */
import * as tf from '@tensorflow/tfjs';
import type { HostTensor } from '../io/safetensors.ts';
import { matMul, type GradientMode } from '../model/ops.ts';
import type { Rng } from '../rng.ts';

export interface LoraOptions {
  r: number;
  alpha: number;
  dropout: number;
  /** rsLoRA (Kalajdzievski 2023): scale by alpha / √r, so larger ranks keep learning. */
  rslora?: boolean;
}

let instances = 0;

export class LoraLinear {
  /** Aᵀ, [in, r]. */
  readonly aT: tf.Variable;
  /** Bᵀ, [r, out]. */
  readonly bT: tf.Variable;
  readonly scale: number;
  readonly dropout: number;

  constructor(name: string, inFeatures: number, outFeatures: number, options: LoraOptions, rng: Rng) {
    const bound = 1 / Math.sqrt(inFeatures);
    const init = new Float32Array(inFeatures * options.r);
    for (let i = 0; i < init.length; i++) init[i] = (2 * rng.next() - 1) * bound;
    const prefix = `lora${instances++}/${name}`; // variable names are global to the engine
    this.aT = tf.variable(tf.tensor2d(init, [inFeatures, options.r]), true, `${prefix}/A`);
    this.bT = tf.variable(tf.zeros([options.r, outFeatures]), true, `${prefix}/B`);
    this.scale = options.alpha / (options.rslora ? Math.sqrt(options.r) : options.r);
    this.dropout = options.dropout;
  }

  /** The adapter's contribution for a [tokens, in] input; `dropoutSeed` only while training. */
  delta(x: tf.Tensor2D, mode: GradientMode, dropoutSeed?: number): tf.Tensor2D {
    const input =
      dropoutSeed !== undefined && this.dropout > 0 ? tf.dropout(x, this.dropout, undefined, dropoutSeed) : x;
    return tf.mul(matMul(matMul(input, this.aT, mode), this.bT, mode), this.scale) as tf.Tensor2D;
  }

  /** lora_A.weight [r, in] and lora_B.weight [out, r], as PEFT stores them. */
  toPeft(): { a: HostTensor; b: HostTensor } {
    return tf.tidy(() => {
      const a = tf.transpose(this.aT);
      const b = tf.transpose(this.bT);
      return {
        a: { shape: a.shape, data: a.dataSync() as Float32Array },
        b: { shape: b.shape, data: b.dataSync() as Float32Array },
      };
    });
  }

  dispose(): void {
    this.aT.dispose();
    this.bT.dispose();
  }
}
