/**
 * A Llama-family decoder (RMSNorm, rotary embeddings, gated MLP, grouped-query attention, tied
 * or untied embeddings) over frozen weights, with optional LoRA adapters on its linear layers.
 * The config's switches cover Mistral, Qwen2, Gemma 1–3 and Phi-3 (see config.ts). The frozen weights are
 * uploaded once; a training step only creates activations.
 */
import * as tf from '@tensorflow/tfjs';
import type { Checkpoint } from '../io/checkpoint.ts';
import type { Rng } from '../rng.ts';
import { attention, causalMask, softcap } from './attention.ts';
import type { LlamaConfig } from './config.ts';
import { gatherRows } from './gather.ts';
import { linearModules, modulePath, type TargetModule } from './module-path.ts';
import { activate, FrozenLinear, rmsNorm, type GradientMode } from './ops.ts';
import { ropeTables, rotateHalfWeight, type RopeTables } from './rope.ts';

/** What the model asks of an adapter on a linear layer (lora/LoraLinear is the one there is). */
export interface ModuleAdapter {
  /** The adapted layer's output (the frozen layer's included). */
  output(x: tf.Tensor2D, base: FrozenLinear, mode: GradientMode, dropoutSeed?: number): tf.Tensor2D;
}

interface Layer {
  inputNorm: tf.Tensor1D;
  postNorm: tf.Tensor1D;
  /** Gemma 2's extra norms (pre/post MLP). */
  preFeedforwardNorm?: tf.Tensor1D;
  postFeedforwardNorm?: tf.Tensor1D;
  sliding: boolean;
  /** Gemma 3's RMSNorm weights (as 1 + w) over each head's queries and keys. */
  qNorm?: tf.Tensor1D;
  kNorm?: tf.Tensor1D;
  /** The architecture's linear layers (linearModules): seven, or Phi-3's four fused ones. */
  linears: Partial<Record<TargetModule, FrozenLinear>>;
}

export interface ForwardOptions {
  /** Adapters keyed by module path (`modulePath`). */
  adapters?: ReadonlyMap<string, ModuleAdapter>;
  /** Draws the adapter dropout seeds; absent in evaluation (no dropout). */
  dropoutRng?: Rng;
}

interface Pass extends ForwardOptions {
  batch: number;
  seqLen: number;
  rope: RopeTables;
  /** Gemma 3's rope of the sliding layers (its own theta, no scaling). */
  slidingRope?: RopeTables;
  mask: tf.Tensor2D;
  /** The sliding-window mask where only some layers slide. */
  slidingMask?: tf.Tensor2D;
}

type PositionTables = Pick<Pass, 'rope' | 'slidingRope' | 'mask' | 'slidingMask'>;

export class LlamaModel {
  readonly config: LlamaConfig;
  readonly mode: GradientMode;
  private readonly embed: tf.Tensor2D;
  private readonly layers: Layer[];
  private readonly finalNorm: tf.Tensor1D;
  private readonly lmHead: FrozenLinear;
  private readonly positionTables = new Map<number, PositionTables>();
  private readonly rotateHalf: FrozenLinear;

  /**
   * With `trainable`, every checkpoint tensor as a variable, by checkpoint name (as the model
   * holds it: Gemma's norms as 1 + w); empty otherwise. Full-parameter training (the fixture's
   * pretraining) differentiates these.
   */
  readonly weights = new Map<string, tf.Variable>();

  /** A module or tensor name as the checkpoint stores it (Gemma 3's multimodal files nest them). */
  readonly storedName: (name: string) => string;

