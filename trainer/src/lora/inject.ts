/**
 * Which linear layers get an adapter, and their PEFT names. PEFT wraps the model twice
 * (PeftModel → LoraModel), hence `base_model.model.` before the transformers name.
 */
import type { TargetModule } from '../model/llama.ts';
import type { LlamaModel } from '../model/llama.ts';
import type { Rng } from '../rng.ts';
import { LoraLinear, type LoraOptions } from './lora-linear.ts';

export const MODULE_GROUP: Record<TargetModule, 'self_attn' | 'mlp'> = {
  q_proj: 'self_attn', k_proj: 'self_attn', v_proj: 'self_attn', o_proj: 'self_attn',
  gate_proj: 'mlp', up_proj: 'mlp', down_proj: 'mlp',
};

/** `model.layers.3.self_attn.q_proj`: the transformers module path. */
export function modulePath(layer: number, module: TargetModule): string {
  return `model.layers.${layer}.${MODULE_GROUP[module]}.${module}`;
}

export function peftTensorName(layer: number, module: TargetModule, which: 'A' | 'B'): string {
  return `base_model.model.${modulePath(layer, module)}.lora_${which}.weight`;
}

/** Adapters keyed by module path, in a fixed order (layer, then module as listed). */
export type AdapterSet = Map<string, LoraLinear>;

export function createAdapters(model: LlamaModel, targets: readonly TargetModule[], options: LoraOptions, rng: Rng): AdapterSet {
  const adapters: AdapterSet = new Map();
  for (let layer = 0; layer < model.config.numLayers; layer++) {
    for (const module of targets) {
      const base = model.linear(layer, module);
      const path = modulePath(layer, module);
      adapters.set(path, new LoraLinear(path, base.inFeatures, base.outFeatures, options, rng));
    }
  }
  return adapters;
}

export function adapterVariables(adapters: AdapterSet) {
  return [...adapters.values()].flatMap((a) => [a.aT, a.bT]);
}

export function disposeAdapters(adapters: AdapterSet): void {
  for (const adapter of adapters.values()) adapter.dispose();
}
