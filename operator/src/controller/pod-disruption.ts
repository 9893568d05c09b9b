/**
 * Whether the cluster, not the trainer, ended a trial's pod: evicted by the kubelet, preempted,
 * or deleted by someone else. Pure. Servers from 1.26 mark such pods with the DisruptionTarget
 * condition; a 1.20 server does not, so the pod's reason and its deletion say it. The operator
 * never deletes the pod of a running trial itself (it deletes Jobs, and only of ended trials),
 * so a deleted pod of a running trial was deleted by someone else: kubectl, a drain, the
 * scheduler's preemption or the job controller's cleanup after its Job was deleted.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { nameOf } from '../api/object-name.ts';
import { TRAINER_CONTAINER } from './labels.ts';

export interface Disruption {
  reason: string;
  message: string;
  /** The disrupted pod, when it is still there to name. */
  pod?: string;
}

/** Pod reasons a kubelet gives a pod it ends for others: eviction, and critical-pod preemption. */
const KUBELET_DISRUPTIONS = new Set(['Evicted', 'Preempting']);

/** A disruption of `pod`, or undefined when it runs or ended by itself. */
export function podDisruption(pod: V1Pod): Disruption | undefined {
  const name = nameOf(pod);
  const target = pod.status?.conditions?.find((c) => c.type === 'DisruptionTarget' && c.status === 'True');
  if (target)
    return {
      reason: target.reason ?? 'DisruptionTarget',
      message: target.message ?? `pod ${name} was disrupted`,
      pod: name,
    };
  const reason = pod.status?.reason;
  if (pod.status?.phase === 'Failed' && reason && KUBELET_DISRUPTIONS.has(reason))
    return { reason, message: pod.status.message?.trim() || `the kubelet ended pod ${name}`, pod: name };
  if (pod.metadata?.deletionTimestamp && !hasSucceeded(pod))
    return { reason: 'PodDeleted', message: `pod ${name} was deleted before the trainer finished`, pod: name };
  return undefined;
}

/** The pod the operator saw start is no longer there (deleted at once, or while it was down). */
export function podGone(pod: string): Disruption {
  return { reason: 'PodGone', message: `pod ${pod} is gone before the trainer finished`, pod };
}

/** A trainer that exited 0 finished its work, whoever deletes its pod afterwards. */
function hasSucceeded(pod: V1Pod): boolean {
  const statuses = pod.status?.containerStatuses ?? [];
  const trainer = statuses.find((s) => s.name === TRAINER_CONTAINER) ?? statuses[0];
  return trainer?.state?.terminated?.exitCode === 0;
}