  /** Reads each tensor once, in order, uploads it, and closes the checkpoint. */
  constructor(checkpoint: Checkpoint, mode: GradientMode, options: { trainable?: boolean } = {}) {
    this.config = checkpoint.config;
    this.mode = mode;
    this.storedName = checkpoint.storedName ?? ((name) => name);
    const read = (name: string) => {
      const host = checkpoint.tensors.get(name);
      if (host === undefined) throw new Error(`tensor ${name} was not loaded`);
      if (this.config.normPlusOne && name.endsWith('norm.weight')) {
        // Gemma's norm multiplies by (1 + w) in float32: the same bits as storing 1 + w once.
        return tf.tensor(
          Float32Array.from(host.data, (w) => 1 + w),
          host.shape,
        );
      }
      return tf.tensor(host.data, host.shape);
    };
    const upload = (name: string): tf.Tensor => {
      const tensor = read(name);
      if (options.trainable !== true) return tensor;
      const variable = tf.variable(tensor);
      tensor.dispose();
      this.weights.set(name, variable);
      return variable;
    };
    this.embed = upload('model.embed_tokens.weight') as tf.Tensor2D;
    this.finalNorm = upload('model.norm.weight') as tf.Tensor1D;
    this.layers = [];
    for (let i = 0; i < this.config.numLayers; i++) this.layers.push(this.uploadLayer(i, upload));
    const head = this.config.tieWordEmbeddings ? this.embed : (upload('lm_head.weight') as tf.Tensor2D);
    this.lmHead = new FrozenLinear(head, mode);
    this.rotateHalf = new FrozenLinear(rotateHalfWeight(this.config.headDim, this.config.rotaryDim), mode);
    checkpoint.close?.(); // every tensor is on the backend now; the files are not read again
  }

  private uploadLayer(i: number, upload: (name: string) => tf.Tensor): Layer {
    const linears: Layer['linears'] = {};
    for (const m of linearModules(this.config)) {
      const bias = this.config.biases.has(m) ? (upload(`${modulePath(i, m)}.bias`) as tf.Tensor1D) : undefined;
      linears[m] = new FrozenLinear(upload(`${modulePath(i, m)}.weight`) as tf.Tensor2D, this.mode, bias);
    }
    const p = `model.layers.${i}`;
    const sandwich = this.config.sandwichNorms;
    return {
      inputNorm: upload(`${p}.input_layernorm.weight`) as tf.Tensor1D,
      postNorm: upload(`${p}.post_attention_layernorm.weight`) as tf.Tensor1D,
      preFeedforwardNorm: sandwich ? (upload(`${p}.pre_feedforward_layernorm.weight`) as tf.Tensor1D) : undefined,
      postFeedforwardNorm: sandwich ? (upload(`${p}.post_feedforward_layernorm.weight`) as tf.Tensor1D) : undefined,
      sliding: this.config.slidingLayers?.[i] ?? false,
      qNorm: this.config.qkNorm ? (upload(`${p}.self_attn.q_norm.weight`) as tf.Tensor1D) : undefined,
      kNorm: this.config.qkNorm ? (upload(`${p}.self_attn.k_norm.weight`) as tf.Tensor1D) : undefined,
      linears,
    };
  }

  linear(layer: number, module: TargetModule): FrozenLinear {
    const linear = this.layers[layer].linears[module];
    if (linear === undefined) throw new Error(`a ${this.config.modelType} layer has no ${module}`);
    return linear;
  }

  private tablesFor(seqLen: number): PositionTables {
    let tables = this.positionTables.get(seqLen);
    if (tables === undefined) {
      const c = this.config;
      const kept = (theta: number, scaling: LlamaConfig['ropeScaling']): RopeTables => {
        const rope = ropeTables(seqLen, c.headDim, theta, scaling, c.rotaryDim);
        return { cos: tf.keep(rope.cos), sin: tf.keep(rope.sin), rotate: this.rotateHalf };
      };
      const groups = c.numHeads / c.numKvHeads;
      const perLayer = c.slidingLayers !== undefined;
      tables = {
        rope: kept(c.ropeTheta, c.ropeScaling),
        slidingRope: c.slidingRopeTheta === undefined ? undefined : kept(c.slidingRopeTheta, { type: 'default' }),
        mask: tf.keep(causalMask(seqLen, groups, perLayer ? undefined : c.slidingWindow)),
        slidingMask: perLayer ? tf.keep(causalMask(seqLen, groups, c.slidingWindow)) : undefined,
      };
      this.positionTables.set(seqLen, tables);
    }
    return tables;
  }

  /** Logits [batch·seq, vocab] for token ids [batch, seq]. */
  forward(ids: tf.Tensor2D, options: ForwardOptions = {}): tf.Tensor2D {
    const [batch, seqLen] = ids.shape;
    const pass: Pass = { ...options, batch, seqLen, ...this.tablesFor(seqLen) };
    let h = gatherRows(this.embed, tf.reshape(ids, [-1]) as tf.Tensor1D);
    if (this.config.embeddingScale !== 1) h = tf.mul(h, this.config.embeddingScale);
    for (let i = 0; i < this.layers.length; i++) h = this.decoderLayer(i, h, pass);
    const logits = this.lmHead.forward(rmsNorm(h, this.finalNorm, this.config.rmsNormEps) as tf.Tensor2D);
    const cap = this.config.finalSoftcap;
    return cap === undefined ? logits : (softcap(logits, cap) as tf.Tensor2D);
  }

