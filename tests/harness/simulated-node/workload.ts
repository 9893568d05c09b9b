import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type { Writable } from 'node:stream';
import type { Mount } from './pod-volumes.ts';

/** What a test-supplied workload gets: the pod, its resolved environment, and its outputs. */
export interface WorkloadContext {
  pod: V1Pod;
  container: V1Container;
  /** The container's environment after `env`, `envFrom` and `$(VAR)` expansion. */
  env: Record<string, string>;
  /** The container's command and args after `$(VAR)` expansion. */
  command: string[];
  args: string[];
  stdout: Writable;
  stderr: Writable;
  /** Aborted when the kubelet sends SIGTERM (deletion, deadline); SIGKILL follows after the grace period. */
  signal: AbortSignal;
  /** A file on this machine standing in for the container's terminationMessagePath. */
  terminationMessagePath: string;
  /** 0 for the first run, then the restart count. */
  restartCount: number;
  /**
   * The container's volumes as directories of this machine (secret, configMap, emptyDir,
   * hostPath; empty when the node does not mount volumes). A process sees each at its
   * `mountPath`; a function reads `hostPath`.
   */
  mounts: Mount[];
}

/** How a container ended, when a plain exit code does not say enough. */
export interface WorkloadExit {
  exitCode: number;
  /** Reported as the terminated state's reason; default Completed (0), else Error. */
  reason?: string;
}

/** A workload run in-process; its result is the container's exit code. A throw is exit code 1. */
export type WorkloadFunction = (context: WorkloadContext) => Promise<number | WorkloadExit | void>;

/**
 * How to run a container: a function, or `'process'` to run its real command and args as a
 * local process with its environment (the image is not pulled).
 */
export type Workload = WorkloadFunction | 'process';

/** Picks the workload per container (e.g. by pod label); undefined falls back to the node's default. */
export type WorkloadSelector = (pod: V1Pod, container: V1Container) => Workload | undefined;
