import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { Writable } from 'node:stream';
import { LogStore } from './log-store.ts';
import type { WorkloadContext, WorkloadExit, WorkloadFunction } from './workload.ts';

/** How one container attempt ended. */
export interface ContainerExit {
  exitCode: number;
  /** Completed, Error, OOMKilled, ContainerCannotRun, or what the workload reported. */
  reason: string;
  message?: string;
}

/** One running container attempt. */
export interface RunningContainer {
  readonly logs: LogStore;
  readonly exited: Promise<ContainerExit>;
  /** SIGTERM (the workload's signal aborts), then SIGKILL after `graceMs`. */
  terminate(graceMs: number): void;
  /** SIGKILL now; the exit is reported with `reason` (e.g. OOMKilled) and code 137. */
  kill(reason?: string): void;
}

/** An image's root filesystem to run in, instead of this machine's. */
export interface RootfsLaunch {
  /** The image's files (read-only: the overlay's lower directory). */
  lowerDir: string;
  /** This attempt's overlay upper, work and merged directories go here. */
  attemptDir: string;
  /** `uid:gid` (runAsUser/runAsGroup, else the image's USER); empty: root. */
  user?: string;
  /** Inside the image. */
  workingDir: string;
  /** securityContext.readOnlyRootFilesystem. */
  readOnly: boolean;
}

export type ContainerLaunch = Omit<WorkloadContext, 'stdout' | 'stderr' | 'signal'> & {
  workingDir: string;
  rootfs?: RootfsLaunch;
};

function exitReason(exitCode: number): string {
  return exitCode === 0 ? 'Completed' : 'Error';
}

function logWriter(logs: LogStore, stream: 'stdout' | 'stderr'): Writable {
  return new Writable({
    write(chunk, _encoding, callback) {
      logs.write(stream, chunk);
      callback();
    },
  });
}

// Runs in a fresh mount namespace (private propagation, so nothing leaks to the host). With an
// image root filesystem: an overlay of it (writes go to the attempt's upper directory), /proc
// bound in, then chroot as the container's user into its working directory; read-only when the
// container asks. Each volume's directory is bound onto its mountPath, read-only where asked.
// Mount points missing are created as empty directories (or files), as a runtime creates them
// in the image's root filesystem — on this machine's root when there is no image.
const MOUNT_SCRIPT = `set -e
root=
if [ "$1" = rootfs ]; then
  root=$3/merged
  mkdir -p "$3/upper" "$3/work" "$root"
  mount -t overlay overlay -o "lowerdir=$2,upperdir=$3/upper,workdir=$3/work" "$root"
  mount --bind /proc "$root/proc"
  shift 3
else
  shift
fi
n=$1; shift
while [ "$n" -gt 0 ]; do
  dst=$root$2
  if [ -d "$1" ]; then mkdir -p "$dst"; else mkdir -p "$(dirname "$dst")"; [ -e "$dst" ] || : > "$dst"; fi
  mount --bind "$1" "$dst"
  if [ "$3" = ro ]; then mount -o remount,bind,ro "$dst"; fi
  shift 3; n=$((n - 1))
done
if [ -z "$root" ]; then exec "$@"; fi
if [ "$1" = ro ]; then mount -o remount,ro "$root"; fi
user=$2; dir=$3; shift 3
if [ -n "$user" ]; then exec chroot --userspec="$user" "$root" /usr/bin/env -C "$dir" "$@"; fi
exec chroot "$root" /usr/bin/env -C "$dir" "$@"`;

function withMounts(launch: ContainerLaunch): string[] {
  const commandLine = [...launch.command, ...launch.args];
  const { rootfs, mounts } = launch;
  if (mounts.length === 0 && !rootfs) return commandLine;
  const triples = mounts.flatMap((m) => [m.hostPath, m.mountPath, m.readOnly ? 'ro' : 'rw']);
  const image = rootfs ? ['rootfs', rootfs.lowerDir, rootfs.attemptDir] : ['host'];
  const chroot = rootfs ? [rootfs.readOnly ? 'ro' : 'rw', rootfs.user ?? '', rootfs.workingDir] : [];
  return [
    'unshare',
    '--mount',
    '--propagation',
    'private',
    '--',
    '/bin/sh',
    '-c',
    MOUNT_SCRIPT,
    'mount-volumes',
    ...image,
    String(mounts.length),
    ...triples,
    ...chroot,
    ...commandLine,
  ];
}

/** Runs the container's command as a local process group with only the container's environment. */
export function startProcessContainer(launch: ContainerLaunch): RunningContainer {
  const logs = new LogStore();
  const [file, ...rest] = withMounts(launch);
  let forcedReason: string | undefined;
  const child = spawn(file, rest, {
    env: launch.env,
    cwd: launch.workingDir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => logs.write('stdout', chunk));
  child.stderr.on('data', (chunk: Buffer) => logs.write('stderr', chunk));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      /* already gone */
    }
  };
  const exited = new Promise<ContainerExit>((resolve) => {
    child.once('error', (error) => {
      logs.close();
      resolve({ exitCode: 128, reason: 'ContainerCannotRun', message: `cannot run ${file}: ${error.message}` });
    });
    child.once('close', (code, signal) => {
      logs.close();
      const exitCode = code ?? 128 + (signal ? constants.signals[signal] : 9);
      resolve({ exitCode: forcedReason ? 137 : exitCode, reason: forcedReason ?? exitReason(exitCode) });
    });
  });
  return {
    logs,
    exited,
    terminate(graceMs) {
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      void exited.then(() => clearTimeout(timer));
    },
    kill(reason) {
      forcedReason = reason;
      signalGroup('SIGKILL');
    },
  };
}

function normaliseExit(result: number | WorkloadExit | void): ContainerExit {
  const exit = typeof result === 'object' ? result : { exitCode: result ?? 0 };
  return { exitCode: exit.exitCode, reason: exit.reason ?? exitReason(exit.exitCode) };
}

/**
 * Runs a test-supplied function as the container. SIGTERM aborts its signal; SIGKILL stops
 * waiting for it (a function cannot be killed: its later output is dropped).
 */
export function startFunctionContainer(workload: WorkloadFunction, launch: ContainerLaunch): RunningContainer {
  const logs = new LogStore();
  const sigterm = new AbortController();
  let sigkill: (reason: string) => void = () => {};
  const killed = new Promise<ContainerExit>((resolve) => {
    sigkill = (reason) => resolve({ exitCode: 137, reason });
  });
  const context: WorkloadContext = {
    ...launch,
    stdout: logWriter(logs, 'stdout'),
    stderr: logWriter(logs, 'stderr'),
    signal: sigterm.signal,
  };
  const finished = Promise.resolve()
    .then(() => workload(context))
    .then(normaliseExit, (error: unknown) => {
      logs.write('stderr', `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      return { exitCode: 1, reason: 'Error' };
    });
  const exited = Promise.race([finished, killed]).then((exit) => {
    logs.close();
    return exit;
  });
  return {
    logs,
    exited,
    terminate(graceMs) {
      sigterm.abort(new Error('SIGTERM'));
      const timer = setTimeout(() => sigkill('Error'), graceMs);
      void exited.then(() => clearTimeout(timer));
    },
    kill(reason = 'Error') {
      sigterm.abort(new Error('SIGKILL'));
      sigkill(reason);
    },
  };
}
