/**
 * JSONL training data, each line one of: `{"question", "answer"}`; Alpaca
 * `{"instruction", "input"?, "output"}` (read as a question — the instruction, then the input
 * after a blank line — and its answer); `{"prompt", "completion"}`; chat
 * `{"messages": [{"role", "content"}, …]}`; `{"text"}`. A malformed line is an error naming the
 * file and line, or, with skipBadLines, a warning and the line is left out. Blank lines are ignored.
 */
import { LorahpoError } from '../contract/errors.ts';
import type { ChatMessage } from './chat.ts';

export type DataRecord =
  | { kind: 'qa'; line: number; question: string; answer: string }
  | { kind: 'completion'; line: number; prompt: string; completion: string }
  | { kind: 'chat'; line: number; messages: ChatMessage[] }
  | { kind: 'text'; line: number; text: string };

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

function parseMessages(messages: unknown, line: number): DataRecord | string {
  if (!Array.isArray(messages) || messages.length === 0) return '"messages" must be a non-empty array';
  for (const [i, m] of messages.entries()) {
    const { role, content } = (m ?? {}) as Record<string, unknown>;
    if (!nonEmpty(role) || typeof content !== 'string')
      return `messages[${i}] needs a "role" string and a "content" string`;
  }
  if (!messages.some((m) => m.role === 'assistant')) return '"messages" has no assistant turn to learn from';
  return { kind: 'chat', line, messages: messages.map((m) => ({ role: m.role, content: m.content })) };
}

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
  const { question, answer, text, instruction, input, output, prompt, completion, messages } = json as Record<
    string,
    unknown
  >;
  if (messages !== undefined) return parseMessages(messages, line);
  if (instruction !== undefined || output !== undefined) {
    if (!nonEmpty(instruction)) return '"instruction" must be a non-empty string';
    if (!nonEmpty(output)) return '"output" must be a non-empty string';
    if (input !== undefined && typeof input !== 'string') return '"input" must be a string';
    const question = nonEmpty(input) ? `${instruction}\n\n${input}` : instruction;
    return { kind: 'qa', line, question, answer: output };
  }
  if (prompt !== undefined || completion !== undefined) {
    if (!nonEmpty(prompt)) return '"prompt" must be a non-empty string';
    if (!nonEmpty(completion)) return '"completion" must be a non-empty string';
    return { kind: 'completion', line, prompt, completion };
  }
  if (question !== undefined || answer !== undefined) {
    if (typeof question !== 'string' || question.length === 0) return '"question" must be a non-empty string';
    if (typeof answer !== 'string' || answer.length === 0) return '"answer" must be a non-empty string';
    return { kind: 'qa', line, question, answer };
  }
  if (typeof text === 'string' && text.length > 0) return { kind: 'text', line, text };
  return 'needs "question"/"answer", "instruction"/"output", "prompt"/"completion", "messages" or "text"';
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
