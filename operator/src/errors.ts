/**
 * The operator's errors: `LorahpoError` itself lives in the trainer contract (both sides throw
 * it); validation findings and the error that carries them are the operator's own.
 */
import { LorahpoError, type ErrorCode } from '../../trainer/src/contract/errors.ts';
import { formatIssues } from './format-issue.ts';
import type { Issue } from './issue.ts';

export { LorahpoError, type ErrorCode, type LorahpoErrorOptions } from '../../trainer/src/contract/errors.ts';
export type { Issue } from './issue.ts';

/** A spec or search space that breaks one or more rules; carries every issue found at once. */
export class SpecInvalidError extends LorahpoError {
  readonly issues: readonly Issue[];

  constructor(header: string, issues: readonly Issue[], code: ErrorCode = 'LORAHPO_SPEC_INVALID') {
    super(code, formatIssues(header, issues));
    this.name = 'SpecInvalidError';
    this.issues = issues;
  }
}
