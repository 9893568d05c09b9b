/**
 * The one error type of lorahpo, shared by the operator and the trainer (the trainer image holds
 * only trainer/, so the type lives on the contract side). `code` is stable (tests and callers
 * branch on it), `message` is for people, `hint` says what to do about it.
 */
export const ERROR_CODES = [
  'LORAHPO_SPEC_INVALID',
  'LORAHPO_SEARCH_SPACE_INVALID',
  'LORAHPO_GRID_EXHAUSTED',
  'LORAHPO_TRIAL_UNKNOWN',
  'LORAHPO_TRIAL_STATE',
  'LORAHPO_CONTRACT_VIOLATION',
  'LORAHPO_TRIAL_EXIT',
  'LORAHPO_TERMINAL',
  'LORAHPO_IO',
  'LORAHPO_MODEL_INVALID',
  'LORAHPO_DATA_INVALID',
  'LORAHPO_BACKEND',
  /** The trainer's loss is NaN or infinite: the trial failed (exit 1), the trainer did not crash. */
  'LORAHPO_DIVERGED',
  'LORAHPO_INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

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
