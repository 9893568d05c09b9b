/**
 * The model's tokenizer from its `tokenizer.json` (and `tokenizer_config.json` when present),
 * through @huggingface/tokenizers, which matches the Rust library's ids.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { LorahpoError } from '../contract/errors.ts';

export interface TextTokenizer {
  /** With the special tokens the tokenizer adds itself (a BOS for Llama-style tokenizers). */
  encode(text: string, addSpecialTokens: boolean): number[];
  tokenId(token: string): number | undefined;
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
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(
      parse(tokenizerFile, tokenizerText),
      configText === undefined ? {} : parse(configFile, configText),
    );
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
  };
}
