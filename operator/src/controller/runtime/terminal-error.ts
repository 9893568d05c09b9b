import { LorahpoError, type LorahpoErrorOptions } from '../../errors.ts';

/** A failure that retrying cannot fix (an invalid spec): logged and counted, never requeued. */
export class TerminalError extends LorahpoError {
  constructor(message: string, options: LorahpoErrorOptions = {}) {
    super('LORAHPO_TERMINAL', message, options);
    this.name = 'TerminalError';
  }
}
