import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';

/** A child process the harness started and alone may stop; its output goes to a log file. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Settles with the exit code (or the signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  isRunning(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; settles when the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** The last lines of the log, for error messages. */
  logTail(lines?: number): string;
}

export interface StartProcessOptions {
  name: string;
  command: string;
  args: readonly string[];
  logPath: string;
  env?: NodeJS.ProcessEnv;
  /** Keep running after this Node process exits (the `kube:up` daemon's children). */
  detached?: boolean;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
}

// A test file that crashes or is interrupted must not leave etcd or the API server behind. On a
// signal, kill the children, then let the signal do what it would have done without us.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

export function startProcess(options: StartProcessOptions): ManagedProcess {
  const logFd = openSync(options.logPath, 'a');
  const child = spawn(options.command, options.args, {
    stdio: ['ignore', logFd, logFd],
    env: options.env ?? process.env,
    detached: options.detached ?? false,
  });
  closeSync(logFd);
  if (child.pid === undefined) throw new Error(`could not start ${options.name} (${options.command})`);
  if (!options.detached) {
    installExitHook();
    running.add(child);
  } else {
    child.unref();
  }
  let isRunning = true;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      isRunning = false;
      running.delete(child);
      resolve(code ?? signal ?? 'unknown');
    });
  });
  const logTail = (lines = 30) => tailOfFile(options.logPath, lines);
  const stop = (graceMs = 5000) => stopChild(child, () => isRunning, exited, graceMs);
  return {
    name: options.name,
    pid: child.pid,
    logPath: options.logPath,
    exited,
    isRunning: () => isRunning,
    stop,
    logTail,
  };
}

async function stopChild(
  child: ChildProcess,
  isRunning: () => boolean,
  exited: Promise<unknown>,
  graceMs: number,
): Promise<void> {
  if (!isRunning()) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export function tailOfFile(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
