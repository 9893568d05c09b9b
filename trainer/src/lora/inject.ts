/**
 * Which linear layers get an adapter, and their PEFT names. PEFT wraps the model twice
 * (PeftModel → LoraModel), hence `base_model.model.` before the transformers name.
 */
import type { LlamaModel } from '../model/llama.ts';
import { modulePath, type TargetModule } from '../model/module-path.ts';
import type { Rng } from '../rng.ts';
import { LoraLinear, type LoraOptions } from './lora-linear.ts';

export function peftTensorName(layer: number, module: TargetModule, which: 'A' | 'B'): string {
  return `base_model.model.${modulePath(layer, module)}.lora_${which}.weight`;
}

/** Adapters keyed by module path, in a fixed order (layer, then module as listed). */
export type AdapterSet = Map<string, LoraLinear>;

export function createAdapters(
  model: LlamaModel,
  targets: readonly TargetModule[],
  options: LoraOptions,
  rng: Rng,
): AdapterSet {
  const adapters: AdapterSet = new Map();
  for (let layer = 0; layer < model.config.numLayers; layer++) {
    for (const module of targets) {
      const base = model.linear(layer, module);
      const path = modulePath(layer, module);
      adapters.set(path, new LoraLinear(path, base.inFeatures, base.outFeatures, options, rng, base.weight));
    }
  }
  return adapters;
}

export function adapterVariables(adapters: AdapterSet) {
  return [...adapters.values()].flatMap((adapter) => adapter.variables);
}

export function disposeAdapters(adapters: AdapterSet): void {
  for (const adapter of adapters.values()) adapter.dispose();
}
