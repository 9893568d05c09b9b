import type { V1Node, V1Pod, V1Taint, V1Toleration } from '@kubernetes/client-node';
import { addResources, parseQuantity } from './quantity.ts';

/** What the pod asks the scheduler for: container requests (limits where the API defaulted none), and one pod slot. */
export function podRequests(pod: V1Pod): Map<string, number> {
  const total = new Map<string, number>([['pods', 1]]);
  for (const container of pod.spec?.containers ?? []) {
    addResources(total, { ...container.resources?.limits, ...container.resources?.requests });
  }
  return total;
}

function tolerates(tolerations: readonly V1Toleration[], taint: V1Taint): boolean {
  return tolerations.some(
    (t) =>
      (t.key === undefined || t.key === '' ? t.operator === 'Exists' : t.key === taint.key) &&
      (t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '')) &&
      (t.effect === undefined || t.effect === '' || t.effect === taint.effect),
  );
}

/** Why the pod cannot go on the node, in the scheduler's words; undefined when it fits. */
export function unschedulableReason(pod: V1Pod, node: V1Node, used: Map<string, number>): string | undefined {
  const labels = node.metadata?.labels ?? {};
  const selector = pod.spec?.nodeSelector ?? {};
  if (Object.entries(selector).some(([key, value]) => labels[key] !== value)) {
    return "0/1 nodes are available: 1 node(s) didn't match node selector.";
  }
  const taint = (node.spec?.taints ?? []).find(
    (t) => t.effect !== 'PreferNoSchedule' && !tolerates(pod.spec?.tolerations ?? [], t),
  );
  if (taint)
    return `0/1 nodes are available: 1 node(s) had taint {${taint.key}: ${taint.value ?? ''}}, that the pod didn't tolerate.`;
  const allocatable = node.status?.allocatable ?? {};
  for (const [resource, amount] of podRequests(pod)) {
    if (amount === 0) continue;
    const available = allocatable[resource] === undefined ? 0 : parseQuantity(allocatable[resource]);
    if ((used.get(resource) ?? 0) + amount > available) return `0/1 nodes are available: 1 Insufficient ${resource}.`;
  }
  return undefined;
}
