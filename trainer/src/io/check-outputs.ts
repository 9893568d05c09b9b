/**
 * Where the trainer will write, checked before training starts: an output directory that is a
 * file, or a result file that is a directory, would otherwise fail only after the whole run.
 */
import { statSync } from 'node:fs';
import { LorahpoError } from '../contract/errors.ts';

function kindOf(path: string): 'file' | 'directory' | 'other' | undefined {
  try {
    const stat = statSync(path);
    return stat.isFile() ? 'file' : stat.isDirectory() ? 'directory' : 'other';
  } catch {
    return undefined;
  }
}

export function checkOutputPaths(outputDir: string | undefined, resultFile: string | undefined): void {
  if (outputDir !== undefined && kindOf(outputDir) === 'file') {
    throw new LorahpoError('LORAHPO_IO', `output directory ${outputDir} is a file, not a directory`, {
      hint: 'give --output-dir (LORAHPO_OUTPUT_DIR) a directory',
    });
  }
  if (resultFile !== undefined && kindOf(resultFile) === 'directory') {
    throw new LorahpoError('LORAHPO_IO', `result file ${resultFile} is a directory, not a file`, {
      hint: 'give --result-file (LORAHPO_RESULT_FILE) a file path',
    });
  }
}
