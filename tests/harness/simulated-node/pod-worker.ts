import type { CoreV1Api, V1Container, V1Pod } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { prepareLaunch, type LaunchSettings } from './container-launch.ts';
import {
  startFunctionContainer,
  startProcessContainer,
  type ContainerExit,
  type ContainerLaunch,
  type RunningContainer,
} from './container-runtime.ts';
import type { LogStore } from './log-store.ts';
import { ContainerProber } from './probes.ts';
import { apiTime, renderPodStatus, type ContainerRecord, type PodState } from './pod-status.ts';
import { terminationMessage } from './termination-message.ts';
import type { Workload } from './workload.ts';

export interface PodWorkerDeps {
  api: CoreV1Api;
  launch: LaunchSettings;
  hostIP: string;
  podIP: string;
  workloadFor(pod: V1Pod, container: V1Container): Workload;
  restartBackoffMs: { initial: number; max: number };
  /** The pod reached Succeeded/Failed or left the node: its resources are free again. */
  onTerminal(uid: string): void;
  /** The pod object is gone from the API; the worker is finished. */
  onRemoved(uid: string): void;
  report(message: string): void;
}

interface ContainerSlot {
  spec: V1Container;
  record: ContainerRecord;
  current?: RunningContainer;
  prober?: ContainerProber;
  /** Logs of the latest attempts, newest last (the kubelet keeps current and previous). */
  attempts: LogStore[];
  restartTimer?: NodeJS.Timeout;
  backoffMs: number;
  finished: boolean;
}

/** The kubelet's minimumGracePeriodInSeconds: a kill with a shorter grace gets this much. */
const MINIMUM_GRACE_MS = 2000;

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function isNotFound(error: unknown): boolean {
  return (error as { code?: number }).code === 404;
}

