/**
 * The model's tokenizer from its `tokenizer.json` (and `tokenizer_config.json` when present),
 * through @huggingface/tokenizers, which matches the Rust library's ids; the chat template comes
 * from tokenizer_config.json too.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { LorahpoError } from '../contract/errors.ts';
import type { ChatTemplate } from './chat.ts';

export interface TextTokenizer {
  /** With the special tokens the tokenizer adds itself (a BOS for Llama-style tokenizers). */
  encode(text: string, addSpecialTokens: boolean): number[];
  tokenId(token: string): number | undefined;
  /** tokenizer_config.json's chat_template (the `default` one where it lists several). */
  chatTemplate?: ChatTemplate;
}

/** A special token as tokenizer_config.json writes it: a string or an AddedToken object. */
function tokenString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const content = (value as { content?: unknown } | null)?.content;
  return typeof content === 'string' ? content : undefined;
}

function chatTemplateOf(config: Record<string, unknown>): ChatTemplate | undefined {
  let template = config.chat_template;
  if (Array.isArray(template)) template = template.find((t) => t?.name === 'default')?.template;
  if (typeof template !== 'string') return undefined;
  return { template, bosToken: tokenString(config.bos_token), eosToken: tokenString(config.eos_token) };
}

/** Reads JSON files through `read` (path → text, or undefined when the file is absent). */
export function loadTokenizer(
  tokenizerFile: string,
  configFile: string,
  read: (path: string) => string | undefined,
): TextTokenizer {
  const parse = (path: string, text: string) => {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new LorahpoError('LORAHPO_MODEL_INVALID', `${path} is not valid JSON: ${(error as Error).message}`);
    }
  };
  const tokenizerText = read(tokenizerFile);
  if (tokenizerText === undefined) throw new LorahpoError('LORAHPO_MODEL_INVALID', `${tokenizerFile} is missing`);
  const configText = read(configFile);
  const config = configText === undefined ? {} : parse(configFile, configText);
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(parse(tokenizerFile, tokenizerText), config);
  } catch (error) {
    if (error instanceof LorahpoError) throw error;
    throw new LorahpoError(
      'LORAHPO_MODEL_INVALID',
      `${tokenizerFile} could not be loaded: ${(error as Error).message}`,
    );
  }
  return {
    encode: (text, addSpecialTokens) => tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids,
    tokenId: (token) => tokenizer.token_to_id(token),
    chatTemplate: chatTemplateOf(config),
  };
}
