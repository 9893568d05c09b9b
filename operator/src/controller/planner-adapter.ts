/** The engine's `plan` in the reconciler's shape (the one place that knows both). */
import { plan } from '../engine/plan.ts';
import type { PlanAction as EngineAction } from '../engine/actions.ts';
import type { PlanAction, Planner } from './planner.ts';

function toAction(action: EngineAction): PlanAction[] {
  switch (action.type) {
    case 'start':
      return [{ type: 'startTrial', number: action.number, params: action.params, seed: action.seed, trial: action.trial }];
    case 'prune':
      return [{ type: 'pruneTrial', name: action.name, step: action.step, value: action.value, message: action.message }];
    case 'stop':
      return [{ type: 'stopTrial', name: action.name, reason: action.reason, message: action.message }];
    case 'finish':
      return [{ type: 'finishStudy', reason: action.reason }];
  }
}

export const enginePlanner: Planner = (study, trials, nowMs) => {
  // The reconciler plans only for studies it validated (and keeps that check per generation).
  const result = plan(study, trials, new Date(nowMs), { isSpecChecked: true });
  return { actions: result.actions.flatMap(toAction), status: result.status, ...(result.requeueAfterMs === undefined ? {} : { requeueAfterMs: result.requeueAfterMs }) };
};
