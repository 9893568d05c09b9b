/**
 * The Optuna peer: a python3 child process running optuna_peer.py, spoken to in JSON lines.
 * `startOptunaPeer` resolves to undefined (with the reason) where python3 or Optuna is missing.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./optuna_peer.py', import.meta.url));

export interface OptunaPeer {
  readonly version: string;
  /** Why this Optuna's GPSampler cannot run here, or undefined where it can. */
  readonly gpUnavailable: string | undefined;
  request<T = Record<string, unknown>>(command: Record<string, unknown>): Promise<T>;
  close(): void;
}

class PythonPeer implements OptunaPeer {
  version = '';
  gpUnavailable: string | undefined;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly waiting: ((line: string) => void)[] = [];
  private failure: Error | undefined;

  constructor(python: string, pythonPath: string | undefined) {
    const env = pythonPath === undefined ? process.env : { ...process.env, PYTHONPATH: pythonPath };
    this.child = spawn(python, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'], env });
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (line) => this.waiting.shift()?.(line));
    let stderr = '';
    this.child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const fail = (error: Error) => {
      this.failure = error;
      for (const resolve of this.waiting.splice(0)) resolve('');
    };
    this.child.on('error', fail);
    this.child.stdin.on('error', fail);
    this.child.on('exit', (code) =>
      fail(new Error(`optuna peer exited (${code}): ${stderr.trim().split('\n').pop() ?? ''}`)),
    );
  }

  request<T>(command: Record<string, unknown>): Promise<T> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.waiting.push((line) => {
        if (line === '') reject(this.failure ?? new Error('optuna peer closed'));
        else resolve(JSON.parse(line) as T);
      });
      this.child.stdin.write(`${JSON.stringify(command)}\n`);
    });
  }

  close(): void {
    this.child.stdin.end();
  }
}

/**
 * Uses $LORAHPO_PYTHON when set; otherwise tries python3 on PATH, then Debian's /usr/bin/python3
 * (where python3-optuna installs; a pyenv or venv python3 first on PATH does not see it).
 * `source`: a folder holding an Optuna source tree (`<source>/optuna`), put first on
 * PYTHONPATH so that a newer Optuna runs with Debian's numpy, scipy and torch.
 */
export async function startOptunaPeer(source?: string): Promise<{ peer?: OptunaPeer; reason?: string }> {
  const chosen = process.env.LORAHPO_PYTHON;
  const candidates = chosen ? [chosen] : ['python3', '/usr/bin/python3'];
  const reasons: string[] = [];
  for (const python of [...new Set(candidates)]) {
    const peer = new PythonPeer(python, source);
    try {
      const hello = await peer.request<{ optuna: string; gp: string | null }>({ cmd: 'hello' });
      peer.version = `${hello.optuna} (${python}${source === undefined ? '' : `, ${source}`})`;
      peer.gpUnavailable = hello.gp ?? undefined;
      return { peer };
    } catch (error) {
      peer.close();
      reasons.push(`${python}: ${(error as Error).message}`);
    }
  }
  return { reason: reasons.join('; ') };
}
