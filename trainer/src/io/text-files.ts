/**
 * Reading the trainer's text inputs; a missing file, a directory in its place or text that is not
 * UTF-8 (Latin-1 would be read as replacement characters, silently) is a clear error naming it.
 * A UTF-8 byte-order mark is dropped, so line 1 parses like the others.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { LorahpoError } from '../contract/errors.ts';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export function readDatasetFile(file: string): string {
  if (!existsSync(file)) throw new LorahpoError('LORAHPO_DATA_INVALID', `dataset ${file} does not exist`);
  if (!statSync(file).isFile())
    throw new LorahpoError(
      'LORAHPO_DATA_INVALID',
      `dataset ${file} is not a file (a directory?); give the JSONL file itself`,
    );
  try {
    return UTF8.decode(readFileSync(file));
  } catch {
    throw new LorahpoError(
      'LORAHPO_DATA_INVALID',
      `dataset ${file} is not UTF-8 text; convert it (e.g. iconv -f latin1 -t utf-8)`,
    );
  }
}

/** The file's text, or undefined when it does not exist (optional files such as tokenizer_config.json). */
export function readOptionalText(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}
