/**
 * JSONL training data: each line `{"question": …, "answer": …}` or `{"text": …}`. A malformed
 * line is an error naming the file and line, or, with skipBadLines, a warning and the line is left
 * out. Blank lines are ignored.
 */
import { LorahpoError } from '../contract/errors.ts';

export type DataRecord =
  | { kind: 'qa'; line: number; question: string; answer: string }
  | { kind: 'text'; line: number; text: string };

export interface ParseOptions {
  skipBadLines: boolean;
  warn: (message: string) => void;
}

function parseLine(raw: string, line: number): DataRecord | string {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    return `not valid JSON (${(error as Error).message})`;
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return 'not a JSON object';
  const { question, answer, text } = json as Record<string, unknown>;
  if (question !== undefined || answer !== undefined) {
    if (typeof question !== 'string' || question.length === 0) return '"question" must be a non-empty string';
    if (typeof answer !== 'string' || answer.length === 0) return '"answer" must be a non-empty string';
    return { kind: 'qa', line, question, answer };
  }
  if (typeof text === 'string' && text.length > 0) return { kind: 'text', line, text };
  return 'needs "question" and "answer" strings, or a "text" string';
}

/** Parses the whole file; `file` names it in messages. */
export function parseJsonl(content: string, file: string, options: ParseOptions): DataRecord[] {
  const records: DataRecord[] = [];
  const lines = content.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const parsed = parseLine(lines[i], i + 1);
    if (typeof parsed !== 'string') {
      records.push(parsed);
      continue;
    }
    const message = `${file}:${i + 1}: ${parsed}`;
    if (!options.skipBadLines) {
      throw new LorahpoError('LORAHPO_DATA_INVALID', message, {
        hint: 'fix the line, or pass --skip-bad-lines to leave bad lines out',
      });
    }
    options.warn(`skipping ${message}`);
  }
  if (records.length < 2) {
    throw new LorahpoError(
      'LORAHPO_DATA_INVALID',
      `${file}: ${records.length} usable line(s); at least 2 are needed for a train/eval split`,
    );
  }
  return records;
}
