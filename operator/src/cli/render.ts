/** Text shapes shared by `lorahpo run` and `lorahpo status`: params, values, the trials table. */
import type { StudyStatus } from '../api/study.ts';
import type { LoraTrial } from '../api/trial.ts';

export function formatValue(value: number | undefined): string {
  if (value === undefined) return '-';
  if (value !== 0 && (Math.abs(value) < 1e-3 || Math.abs(value) >= 1e5)) return value.toExponential(3);
  return value.toFixed(4);
}

export function formatParams(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(
      ([name, value]) =>
        `${name}=${typeof value === 'number' && !Number.isInteger(value) ? Number(value.toPrecision(4)) : String(value)}`,
    )
    .join(' ');
}

/** Where the trial got to: the pruned step, or its last reported step. */
export function trialStep(trial: LoraTrial): string {
  const step = trial.status?.prunedAtStep ?? trial.status?.intermediateValues.at(-1)?.step;
  return step === undefined ? '-' : String(step);
}

/** The value to show: final, or the latest intermediate while running. */
export function trialValue(trial: LoraTrial): number | undefined {
  return trial.status?.value ?? trial.status?.intermediateValues.at(-1)?.value;
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** A plain-text table of trials; `maxWidth` clips long lines. */
export function trialTable(trials: readonly LoraTrial[], metric: string, bestName?: string, maxWidth = 160): string[] {
  const rows = trials.map((trial) => [
    String(trial.spec.number),
    `${trial.metadata.name}${trial.metadata.name === bestName ? ' *' : ''}`,
    trial.status?.phase ?? 'Pending',
    trialStep(trial),
    formatValue(trialValue(trial)),
    formatParams(trial.spec.params),
    trial.status?.phase === 'Failed' || trial.status?.phase === 'EarlyStopped' ? (trial.status.message ?? '') : '',
  ]);
  const header = ['#', 'trial', 'phase', 'step', metric, 'params', 'note'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : pad(cell, widths[column])))
      .join('  ')
      .trimEnd()
      .slice(0, maxWidth);
  return [line(header), ...rows.map(line)];
}

/** One line: best so far with its params. */
export function bestLine(status: StudyStatus, metric: string): string {
  const best = status.bestTrial;
  return best
    ? `best ${metric} ${formatValue(best.value)} at ${best.name} (${formatParams(best.params ?? {})})`
    : `no complete trial yet`;
}

/** What spec.warmStart contributed, in one line; [] without a warm start. */
export function warmStartLines(status: StudyStatus): string[] {
  const warm = status.warmStart;
  if (!warm) return [];
  const skipped = warm.skipped > 0 ? ` (${warm.skipped} skipped: outside this search space)` : '';
  return [
    `warm start: ${warm.enqueuedTried}/${warm.enqueued} enqueued sets tried, ${warm.history} earlier trials as history${skipped}`,
  ];
}

/** The trial counts, and the GPU-hours spent once a trial has used a GPU. */
export function countsLine(status: StudyStatus): string {
  const counts = status.trialCounts;
  if (!counts) return '';
  const gpuHours = status.gpuHours === undefined ? '' : `; ${status.gpuHours} GPU-hours`;
  return `${counts.succeeded} succeeded, ${counts.earlyStopped} stopped early, ${counts.pruned} pruned, ${counts.failed} failed, ${counts.running + counts.pending} running${gpuHours}`;
}
