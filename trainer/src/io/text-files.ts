/** Reading the trainer's text inputs; a missing file is a clear error naming it. */
import { existsSync, readFileSync } from 'node:fs';
import { LorahpoError } from '../contract/errors.ts';

export function readDatasetFile(file: string): string {
  if (!existsSync(file)) throw new LorahpoError('LORAHPO_DATA_INVALID', `dataset ${file} does not exist`);
  return readFileSync(file, 'utf8');
}

/** The file's text, or undefined when it does not exist (optional files such as tokenizer_config.json). */
export function readOptionalText(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}
