/**
 * The one error type of lorahpo. `code` is stable (tests and callers branch on it), `message`
 * is for people, `hint` says what to do about it.
 */
export type ErrorCode =
  | 'LORAHPO_SPEC_INVALID'
  | 'LORAHPO_SEARCH_SPACE_INVALID'
  | 'LORAHPO_GRID_EXHAUSTED'
  | 'LORAHPO_TRIAL_UNKNOWN'
  | 'LORAHPO_TRIAL_STATE'
  | 'LORAHPO_CONTRACT_VIOLATION'
  | 'LORAHPO_TRIAL_EXIT'
  | 'LORAHPO_TERMINAL'
  | 'LORAHPO_IO'
  | 'LORAHPO_MODEL_INVALID'
  | 'LORAHPO_DATA_INVALID'
  | 'LORAHPO_BACKEND'
  /** The trainer's loss is NaN or infinite: the trial failed (exit 1), the trainer did not crash. */
  | 'LORAHPO_DIVERGED'
  | 'LORAHPO_INTERNAL';

export interface LorahpoErrorOptions {
  hint?: string;
  cause?: unknown;
}

export class LorahpoError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, options: LorahpoErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LorahpoError';
    this.code = code;
    this.hint = options.hint;
  }
}

/** One validation finding: where (a field path such as `spec.parameters[lr].max`), and what rule. */
export interface Issue {
  code: string;
  path: string;
  message: string;
}

/** A spec or search space that breaks one or more rules; carries every issue found at once. */
export class SpecInvalidError extends LorahpoError {
  readonly issues: readonly Issue[];

  constructor(header: string, issues: readonly Issue[], code: ErrorCode = 'LORAHPO_SPEC_INVALID') {
    super(code, [header, ...issues.map((issue) => `  ${issue.path}: ${issue.message}`)].join('\n'));
    this.name = 'SpecInvalidError';
    this.issues = issues;
  }
}
