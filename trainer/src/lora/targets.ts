/**
 * Which of the model's linear layers get an adapter: a preset resolved against the modules this
 * architecture has (Phi-3's attention is qkv_proj and o_proj), or an explicit list, each of which
 * the model must have. PEFT refuses a target module the model lacks; so does this.
 */
import { LorahpoError } from '../contract/errors.ts';
import type { TargetPreset } from '../contract/training.ts';
import { linearModules, MODULE_GROUP, type TargetModule } from '../model/module-path.ts';

export function resolveTargetModules(
  value: TargetPreset | readonly TargetModule[],
  config: { modelType: string; fusedProjections: boolean },
): TargetModule[] {
  const available = linearModules(config);
  if (value === 'all-linear') return [...available];
  if (value === 'attention') return available.filter((m) => MODULE_GROUP[m] === 'self_attn');
  if (value === 'mlp') return available.filter((m) => MODULE_GROUP[m] === 'mlp');
  const missing = value.filter((m) => !available.includes(m));
  if (missing.length > 0)
    throw new LorahpoError(
      'LORAHPO_SPEC_INVALID',
      `targetModules ${missing.join(', ')}: a ${config.modelType} model has no such linear layer (it has ${available.join(', ')})`,
      { hint: 'or use a preset: attention, mlp or all-linear' },
    );
  return [...value];
}
