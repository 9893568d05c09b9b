/**
 * One LoRA adapter: Δy = (alpha / r) · dropout(x) Aᵀ Bᵀ (rsLoRA: alpha / √r), A initialised as PEFT does
 * (kaiming_uniform_ with a = √5, i.e. U(−1/√in, 1/√in)), B at zero so training starts from the
 * base model. A and B are kept transposed ([in, r] and [r, out]) so the products need no
 * transpose flags; they are turned back into PEFT's layout when saved.
 *
 * DoRA (Liu et al. 2024, PEFT `use_dora`): the weight is split into a magnitude m (one per output,
 * trained, starting at the rows' norms ‖W‖) and a direction W + s·BA, so
 * y = b + (m / ‖W + s·BA‖) ⊙ (x' Wᵀ + s · x' Aᵀ Bᵀ) with x' the dropped-out input, as PEFT computes
 * it: the frozen path without dropout plus (m/‖·‖ − 1) ⊙ x' Wᵀ. The norm is a constant to the
 * gradient (the paper's §4.3, as PEFT does).
 */
import * as tf from '@tensorflow/tfjs';
import type { HostTensor } from '../io/safetensors.ts';
import { matMul, type FrozenLinear, type GradientMode } from '../model/ops.ts';
import type { Rng } from '../rng.ts';

export interface LoraOptions {
  r: number;
  alpha: number;
  dropout: number;
  /** rsLoRA (Kalajdzievski 2023): scale by alpha / √r, so larger ranks keep learning. */
  rslora?: boolean;
  /** DoRA: a trained magnitude per output besides the low-rank direction update. */
  dora?: boolean;
}

type DirectionNorm = (weight: tf.Tensor, aT: tf.Tensor, bT: tf.Tensor) => tf.Tensor1D;

/** ‖W + s·(aT bT)ᵀ‖ per output row (W [out, in]), with no gradient: DoRA's constant norm. */
function directionNorm(scale: number): DirectionNorm {
  return tf.customGrad((...args) => {
    const [weight, aT, bT, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    save([]);
    const update = tf.mul(tf.transpose(tf.matMul(aT, bT)), scale);
    return {
      value: tf.norm(tf.add(weight, update), 'euclidean', 1),
      gradFunc: () => [tf.zerosLike(weight), tf.zerosLike(aT), tf.zerosLike(bT)],
    };
  }) as DirectionNorm;
}

let instances = 0;

export class LoraLinear {
  /** Aᵀ, [in, r]. */
  readonly aT: tf.Variable;
  /** Bᵀ, [r, out]. */
  readonly bT: tf.Variable;
  /** DoRA's magnitude m, [out]; undefined for plain LoRA. */
  readonly magnitude: tf.Variable | undefined;
  readonly scale: number;
  readonly dropout: number;
  private readonly norm: DirectionNorm | undefined;

  /** `baseWeight` ([out, in]): the frozen weight DoRA's magnitude starts from (needed with `dora`). */
  constructor(
    name: string,
    inFeatures: number,
    outFeatures: number,
    options: LoraOptions,
    rng: Rng,
    baseWeight?: tf.Tensor2D,
  ) {
    const bound = 1 / Math.sqrt(inFeatures);
    const init = new Float32Array(inFeatures * options.r);
    for (let i = 0; i < init.length; i++) init[i] = (2 * rng.next() - 1) * bound;
    const prefix = `lora${instances++}/${name}`; // variable names are global to the engine
    this.aT = tf.variable(tf.tensor2d(init, [inFeatures, options.r]), true, `${prefix}/A`);
    this.bT = tf.variable(tf.zeros([options.r, outFeatures]), true, `${prefix}/B`);
    this.scale = options.alpha / (options.rslora ? Math.sqrt(options.r) : options.r);
    this.dropout = options.dropout;
    if (options.dora && baseWeight === undefined) throw new Error(`DoRA adapter ${name} needs the base weight`);
    this.magnitude =
      options.dora && baseWeight !== undefined
        ? tf.variable(
            tf.tidy(() => tf.norm(baseWeight, 'euclidean', 1)),
            true,
            `${prefix}/magnitude`,
          )
        : undefined;
    this.norm = this.magnitude === undefined ? undefined : directionNorm(this.scale);
  }

  /** The adapted layer's output for a [tokens, in] input; `dropoutSeed` only while training. */
  output(x: tf.Tensor2D, base: FrozenLinear, mode: GradientMode, dropoutSeed?: number): tf.Tensor2D {
    const input =
      dropoutSeed !== undefined && this.dropout > 0
        ? (tf.dropout(x, this.dropout, undefined, dropoutSeed) as tf.Tensor2D)
        : x;
    const product = base.product(x);
    const frozen = base.addBias(product);
    const update = tf.mul(matMul(matMul(input, this.aT, mode), this.bT, mode), this.scale) as tf.Tensor2D;
    if (this.magnitude === undefined || this.norm === undefined) return tf.add(frozen, update) as tf.Tensor2D;
    const norm = this.norm(base.weight, this.aT, this.bT);
    const magnitudeScale = tf.div(this.magnitude, norm);
    const direction = input === x ? product : base.product(input);
    const rescaled = tf.mul(tf.sub(magnitudeScale, 1), direction);
    return tf.add(tf.add(frozen, rescaled), tf.mul(magnitudeScale, update)) as tf.Tensor2D;
  }

  /** The trained tensors, in a fixed order (the optimiser's and the checkpoint's). */
  get variables(): tf.Variable[] {
    return this.magnitude === undefined ? [this.aT, this.bT] : [this.aT, this.bT, this.magnitude];
  }

  /** lora_A.weight [r, in], lora_B.weight [out, r] and DoRA's lora_magnitude_vector [out], as PEFT stores them. */
  toPeft(): { a: HostTensor; b: HostTensor; magnitude?: HostTensor } {
    return tf.tidy(() => {
      const a = tf.transpose(this.aT);
      const b = tf.transpose(this.bT);
      const host = (t: tf.Tensor) => ({ shape: t.shape, data: t.dataSync() as Float32Array });
      return { a: host(a), b: host(b), ...(this.magnitude === undefined ? {} : { magnitude: host(this.magnitude) }) };
    });
  }

  dispose(): void {
    this.aT.dispose();
    this.bT.dispose();
    this.magnitude?.dispose();
  }
}
