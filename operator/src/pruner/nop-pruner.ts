/** The `none` pruner: never prunes. */
import type { Pruner } from './pruner.ts';

export class NopPruner implements Pruner {
  shouldPrune(): boolean {
    return false;
  }
}
