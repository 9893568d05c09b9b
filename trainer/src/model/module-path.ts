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
};

/** `model.layers.3.self_attn.q_proj`: the transformers module path. */
export function modulePath(layer: number, module: TargetModule): string {
  return `model.layers.${layer}.${MODULE_GROUP[module]}.${module}`;
}
