/**
 * A state directory belongs to one study. Resuming it with a manifest whose search space,
 * objective, sampler or pruner differ would mix trials from two studies, so it is refused;
 * the budget, training settings and trial template may change between runs.
 */
import { LoraStudySchema, type LoraStudy } from '../api/study.ts';
import { LorahpoError } from '../errors.ts';
import type { JournalState } from './journal-state.ts';

const FIXED_FIELDS = ['objective', 'parameters', 'sampler', 'pruner'] as const;

export function checkResume(state: JournalState, study: LoraStudy, stateDir: string): void {
  if (state.study === undefined) return;
  const recorded = LoraStudySchema.parse(state.study);
  const hint = `use another --state-dir for a new study, or delete ${stateDir} to start over`;
  if (recorded.metadata.name !== study.metadata.name) {
    throw new LorahpoError(
      'LORAHPO_SPEC_INVALID',
      `${stateDir} holds study ${recorded.metadata.name}, not ${study.metadata.name}`,
      { hint },
    );
  }
  const changed = FIXED_FIELDS.filter(
    (field) => JSON.stringify(recorded.spec[field]) !== JSON.stringify(study.spec[field]),
  );
  if (changed.length > 0) {
    throw new LorahpoError(
      'LORAHPO_SPEC_INVALID',
      `${stateDir} holds study ${study.metadata.name} with a different ${changed.map((field) => `spec.${field}`).join(', ')}; these cannot change once trials have run`,
      { hint },
    );
  }
}
