/** The adapters as PEFT's state dict: host copies under PEFT's tensor names. */
import type { HostTensor } from '../io/safetensors.ts';
import type { AdapterSet } from './inject.ts';

export type PeftState = Record<string, HostTensor>;

/** `storedName`: the checkpoint's module names (LlamaModel.storedName), so PEFT finds the modules. */
export function peftState(adapters: AdapterSet, storedName: (path: string) => string = (path) => path): PeftState {
  const state: PeftState = {};
  for (const [path, adapter] of adapters) {
    const { a, b, magnitude } = adapter.toPeft();
    state[`base_model.model.${storedName(path)}.lora_A.weight`] = a;
    state[`base_model.model.${storedName(path)}.lora_B.weight`] = b;
    // PEFT's saved name: no ".weight" (its loader adds it back)
    if (magnitude !== undefined) state[`base_model.model.${storedName(path)}.lora_magnitude_vector`] = magnitude;
  }
  return state;
}
