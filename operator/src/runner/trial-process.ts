/**
 * One trial as a child process that keeps the trainer contract: environment in (never a shell
 * string), JSON metric lines and a result out, SIGTERM to stop it (SIGKILL after a grace period).
 * Every output line goes to the trial's log file. The outcome says how it ended and why.
 * Children run in their own process group, so a Ctrl-C reaches only the runner, which then stops
 * them itself (and does not mistake them for crashed trials). Signals go to that whole group: a
 * wrapper script's trainer or a data loader's workers stop with it, and none of them can hold the
 * trial open by keeping its stdout after the trial's own process has exited.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream';
import { timerDelay } from '../timer-delay.ts';
import {
  parseTrainerLine,
  ResultEventSchema,
  type MetricEvent,
  type ResultEvent,
} from '../../../trainer/src/contract/events.ts';

export interface TrialProcessOptions {
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  logFile: string;
  resultFile: string;
  /** Metric lines with this name form the trial's curve. */
  objectiveMetric: string;
  /** How long SIGTERM may take before SIGKILL. */
  graceMs: number;
  /** Kill the trial after this long (0: no limit). */
  deadlineMs?: number;
  onMetric(event: MetricEvent): void;
}

export type TrialOutcome =
  | { kind: 'result'; result: ResultEvent }
  | { kind: 'failed'; reason: string; message: string }
  /** Stopped on request (pruned, study finished, Ctrl-C): the caller already knows why. */
  | { kind: 'terminated' };

const STDERR_TAIL_LINES = 5;

export class TrialProcess {
  readonly done: Promise<TrialOutcome>;
  readonly #options: TrialProcessOptions;
  readonly #child: ChildProcess;
  readonly #log: WriteStream;
  #result?: ResultEvent;
  #failure?: { reason: string; message: string };
  #isTerminating = false;
  #isClosed = false;
  #killTimer?: NodeJS.Timeout;
  #deadlineTimer?: NodeJS.Timeout;
  readonly #stderrTail: string[] = [];

  constructor(options: TrialProcessOptions) {
    this.#options = options;
    this.#log = createWriteStream(options.logFile, { flags: 'a' });
    // A log that cannot be written (a full disk) loses log lines, never the trial: the journal's
    // own write fails on the same disk and stops the run with a clear line.
    this.#log.on('error', () => {});
    this.#log.write(`--- ${new Date().toISOString()} ${[options.command, ...options.args].join(' ')}\n`);
    this.#child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.done = new Promise((resolve) => this.#watch(resolve));
    const deadlineMs = options.deadlineMs ?? 0;
    if (deadlineMs > 0) this.#armDeadline(Date.now() + deadlineMs, deadlineMs);
  }

  /** A deadline past what one Node timer takes (24.8 days) re-arms for what is left. */
  #armDeadline(atMs: number, deadlineMs: number): void {
    this.#deadlineTimer = setTimeout(
      () => {
        if (Date.now() < atMs) return this.#armDeadline(atMs, deadlineMs);
        this.#fail('DeadlineExceeded', `ran longer than ${deadlineMs / 1000}s (activeDeadlineSeconds)`);
      },
      timerDelay(atMs - Date.now()),
    );
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Asks the trial to stop (SIGTERM to its group), and kills the group after the grace period. */
  terminate(): void {
    if (this.#isTerminating || this.#isClosed) return;
    this.#isTerminating = true;
    this.#signalGroup('SIGTERM');
    clearTimeout(this.#killTimer);
    this.#killTimer = setTimeout(() => this.#signalGroup('SIGKILL'), this.#options.graceMs);
  }

  #signalGroup(signal: NodeJS.Signals): void {
    const pid = this.#child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      this.#child.kill(signal); // no group (it is gone, or was never made): the process alone
    }
  }

  /**
   * The trial's own process exited: what it left in its group (a background job, a worker) gets
   * the grace period to finish, then the group is killed, so its stdout closes and the trial ends.
   */
  #onExit(): void {
    if (this.#killTimer !== undefined || this.#isClosed) return;
    this.#killTimer = setTimeout(() => this.#signalGroup('SIGKILL'), this.#options.graceMs);
  }

  #watch(resolve: (outcome: TrialOutcome) => void): void {
    const stdout = createInterface({ input: this.#child.stdout as NodeJS.ReadableStream, crlfDelay: Infinity });
    const stderr = createInterface({ input: this.#child.stderr as NodeJS.ReadableStream, crlfDelay: Infinity });
    let lineNumber = 0;
    stdout.on('line', (line) => {
      lineNumber += 1;
      this.#onLine(line, lineNumber);
    });
    stderr.on('line', (line) => this.#onStderr(line));
    let spawnError: Error | undefined;
    this.#child.on('error', (error) => (spawnError = error));
    const closed = Promise.all([
      new Promise((r) => stdout.once('close', r)),
      new Promise((r) => stderr.once('close', r)),
    ]);
    this.#child.once('exit', () => this.#onExit());
    this.#child.on('close', (code, signal) => {
      void closed.then(() => {
        this.#isClosed = true;
        clearTimeout(this.#killTimer);
        clearTimeout(this.#deadlineTimer);
        this.#log.end(`--- exited ${signal ? `on ${signal}` : `with code ${code}`}\n`);
        // Settled once the log is closed, so a finished trial's log is whole (and its file free).
        finished(this.#log, () => resolve(this.#outcome(code, signal, spawnError)));
      });
    });
  }

  #onLine(line: string, lineNumber: number): void {
    this.#log.write(`${line}\n`);
    const parsed = parseTrainerLine(line);
    if (parsed.kind === 'malformed')
      return this.#fail(
        'ContractViolation',
        `stdout line ${lineNumber} breaks the trainer contract (${parsed.error}): ${line.slice(0, 200)}`,
      );
    if (parsed.kind !== 'event' || this.#isTerminating) return;
    if (parsed.event.type === 'result') this.#result = parsed.event;
    else if (parsed.event.name === this.#options.objectiveMetric) this.#options.onMetric(parsed.event);
  }

  #onStderr(line: string): void {
    this.#log.write(`${line}\n`);
    this.#stderrTail.push(line);
    if (this.#stderrTail.length > STDERR_TAIL_LINES) this.#stderrTail.shift();
  }

  #fail(reason: string, message: string): void {
    if (this.#failure || this.#isTerminating) return;
    this.#failure = { reason, message };
    this.terminate();
  }

  #outcome(code: number | null, signal: NodeJS.Signals | null, spawnError: Error | undefined): TrialOutcome {
    if (spawnError)
      return {
        kind: 'failed',
        reason: 'CommandFailed',
        message: `cannot run ${this.#options.command}: ${spawnError.message}`,
      };
    if (this.#failure) return { kind: 'failed', ...this.#failure };
    if (this.#isTerminating) return { kind: 'terminated' };
    const result = this.#result ?? readResultFile(this.#options.resultFile);
    if (result) return { kind: 'result', result };
    const tail = this.#stderrTail.at(-1);
    const why = tail ? `: ${tail.slice(0, 300)}` : '';
    if (signal) return { kind: 'failed', reason: 'Killed', message: `killed by ${signal}${why}` };
    if (code !== 0) return { kind: 'failed', reason: 'Crashed', message: `exited with code ${code}${why}` };
    return {
      kind: 'failed',
      reason: 'NoResult',
      message: `exited without reporting the objective (${this.#options.objectiveMetric}): no result line and no result file`,
    };
  }
}

/** The result the trainer wrote to LORAHPO_RESULT_FILE, if it is there and well-formed. */
function readResultFile(path: string): ResultEvent | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const parsed = ResultEventSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
