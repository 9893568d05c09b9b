/**
 * The built-in trainer's exit codes (docs/trainer-contract.md). Both runners tell only 0 from
 * not 0; 1 and 2 tell a person whether to fix the input or to look at the run.
 */
import type { ErrorCode } from './contract/errors.ts';

export const EXIT_CODES = {
  /** A result line was printed, SIGTERM stopped the run (no result), or --help/--version. */
  success: 0,
  /** The run failed (it diverged) or the trainer has a bug. */
  runFailed: 1,
  /** Input the trainer cannot use: a flag, the settings, the model, the data, a path. */
  unusableInput: 2,
} as const;

/** Error codes that are the run's failure or a bug, not the input's fault. */
const RUN_FAILURES: readonly ErrorCode[] = ['LORAHPO_INTERNAL', 'LORAHPO_DIVERGED'];

export function exitCodeOf(code: ErrorCode): number {
  return RUN_FAILURES.includes(code) ? EXIT_CODES.runFailed : EXIT_CODES.unusableInput;
}
