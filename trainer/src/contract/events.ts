/**
 * What a trainer writes: one JSON object per line on stdout. `metric` lines are intermediate
 * values (one per evaluation); the `result` line is the final outcome, also written to
 * LORAHPO_RESULT_FILE so it survives lost logs. Any other line is a log line.
 */
import { z } from 'zod';
import { formatIssue } from './format-issue.ts';
import { zodIssues } from './zod-issues.ts';

export const MetricEventSchema = z.object({
  type: z.literal('metric'),
  name: z.string().min(1),
  value: z.number(),
  step: z.number().int().nonnegative(),
  epoch: z.number().nonnegative().optional(),
});
export type MetricEvent = z.infer<typeof MetricEventSchema>;

export const ResultEventSchema = z.object({
  type: z.literal('result'),
  /** The objective's final value (the best evaluation when early stopping restored it). */
  value: z.number(),
  metrics: z.record(z.string(), z.number()).default({}),
  earlyStopped: z.boolean().default(false),
  /** Epoch at which the trainer stopped itself (early stopping), 1-based. */
  stoppedEpoch: z.number().int().positive().optional(),
  bestEpoch: z.number().int().positive().optional(),
  /** Why the trainer stopped itself, e.g. "no improvement > 0.001 in 3 evaluations". */
  reason: z.string().optional(),
  adapterPath: z.string().optional(),
});
export type ResultEvent = z.infer<typeof ResultEventSchema>;

export const TrainerEventSchema = z.discriminatedUnion('type', [MetricEventSchema, ResultEventSchema]);
export type TrainerEvent = z.infer<typeof TrainerEventSchema>;

export type ParsedLine =
  | { kind: 'event'; event: TrainerEvent }
  | { kind: 'log'; text: string }
  | { kind: 'malformed'; text: string; error: string };

/**
 * Classifies one stdout line. A line that is a JSON object with a known `type` but the wrong
 * shape is `malformed` (a contract violation worth reporting); anything else is a log line.
 */
export function parseTrainerLine(line: string): ParsedLine {
  const text = line.trim();
  if (!text.startsWith('{')) return { kind: 'log', text: line };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return unparsable(line, text, error as Error);
  }
  const type = (json as { type?: unknown }).type;
  if (type !== 'metric' && type !== 'result') return { kind: 'log', text: line };
  const parsed = TrainerEventSchema.safeParse(json);
  if (parsed.success) return { kind: 'event', event: parsed.data };
  const first = zodIssues(parsed.error, json)[0];
  return {
    kind: 'malformed',
    text: line,
    error: first === undefined ? `not a valid ${type} line` : formatIssue(first),
  };
}

const LOOKS_LIKE_EVENT = /^\{\s*"type"\s*:\s*"(metric|result)"/;
// Bare tokens that Python's json.dumps writes for non-finite floats (JSON has no such values).
const NON_FINITE_TOKEN = /[:,[]\s*(-?Infinity|NaN)\s*[,}\]]/;

/**
 * A line that is not JSON: a log line, unless it opens like an event (`{"type":"metric"`), which
 * is a broken event; most often a diverged value printed as NaN or Infinity.
 */
function unparsable(line: string, text: string, error: Error): ParsedLine {
  if (!LOOKS_LIKE_EVENT.test(text)) return { kind: 'log', text: line };
  const token = NON_FINITE_TOKEN.exec(text)?.[1];
  if (token)
    return {
      kind: 'malformed',
      text: line,
      error: `value is ${token}, which is not a finite number (did the run diverge?)`,
    };
  return { kind: 'malformed', text: line, error: `not valid JSON: ${error.message}` };
}

export function formatEvent(event: TrainerEvent): string {
  return JSON.stringify(event);
}
