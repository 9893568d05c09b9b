/**
 * The trainer's output per the contract: metric and result events as JSON lines on stdout, the
 * result also in the result file; logs go to stderr. The default result file
 * (/dev/termination-log) is written only where it exists (in a Kubernetes pod).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { DEFAULT_RESULT_FILE } from '../contract/env.ts';
import { formatEvent, type MetricEvent, type ResultEvent } from '../contract/events.ts';

export interface Sink {
  write(text: string): unknown;
}

export class Reporter {
  private readonly stdout: Sink;
  private readonly stderr: Sink;
  private readonly resultFile: string;

  constructor(stdout: Sink, stderr: Sink, resultFile: string) {
    this.stdout = stdout;
    this.stderr = stderr;
    this.resultFile = resultFile;
  }

  log(message: string): void {
    this.stderr.write(`[lorahpo-trainer] ${message}\n`);
  }

  metric(event: Omit<MetricEvent, 'type'>): void {
    this.stdout.write(formatEvent({ type: 'metric', ...event }) + '\n');
  }

  result(event: Omit<ResultEvent, 'type'>): void {
    const line = formatEvent({ type: 'result', ...event });
    this.stdout.write(line + '\n');
    if (this.resultFile === DEFAULT_RESULT_FILE && !existsSync(this.resultFile)) return;
    writeFileSync(this.resultFile, line + '\n');
  }
}
