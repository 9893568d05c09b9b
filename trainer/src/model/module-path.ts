/**
 * The linear layers a LoRA adapter can sit on, and their transformers module paths: the model
 * looks its adapters up by these paths, the adapter files name their tensors after them.
 */
import type { TARGET_MODULES } from '../contract/training.ts';

export type TargetModule = (typeof TARGET_MODULES)[number];

export const MODULE_GROUP: Record<TargetModule, 'self_attn' | 'mlp'> = {
  q_proj: 'self_attn',
  k_proj: 'self_attn',
  v_proj: 'self_attn',
  o_proj: 'self_attn',
  gate_proj: 'mlp',
  up_proj: 'mlp',
  down_proj: 'mlp',
  qkv_proj: 'self_attn',
  gate_up_proj: 'mlp',
};

/** Llama, Mistral, Qwen2, Gemma: one linear layer per projection. */
const SEPARATE: readonly TargetModule[] = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];
/** Phi-3: q/k/v in one qkv_proj, gate and up in one gate_up_proj (gate first). */
const FUSED: readonly TargetModule[] = ['qkv_proj', 'o_proj', 'gate_up_proj', 'down_proj'];

/** The linear layers of each decoder layer, in the order the checkpoint and the adapters list them. */
export function linearModules(config: { fusedProjections: boolean }): readonly TargetModule[] {
  return config.fusedProjections ? FUSED : SEPARATE;
}

/** `model.layers.3.self_attn.q_proj`: the transformers module path. */
export function modulePath(layer: number, module: TargetModule): string {
  return `model.layers.${layer}.${MODULE_GROUP[module]}.${module}`;
}
