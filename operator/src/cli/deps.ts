/**
 * What a CLI command may touch, as named fields (STYLE: inject whatever varies). `main` fills
 * them from the process; tests pass their own streams, directory and signal.
 */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface CliDeps {
  stdout: OutputStream;
  stderr: OutputStream;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C / SIGTERM: long-running commands stop cleanly. */
  signal: AbortSignal;
  /** The clock; tests may fix it. */
  now: () => Date;
}

export function processDeps(signal: AbortSignal): CliDeps {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
    signal,
    now: () => new Date(),
  };
}
