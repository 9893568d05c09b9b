/**
 * A run whose loss is no longer a number (NaN, ±Infinity): the learning rate was too high or the
 * gradients overflowed. It is the trial's failure, not the trainer's crash, so it ends with one
 * line naming the loss and the step (the runner shows the last stderr line) and exit 1.
 */
import { LorahpoError } from '../contract/errors.ts';

export function divergedError(which: 'training' | 'evaluation', loss: number, step: number): LorahpoError {
  return new LorahpoError(
    'LORAHPO_DIVERGED',
    `the ${which} loss is ${loss} at step ${step} (the run diverged; a lower learningRate may help)`,
  );
}
