/**
 * The operator's errors: `LorahpoError` and the validation finding `Issue` live in the trainer
 * contract (both sides throw and word them); the error that carries a spec's findings is the
 * operator's own.
 */
import { LorahpoError, type ErrorCode } from '../../trainer/src/contract/errors.ts';
import { formatIssues } from '../../trainer/src/contract/format-issue.ts';
import type { Issue } from '../../trainer/src/contract/issue.ts';

export { LorahpoError, type ErrorCode, type LorahpoErrorOptions } from '../../trainer/src/contract/errors.ts';
export type { Issue } from '../../trainer/src/contract/issue.ts';

/** A spec or search space that breaks one or more rules; carries every issue found at once. */
export class SpecInvalidError extends LorahpoError {
  readonly issues: readonly Issue[];

  constructor(header: string, issues: readonly Issue[], code: ErrorCode = 'LORAHPO_SPEC_INVALID') {
    super(code, formatIssues(header, issues));
    this.name = 'SpecInvalidError';
    this.issues = issues;
  }
}
