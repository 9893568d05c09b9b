/**
 * Reading the trainer's text inputs (dataset, config.json, tokenizer files, shard index): a
 * missing file, a directory in its place or text that is not UTF-8 (Latin-1 would be read as
 * replacement characters, silently) is a clear error naming it. A UTF-8 byte-order mark is
 * dropped, so line 1 (or the JSON's first key) parses like the rest.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { LorahpoError, type ErrorCode } from '../contract/errors.ts';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** UTF-8 bytes to text, BOM dropped; undefined when the bytes are not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** `what` names the file in messages ("dataset", "model file"); `code` is the error's code. */
export function readUtf8File(file: string, what: string, code: ErrorCode): string {
  if (!existsSync(file)) throw new LorahpoError(code, `${what} ${file} does not exist`);
  if (!statSync(file).isFile())
    throw new LorahpoError(code, `${what} ${file} is not a file (a directory?); give the file itself`);
  const text = decodeUtf8(readFileSync(file));
  if (text === undefined)
    throw new LorahpoError(code, `${what} ${file} is not UTF-8 text; convert it (e.g. iconv -f latin1 -t utf-8)`);
  return text;
}

export function readDatasetFile(file: string): string {
  return readUtf8File(file, 'dataset', 'LORAHPO_DATA_INVALID');
}

/** The file's text, or undefined when it does not exist (optional files such as tokenizer_config.json). */
export function readOptionalText(file: string): string | undefined {
  return existsSync(file) ? readUtf8File(file, 'model file', 'LORAHPO_MODEL_INVALID') : undefined;
}