  private decoderLayer(i: number, h: tf.Tensor2D, pass: Pass): tf.Tensor2D {
    const layer = this.layers[i];
    const eps = this.config.rmsNormEps;
    const x = rmsNorm(h, layer.inputNorm, eps) as tf.Tensor2D;
    const proj = (m: TargetModule, input: tf.Tensor2D) => this.project(i, m, input, pass);
    const c = this.config;
    const [q, k, v] = c.fusedProjections
      ? (tf.split(
          proj('qkv_proj', x),
          [c.numHeads * c.headDim, c.numKvHeads * c.headDim, c.numKvHeads * c.headDim],
          1,
        ) as tf.Tensor2D[])
      : [proj('q_proj', x), proj('k_proj', x), proj('v_proj', x)];
    const gated = (input: tf.Tensor2D): tf.Tensor2D[] =>
      c.fusedProjections
        ? (tf.split(proj('gate_up_proj', input), 2, 1) as tf.Tensor2D[])
        : [proj('gate_proj', input), proj('up_proj', input)];
    const context = attention(this.config, {
      q,
      k,
      v,
      batch: pass.batch,
      seqLen: pass.seqLen,
      rope: layer.sliding && pass.slidingRope !== undefined ? pass.slidingRope : pass.rope,
      mask: layer.sliding && pass.slidingMask !== undefined ? pass.slidingMask : pass.mask,
      qNorm: layer.qNorm,
      kNorm: layer.kNorm,
      mode: this.mode,
    });
    const mlp = (input: tf.Tensor2D) => {
      const [gate, up] = gated(input);
      return proj('down_proj', tf.mul(activate(c.activation, gate), up) as tf.Tensor2D);
    };
    if (layer.preFeedforwardNorm === undefined || layer.postFeedforwardNorm === undefined) {
      const afterAttention = tf.add(h, proj('o_proj', context)) as tf.Tensor2D;
      return tf.add(afterAttention, mlp(rmsNorm(afterAttention, layer.postNorm, eps) as tf.Tensor2D)) as tf.Tensor2D;
    }
    // Gemma 2: post_attention_layernorm normalises the attention output before the residual
    const attended = rmsNorm(proj('o_proj', context), layer.postNorm, eps);
    const afterAttention = tf.add(h, attended) as tf.Tensor2D;
    const mlpOut = mlp(rmsNorm(afterAttention, layer.preFeedforwardNorm, eps) as tf.Tensor2D);
    return tf.add(afterAttention, rmsNorm(mlpOut, layer.postFeedforwardNorm, eps)) as tf.Tensor2D;
  }

  /** Base projection plus the module's adapter, if it has one. */
  private project(layer: number, module: TargetModule, x: tf.Tensor2D, pass: Pass): tf.Tensor2D {
    const linear = this.linear(layer, module);
    const adapter = pass.adapters?.get(modulePath(layer, module));
    if (adapter === undefined) return linear.forward(x);
    const seed = pass.dropoutRng?.int(2 ** 31);
    return adapter.output(x, linear, this.mode, seed);
  }

  dispose(): void {
    this.embed.dispose();
    this.finalNorm.dispose();
    this.lmHead.dispose();
    this.rotateHalf.dispose();
    for (const layer of this.layers) {
      layer.inputNorm.dispose();
      layer.postNorm.dispose();
      layer.preFeedforwardNorm?.dispose();
      layer.postFeedforwardNorm?.dispose();
      layer.qNorm?.dispose();
      layer.kNorm?.dispose();
      for (const linear of Object.values(layer.linears)) linear?.dispose();
    }
    for (const { rope, slidingRope, mask, slidingMask } of this.positionTables.values())
      tf.dispose([
        rope.cos,
        rope.sin,
        mask,
        ...(slidingRope ? [slidingRope.cos, slidingRope.sin] : []),
        ...(slidingMask ? [slidingMask] : []),
      ]);
  }
}
