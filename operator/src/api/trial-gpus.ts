/**
 * The GPUs a trial asks for: the sum of its template's resource limits named `<vendor>/gpu`
 * (nvidia.com/gpu, amd.com/gpu, …), a request where that resource has no limit (extended resources have
 * request = limit). Other accelerator names (gpu.intel.com/i915, google.com/tpu) do not count.
 */
import type { TrialTemplate } from './study.ts';

export function templateGpus(template: TrialTemplate | undefined): number {
  const resources = template?.resources as
    | { limits?: Record<string, unknown>; requests?: Record<string, unknown> }
    | undefined;
  const amounts = { ...resources?.requests, ...resources?.limits };
  let gpus = 0;
  for (const [name, amount] of Object.entries(amounts)) {
    if (!name.endsWith('/gpu')) continue;
    const count = Number(amount);
    if (Number.isFinite(count) && count > 0) gpus += count;
  }
  return gpus;
}