function shouldRestart(pod: V1Pod, exitCode: number): boolean {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

/** Plays the kubelet for one pod: runs its containers, writes its status, honours deletion and deadline. */
export class PodWorker {
  readonly uid: string;
  #pod: V1Pod;
  readonly #deps: PodWorkerDeps;
  readonly #state: PodState;
  readonly #slots: ContainerSlot[];
  #terminating = false;
  #deleting = false;
  #removed = false;
  /** Finished by an earlier kubelet: nothing to run or report, only the deletion to honour. */
  #adopted = false;
  /** Failed by the kubelet (deadline, eviction): the phase stays Failed whatever the containers do. */
  #isFailedByKubelet = false;
  #deadlineTimer?: NodeJS.Timeout;
  #flushing: Promise<void> | undefined;
  #dirty = false;

  constructor(pod: V1Pod, deps: PodWorkerDeps) {
    this.#pod = pod;
    this.#deps = deps;
    this.uid = pod.metadata?.uid ?? '';
    this.#slots = (pod.spec?.containers ?? []).map((spec) => ({
      spec,
      attempts: [],
      backoffMs: deps.restartBackoffMs.initial,
      finished: false,
      record: {
        name: spec.name,
        image: spec.image ?? '',
        restartCount: 0,
        state: { waiting: { reason: 'ContainerCreating' } },
      },
    }));
    this.#state = {
      phase: 'Pending',
      startTime: apiTime(),
      hostIP: deps.hostIP,
      podIP: deps.podIP,
      containers: this.#slots.map((s) => s.record),
    };
  }

  get isTerminal(): boolean {
    return this.#state.phase === 'Succeeded' || this.#state.phase === 'Failed';
  }

  /** Starts the pod, or only waits for its deletion when a previous kubelet already finished it. */
  start(): void {
    const phase = this.#pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      this.#state.phase = phase;
      this.#adopted = true;
      this.#deps.onTerminal(this.uid);
    } else {
      this.#writeStatus();
      this.#armDeadline();
      for (const slot of this.#slots) void this.#startContainer(slot);
    }
    this.update(this.#pod);
  }

  /** A newer version of the pod from the API: deletion and deadline changes take effect. */
  update(pod: V1Pod): void {
    this.#pod = pod;
    if (pod.metadata?.deletionTimestamp && !this.#deleting) {
      this.#deleting = true;
      void this.#terminateAndDelete((pod.metadata.deletionGracePeriodSeconds ?? 30) * 1000);
    } else if (!this.#terminating) {
      this.#armDeadline();
    }
  }

  /** The pod object is gone (deleted with grace 0 by anyone): kill what still runs. */
  removed(): void {
    this.#removed = true;
    this.#terminating = true;
    this.#clearTimers();
    for (const slot of this.#slots) slot.current?.kill();
    this.#deps.onTerminal(this.uid);
    this.#deps.onRemoved(this.uid);
  }

  /** Kills every container at once without writing status (the node is shutting down). */
  shutdown(): void {
    this.#removed = true;
    this.#terminating = true;
    this.#clearTimers();
    for (const slot of this.#slots) slot.current?.kill();
  }

  /** The log of the container's current (or last) attempt, or of the one before with `previous`. */
  logs(containerName: string, previous: boolean): LogStore | undefined {
    const slot = this.#slots.find((s) => s.spec.name === containerName);
    return slot?.attempts.at(previous ? -2 : -1);
  }

  isStarted(containerName: string): boolean {
    return (this.#slots.find((s) => s.spec.name === containerName)?.attempts.length ?? 0) > 0;
  }

  /**
   * Evicts the pod as the 1.20 kubelet's eviction manager does for a hard threshold: the status
   * becomes phase Failed, reason Evicted and its message alone (no container statuses, see
   * renderPodStatus), then the containers are killed with grace 0, which the kubelet raises to
   * its 2 s minimum (SIGTERM, SIGKILL after 2 s). The pod object stays; the kubelet does not
   * delete it.
   */
  evict(message: string): boolean {
    if (this.#terminating || this.isTerminal) return false;
    this.#state.isEvicted = true;
    void this.#failPod('Evicted', message, MINIMUM_GRACE_MS);
    return true;
  }

  /** Evicted: the kubelet's status of the pod has no containers left to read logs of. */
  get isEvicted(): boolean {
    return this.#state.isEvicted === true;
  }

  /** Kills a running container as the kernel's OOM killer would: exit 137, reason OOMKilled. */
  oomKill(containerName?: string): boolean {
    const slot = this.#slots.find((s) => s.current && (containerName === undefined || s.spec.name === containerName));
    slot?.current?.kill('OOMKilled');
    return slot !== undefined;
  }

  async #startContainer(slot: ContainerSlot): Promise<void> {
    let launch: ContainerLaunch;
    try {
      launch = await prepareLaunch(this.#deps.launch, this.#pod, slot.spec, slot.record.restartCount);
    } catch (error) {
      slot.record.state = { waiting: { reason: 'CreateContainerConfigError', message: (error as Error).message } };
      this.#writeStatus();
      if (!this.#terminating)
        slot.restartTimer = setTimeout(() => void this.#startContainer(slot), this.#nextBackoff(slot));
      return;
    }
    if (this.#terminating) return;
    const workload = this.#deps.workloadFor(this.#pod, slot.spec);
    const running = workload === 'process' ? startProcessContainer(launch) : startFunctionContainer(workload, launch);
    const startedAt = apiTime();
    const containerID = `sim://${this.uid}/${slot.spec.name}/${slot.record.restartCount}`;
    slot.current = running;
    slot.attempts = [...slot.attempts.slice(-1), running.logs];
    slot.record.state = { running: { startedAt } };
    slot.record.containerID = containerID;
    slot.record.ready = false;
    slot.record.started = false;
    slot.prober = this.#startProber(slot, running);
    this.#updatePhase();
    const exit = await running.exited;
    this.#containerExited(slot, launch, exit, startedAt, containerID);
  }

  // Probes go to the host IP: the container's process listens in this machine's network.
  #startProber(slot: ContainerSlot, running: RunningContainer): ContainerProber {
    const prober = new ContainerProber(slot.spec, this.#state.hostIP, {
      onReady: (ready) => {
        if (slot.current !== running || slot.record.ready === ready) return;
        slot.record.ready = ready;
        this.#writeStatus();
      },
      onStarted: () => {
        if (slot.current !== running) return;
        slot.record.started = true;
        this.#writeStatus();
      },
      onUnhealthy: (kind, message) => {
        if (slot.current !== running || this.#terminating) return;
        this.#deps.report(
          `pod ${this.#pod.metadata?.namespace}/${this.#pod.metadata?.name}: ${message}; container ${slot.spec.name} will be restarted`,
        );
        running.terminate((this.#pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000);
      },
      report: (message) =>
        this.#deps.report(`pod ${this.#pod.metadata?.namespace}/${this.#pod.metadata?.name}: ${message}`),
    });
    prober.start();
    return prober;
  }

  #containerExited(
    slot: ContainerSlot,
    launch: ContainerLaunch,
    exit: ContainerExit,
    startedAt: string,
    containerID: string,
  ): void {
    const logs = slot.current?.logs;
    slot.current = undefined;
    slot.prober?.stop();
    slot.prober = undefined;
    slot.record.ready = false;
    const message = logs ? terminationMessage(slot.spec, launch.terminationMessagePath, exit, logs) : exit.message;
    const terminated = {
      exitCode: exit.exitCode,
      reason: exit.reason,
      ...(message ? { message } : {}),
      startedAt,
      finishedAt: apiTime(),
      containerID,
    };
    if (!this.#terminating && shouldRestart(this.#pod, exit.exitCode)) {
      const delayMs = this.#nextBackoff(slot);
      slot.record.lastTerminated = terminated;
      slot.record.state = {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off ${delayMs} ms restarting failed container=${slot.spec.name}`,
        },
      };
      slot.record.restartCount += 1;
      slot.restartTimer = setTimeout(() => void this.#startContainer(slot), delayMs);
    } else {
      slot.record.state = { terminated };
      slot.finished = true;
    }
    this.#updatePhase();
  }

  #nextBackoff(slot: ContainerSlot): number {
    const delayMs = slot.backoffMs;
    slot.backoffMs = Math.min(slot.backoffMs * 2, this.#deps.restartBackoffMs.max);
    return delayMs;
  }

  // The 1.20 kubelet's getPhase, for the container states this node produces.
  #updatePhase(): void {
    if (this.#adopted) return;
    if (!this.#isFailedByKubelet) {
      const neverStarted = this.#slots.some(
        (s) => 'waiting' in s.record.state && !s.record.lastTerminated && s.attempts.length === 0,
      );
      if (this.#slots.every((s) => s.finished)) {
        const failed = this.#slots.some(
          (s) => 'terminated' in s.record.state && s.record.state.terminated.exitCode !== 0,
        );
        this.#state.phase = failed ? 'Failed' : 'Succeeded';
      } else if (neverStarted && !this.#slots.some((s) => s.current)) {
        this.#state.phase = 'Pending';
      } else {
        this.#state.phase = 'Running';
      }
    }
    this.#writeStatus();
    if (this.isTerminal) {
      this.#clearTimers();
      this.#deps.onTerminal(this.uid);
    }
  }

  #armDeadline(): void {
    clearTimeout(this.#deadlineTimer);
    const seconds = this.#pod.spec?.activeDeadlineSeconds;
    if (!seconds || this.isTerminal) return;
    const remainingMs = Date.parse(this.#state.startTime) + seconds * 1000 - Date.now();
    this.#deadlineTimer = setTimeout(() => void this.#deadlineExceeded(), Math.max(0, remainingMs));
  }

  async #deadlineExceeded(): Promise<void> {
    if (this.#terminating || this.isTerminal) return;
    const message = 'Pod was active on the node longer than the specified deadline';
    await this.#failPod('DeadlineExceeded', message, (this.#pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000);
  }

  /** The kubelet fails the pod itself: its phase, reason and message first, then the kill. */
  async #failPod(reason: string, message: string, graceMs: number): Promise<void> {
    this.#terminating = true;
    Object.assign(this.#state, { phase: 'Failed', reason, message });
    this.#isFailedByKubelet = true;
    this.#writeStatus();
    await this.#stopContainers(graceMs);
    this.#updatePhase();
  }

  async #stopContainers(graceMs: number): Promise<void> {
    this.#clearTimers();
    const running = this.#slots.flatMap((slot) => (slot.current ? [slot.current] : []));
    for (const container of running) container.terminate(graceMs);
    await Promise.all(running.map((container) => container.exited));
  }

  // As the kubelet: stop the containers within the grace period, report, then delete with grace 0.
  async #terminateAndDelete(graceMs: number): Promise<void> {
    this.#terminating = true;
    await this.#stopContainers(graceMs);
    if (this.#removed) return;
    this.#updatePhase();
    await this.#statusSettled();
    if (this.#removed) return;
    const name = this.#pod.metadata?.name ?? '';
    const namespace = this.#pod.metadata?.namespace ?? '';
    try {
      // With a body the API server ignores query parameters: the grace period goes in the body.
      await this.#deps.api.deleteNamespacedPod({
        name,
        namespace,
        body: { gracePeriodSeconds: 0, preconditions: { uid: this.uid } },
      });
    } catch (error) {
      if (!isNotFound(error)) this.#deps.report(`deleting pod ${namespace}/${name}: ${(error as Error).message}`);
    }
  }

  #clearTimers(): void {
    clearTimeout(this.#deadlineTimer);
    for (const slot of this.#slots) {
      clearTimeout(slot.restartTimer);
      slot.prober?.stop();
    }
  }

  // Status writes are serialised and coalesced: the latest state wins, none overtakes another.
  #writeStatus(): void {
    this.#dirty = true;
    this.#flushing ??= this.#flush().finally(() => {
      this.#flushing = undefined;
      if (this.#dirty && !this.#removed) this.#writeStatus();
    });
  }

  async #statusSettled(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  async #flush(): Promise<void> {
    while (this.#dirty && !this.#removed) {
      this.#dirty = false;
      const body = { status: renderPodStatus(this.#state, this.#pod) };
      const name = this.#pod.metadata?.name ?? '';
      const namespace = this.#pod.metadata?.namespace ?? '';
      try {
        this.#pod = await this.#deps.api.patchNamespacedPodStatus({ name, namespace, body }, mergePatch);
      } catch (error) {
        if (isNotFound(error)) return;
        this.#deps.report(`writing status of pod ${namespace}/${name}: ${(error as Error).message}`);
        this.#dirty = true;
        await sleep(250);
      }
    }
  }
}
