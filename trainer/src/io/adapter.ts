/**
 * Saves an adapter as PEFT loads it: adapter_model.safetensors (PEFT tensor names) and
 * adapter_config.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PeftState } from '../lora/peft-state.ts';
import { serializeSafetensors } from './safetensors.ts';

export interface AdapterConfigInput {
  r: number;
  loraAlpha: number;
  loraDropout: number;
  targetModules: readonly string[];
  baseModel: string;
  useRslora?: boolean;
  useDora?: boolean;
}

export function adapterConfig(c: AdapterConfigInput): object {
  return {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: c.baseModel,
    r: c.r,
    lora_alpha: c.loraAlpha,
    lora_dropout: c.loraDropout,
    target_modules: [...c.targetModules],
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    modules_to_save: null,
    layers_to_transform: null,
    layers_pattern: null,
    use_rslora: c.useRslora ?? false,
    use_dora: c.useDora ?? false,
    revision: null,
  };
}

/** Writes both files into `dir` (created) and returns it. */
export function saveAdapter(dir: string, state: PeftState, config: AdapterConfigInput): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'adapter_model.safetensors'), serializeSafetensors(state, { format: 'pt' }));
  writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify(adapterConfig(config), null, 2) + '\n');
  return dir;
}
