/**
 * What the operator keeps of the objects it caches. A trial's Job and Pod each carry the whole
 * pod template (the trainer's environment with the params, volumes, security context, …) and stay
 * cached for as long as the trial exists, yet the reconciler reads only their metadata and a few
 * status fields; at a thousand trials the rest is tens of MiB. Objects are trimmed in place as
 * they arrive, so the informer's own cache holds the trimmed object too (client-go calls this a
 * transform). managedFields go from every object: often half of one, never read.
 */
import type {
  KubernetesObject,
  V1ContainerStatus,
  V1Job,
  V1JobSpec,
  V1ObjectMeta,
  V1Pod,
  V1PodCondition,
} from '@kubernetes/client-node';

const KEPT_METADATA = [
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'labels',
  'creationTimestamp',
  'deletionTimestamp',
] as const;

function pick<T extends object, K extends keyof T>(object: T, keys: readonly K[]): Pick<T, K> {
  const kept: Partial<T> = {};
  for (const key of keys) if (object[key] !== undefined) kept[key] = object[key];
  return kept as Pick<T, K>;
}

function trimMetadata(object: KubernetesObject): void {
  if (object.metadata) object.metadata = pick(object.metadata as V1ObjectMeta, KEPT_METADATA);
}

/** PodScheduled=False carries the scheduler's words; DisruptionTarget=True (1.26+) marks a disruption. */
const KEPT_CONDITIONS: Record<string, string> = { PodScheduled: 'False', DisruptionTarget: 'True' };

/**
 * The pod phase, its failure reason, each container's name and state, a PodScheduled=False
 * condition with the scheduler's message (trial-observer.ts) and a DisruptionTarget=True one
 * (pod-disruption.ts).
 */
export function trimPod(pod: V1Pod): void {
  trimMetadata(pod);
  delete pod.spec;
  if (!pod.status) return;
  const containerStatuses = pod.status.containerStatuses?.map(
    (status) => pick(status, ['name', 'state']) as V1ContainerStatus,
  );
  const kept = pod.status.conditions
    ?.filter((condition) => KEPT_CONDITIONS[condition.type] === condition.status)
    .map((condition) => pick(condition, ['type', 'status', 'reason', 'message']) as V1PodCondition);
  pod.status = {
    ...pick(pod.status, ['phase', 'reason', 'message', 'startTime']),
    ...(containerStatuses ? { containerStatuses } : {}),
    ...(kept?.length ? { conditions: kept } : {}),
  };
}

/** Whether the Job is suspended, finished or failed, and why (trial-observer.ts, study-reconciler.ts). */
export function trimJob(job: V1Job): void {
  trimMetadata(job);
  const suspended = job.spec?.suspend === true;
  delete job.spec;
  if (suspended) job.spec = { suspend: true } as V1JobSpec;
  if (job.status) job.status = pick(job.status, ['completionTime', 'conditions']);
}

/** LoraStudies and LoraTrials are read whole; only managedFields go. */
export function trimCustomResource(object: KubernetesObject): void {
  delete object.metadata?.managedFields;
}
