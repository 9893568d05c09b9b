/**
 * Turns records into token sequences with a loss mask. Question/answer lines go through the
 * prompt template; the prompt and the answer are tokenised apart so the answer's first token is
 * known exactly (the prompt's trailing whitespace moves to the answer, where a joint
 * tokenisation would put it). Prompt/completion lines are the same without a template. The EOS
 * token ends these and text lines. Chat lines are the chat template's rendering (which carries
 * its own BOS and end-of-turn tokens), tokenised segment by segment, the assistant turns as
 * targets. Long sequences are truncated.
 */
import { LorahpoError } from '../contract/errors.ts';
import { renderChatSegments } from './chat.ts';
import type { DataRecord } from './dataset.ts';
import type { TextTokenizer } from './tokenizer.ts';

export interface Sequence {
  ids: number[];
  /** 1 where the token is a prediction target (it counts in the loss). */
  lossMask: number[];
}

export interface ExampleOptions {
  promptTemplate: string;
  lossOnAnswerOnly: boolean;
  maxSeqLength: number;
  eosId: number;
  /** Names the dataset in errors. */
  file?: string;
}

export function checkTemplate(template: string): void {
  if (!template.includes('{answer}')) {
    throw new LorahpoError(
      'LORAHPO_SPEC_INVALID',
      `training.promptTemplate must contain {answer}, got ${JSON.stringify(template)}`,
    );
  }
}

function qaParts(
  record: { question: string; answer: string },
  template: string,
): { prompt: string; completion: string } {
  const at = template.indexOf('{answer}');
  const fill = (s: string) => s.replaceAll('{question}', record.question);
  const head = fill(template.slice(0, at));
  const trimmed = head.replace(/\s+$/, '');
  return {
    prompt: trimmed,
    completion: head.slice(trimmed.length) + record.answer + fill(template.slice(at + '{answer}'.length)),
  };
}

function chatSequence(
  record: Extract<DataRecord, { kind: 'chat' }>,
  tokenizer: TextTokenizer,
  options: ExampleOptions,
): Sequence {
  const where = `${options.file ?? 'dataset'}:${record.line}`;
  if (tokenizer.chatTemplate === undefined) {
    throw new LorahpoError('LORAHPO_DATA_INVALID', `${where}: chat "messages" need the model's chat template`, {
      hint: 'tokenizer_config.json has no chat_template; convert the lines to prompt/completion, or add one',
    });
  }
  const ids: number[] = [];
  const lossMask: number[] = [];
  for (const segment of renderChatSegments(tokenizer.chatTemplate, record.messages, where)) {
    const segmentIds = tokenizer.encode(segment.text, false); // the template writes the special tokens
    const weight = segment.assistant || !options.lossOnAnswerOnly ? 1 : 0;
    ids.push(...segmentIds);
    lossMask.push(...segmentIds.map(() => weight));
  }
  return { ids, lossMask };
}

export function encodeRecord(record: DataRecord, tokenizer: TextTokenizer, options: ExampleOptions): Sequence {
  let ids: number[];
  let lossMask: number[];
  if (record.kind === 'text') {
    ids = [...tokenizer.encode(record.text, true), options.eosId];
    lossMask = ids.map(() => 1);
  } else if (record.kind === 'chat') {
    ({ ids, lossMask } = chatSequence(record, tokenizer, options));
  } else {
    const { prompt, completion } =
      record.kind === 'qa'
        ? qaParts(record, options.promptTemplate)
        : { prompt: record.prompt, completion: record.completion };
    const promptIds = tokenizer.encode(prompt, true);
    const completionIds = [...tokenizer.encode(completion, false), options.eosId];
    ids = [...promptIds, ...completionIds];
    const promptWeight = options.lossOnAnswerOnly ? 0 : 1;
    lossMask = [...promptIds.map(() => promptWeight), ...completionIds.map(() => 1)];
  }
  if (lossMask.length > 0) lossMask[0] = 0; // the first token is never predicted
  return { ids: ids.slice(0, options.maxSeqLength), lossMask: lossMask.slice(0, options.maxSeqLength) };
}

/** Packing: concatenates sequences and cuts them into maxSeqLength chunks (no padding). */
export function packSequences(sequences: readonly Sequence[], maxSeqLength: number): Sequence[] {
  const ids = sequences.flatMap((s) => s.ids);
  const lossMask = sequences.flatMap((s) => s.lossMask);
  const packed: Sequence[] = [];
  for (let start = 0; start < ids.length; start += maxSeqLength) {
    packed.push({ ids: ids.slice(start, start + maxSeqLength), lossMask: lossMask.slice(start, start + maxSeqLength) });
  }
  return packed;
}

export function hasTargets(sequence: Sequence): boolean {
  return sequence.lossMask.some((m, t) => m === 1 && t > 0);
}
