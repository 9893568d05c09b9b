/**
 * A spec change the running study cannot take: trials sampled for another search space or
 * objective (each trial records the fingerprint it was sampled for). The study refuses to go
 * on; nothing is deleted.
 */
import type { LoraTrial } from '../api/trial.ts';
import type { Issue } from '../errors.ts';
import { SPEC_HASH_ANNOTATION } from './trial-actions.ts';

export function specChangeRefusal(trials: readonly LoraTrial[], spaceHash: string): Issue | undefined {
  const changed = trials.find((trial) => {
    const recorded = (trial.metadata.annotations as Record<string, string> | undefined)?.[SPEC_HASH_ANNOTATION];
    return recorded !== undefined && recorded !== spaceHash;
  });
  if (!changed) return undefined;
  const message =
    `the search space or objective changed after trial ${changed.metadata.name} started; ` +
    'they cannot change on a running study. ' +
    'Finished trials are kept; re-create the study to search a new space';
  return { code: 'immutable', path: 'spec.parameters', message };
}
