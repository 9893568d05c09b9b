/**
 * What a trial's log says, parsed line by line through the trainer contract. Reading the same
 * log twice (a restarted operator reads from the start) changes nothing: values are kept by
 * metric and step, so a step seen again just overwrites itself.
 */
import { parseTrainerLine, type ResultEvent } from '../../../trainer/src/contract/index.ts';

export class TrialLog {
  /** metric name → step → value. */
  readonly metrics = new Map<string, Map<number, number>>();
  result: ResultEvent | undefined;
  /** Contract violations seen (at most a few, for the trial's message). */
  readonly malformed: string[] = [];
  lines = 0;

  /** Returns true when the line added or changed something. */
  apply(line: string): boolean {
    this.lines++;
    const parsed = parseTrainerLine(line);
    if (parsed.kind === 'malformed') {
      if (this.malformed.length < 5 && !this.malformed.includes(parsed.error)) this.malformed.push(parsed.error);
      return false;
    }
    if (parsed.kind !== 'event') return false;
    const event = parsed.event;
    if (event.type === 'result') {
      const changed = JSON.stringify(this.result) !== JSON.stringify(event);
      this.result = event;
      return changed;
    }
    const steps = this.metrics.get(event.name) ?? new Map<number, number>();
    this.metrics.set(event.name, steps);
    const changed = steps.get(event.step) !== event.value;
    steps.set(event.step, event.value);
    return changed;
  }

  /** The metric's values in step order. */
  curve(metric: string): Array<{ step: number; value: number }> {
    const steps = this.metrics.get(metric);
    if (!steps) return [];
    return [...steps.entries()].sort(([a], [b]) => a - b).map(([step, value]) => ({ step, value }));
  }
}

/** Splits a byte stream into lines, carrying a partial line over to the next chunk. */
export class LineSplitter {
  #rest = '';

  push(chunk: string, onLine: (line: string) => void): void {
    const parts = (this.#rest + chunk).split('\n');
    this.#rest = parts.pop() ?? '';
    for (const part of parts) onLine(part.endsWith('\r') ? part.slice(0, -1) : part);
  }

  end(onLine: (line: string) => void): void {
    if (this.#rest) onLine(this.#rest);
    this.#rest = '';
  }
}
