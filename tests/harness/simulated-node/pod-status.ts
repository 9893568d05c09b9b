import type { V1Pod } from '@kubernetes/client-node';

/** metav1.Time: RFC 3339 in whole seconds. */
export function apiTime(date = new Date()): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

export interface TerminatedState {
  exitCode: number;
  reason: string;
  message?: string;
  startedAt: string;
  finishedAt: string;
  containerID: string;
}

/** What the kubelet knows about one container, rendered into a containerStatus. */
export interface ContainerRecord {
  name: string;
  image: string;
  restartCount: number;
  state:
    | { waiting: { reason: string; message?: string } }
    | { running: { startedAt: string } }
    | { terminated: TerminatedState };
  lastTerminated?: TerminatedState;
  containerID?: string;
  /** The readiness probe passes (or there is none) for the running attempt. */
  ready?: boolean;
  /** The startup probe passed (or there is none) for the running attempt. */
  started?: boolean;
}

function isReady(record: ContainerRecord): boolean {
  return 'running' in record.state && record.ready === true;
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

/** The pod-level facts the status is computed from. */
export interface PodState {
  phase: PodPhase;
  reason?: string;
  message?: string;
  startTime: string;
  /**
   * Evicted: the 1.20 kubelet's killPodNow set the eviction manager's status in place of its
   * own, and the pod counts as terminated, so no later sync adds to it.
   */
  isEvicted?: boolean;
  hostIP: string;
  podIP: string;
  containers: ContainerRecord[];
}

function containerStatus(record: ContainerRecord): object {
  const started = 'running' in record.state && record.started === true;
  return {
    name: record.name,
    image: record.image,
    imageID: `sim://${record.image}`,
    ready: isReady(record),
    started,
    restartCount: record.restartCount,
    state: record.state,
    ...(record.lastTerminated ? { lastState: { terminated: record.lastTerminated } } : { lastState: {} }),
    ...(record.containerID ? { containerID: record.containerID } : {}),
  };
}

// Ready and ContainersReady as the 1.20 kubelet words them.
function readiness(state: PodState): { status: 'True' | 'False'; reason?: string; message?: string } {
  if (state.phase === 'Succeeded' || state.phase === 'Failed') return { status: 'False', reason: 'PodCompleted' };
  const unready = state.containers.filter((c) => !isReady(c)).map((c) => c.name);
  if (unready.length === 0) return { status: 'True' };
  return {
    status: 'False',
    reason: 'ContainersNotReady',
    message: `containers with unready status: [${unready.join(' ')}]`,
  };
}

/** Keeps lastTransitionTime stable while a condition's status stays the same. */
function transitionTime(previous: V1Pod | undefined, type: string, status: string): string {
  const before = previous?.status?.conditions?.find((c) => c.type === type);
  if (before && before.status === status && before.lastTransitionTime)
    return apiTime(new Date(before.lastTransitionTime));
  return apiTime();
}

/**
 * An evicted pod's status on 1.20: phase, reason, message and the kept startTime, nothing else.
 * The status manager patches from the server's status to this one, so the conditions (all the
 * kubelet's), container statuses, IPs and QoS class are removed.
 */
function evictedStatus(state: PodState): object {
  const removed = {
    hostIP: null,
    podIP: null,
    podIPs: null,
    qosClass: null,
    conditions: null,
    containerStatuses: null,
  };
  return { phase: 'Failed', reason: state.reason, message: state.message, startTime: state.startTime, ...removed };
}

/** The pod status the kubelet would write, as a JSON object for a merge patch. */
export function renderPodStatus(state: PodState, previous: V1Pod | undefined): object {
  if (state.isEvicted) return evictedStatus(state);
  const ready = readiness(state);
  const condition = (type: string, status: string, extra: object = {}) => ({
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime: transitionTime(previous, type, status),
    ...extra,
  });
  const readyExtra = {
    ...(ready.reason ? { reason: ready.reason } : {}),
    ...(ready.message ? { message: ready.message } : {}),
  };
  return {
    phase: state.phase,
    reason: state.reason ?? null,
    message: state.message ?? null,
    hostIP: state.hostIP,
    podIP: state.podIP,
    podIPs: [{ ip: state.podIP }],
    startTime: state.startTime,
    conditions: [
      condition('Initialized', 'True'),
      condition('Ready', ready.status, readyExtra),
      condition('ContainersReady', ready.status, readyExtra),
      condition('PodScheduled', 'True'),
    ],
    containerStatuses: state.containers.map(containerStatus),
  };
}
