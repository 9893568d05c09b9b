/**
 * The study view: everything the report and the dashboard draw, as one plain JSON value built
 * from (study, trials). The page only lays it out in charts; what a point means (best so far, the
 * pruner's comparison, importance) is decided here, where it is unit-tested. Pure: the clock comes
 * in as `nowIso`.
 */
import { templateGpus } from '../api/trial-gpus.ts';
import type { Parameter } from '../api/parameters.ts';
import type { Direction, LoraStudy } from '../api/study.ts';
import type { LoraTrial, TrialPhase } from '../api/trial.ts';
import { contourSurface, type ContourSurface } from './contour-surface.ts';
import { pedAnovaImportance, type ParameterImportance } from './ped-anova.ts';
import {
  percentileLine,
  pruneComparison,
  rungSteps,
  type CurveTrial,
  type ReferenceCurve,
} from './pruner-reference.ts';

export interface TrialRow {
  number: number;
  name: string;
  state: TrialPhase;
  params: Record<string, unknown>;
  value?: number;
  step?: number;
  durationS?: number;
  gpuHours?: number;
  adapterPath?: string;
  message?: string;
}

export interface CurveMark {
  number: number;
  step: number;
  value: number;
  /** Pruned: what it was judged against; early stopped: the epoch and the best epoch. */
  note: string;
  threshold?: number;
}

export interface ParameterAxis {
  name: string;
  type: Parameter['type'];
  log: boolean;
  /** Categorical parameters' values as text, in the manifest's order. */
  categories?: string[];
}

export interface StudyView {
  study: {
    name: string;
    namespace?: string;
    metric: string;
    direction: Direction;
    phase: string;
    completionReason?: string;
    progress: string;
    pruner: string;
    source: string;
    generatedAt: string;
  };
  counts: Record<TrialPhase, number>;
  parameters: ParameterAxis[];
  trials: TrialRow[];
  best?: TrialRow;
  /** Trials with an objective value in number order, and the best so far among complete ones. */
  history: {
    points: { number: number; value: number; state: TrialPhase }[];
    bestSoFar: [number, number][];
    failed: number[];
  };
  curves: {
    trials: { number: number; state: TrialPhase; points: [number, number][] }[];
    reference?: { label: string; points: [number, number][] };
    rungSteps: number[];
    pruned: CurveMark[];
    earlyStopped: CurveMark[];
  };
  importance: { method: 'PED-ANOVA'; trialsUsed: number; values: ParameterImportance[] };
  contour?: ContourSurface;
}

export interface StudyViewOptions {
  /** Where the data came from, e.g. the state directory or `cluster ns/name`. */
  source: string;
  nowIso: string;
}

const COMPLETE: readonly TrialPhase[] = ['Succeeded', 'EarlyStopped'];

export function buildStudyView(study: LoraStudy, trials: readonly LoraTrial[], options: StudyViewOptions): StudyView {
  const { objective, pruner, parameters, budget } = study.spec;
  const rows = trials.map((trial) => trialRow(trial, gpusOf(trial, study), options.nowIso));
  const complete = rows.filter(
    (row) => COMPLETE.includes(row.state) && row.value !== undefined && Number.isFinite(row.value),
  );
  const importanceTrials = complete.map((row) => ({
    params: row.params,
    value: row.value as number,
    number: row.number,
  }));
  const importance = pedAnovaImportance(parameters, importanceTrials, objective.direction);
  const best = bestRow(complete, objective.direction);
  const finished = rows.filter((row) => row.state !== 'Pending' && row.state !== 'Running').length;
  return {
    study: {
      name: study.metadata.name ?? '',
      ...(study.metadata.namespace ? { namespace: study.metadata.namespace } : {}),
      metric: objective.metric,
      direction: objective.direction,
      phase: study.status?.phase ?? 'Pending',
      ...(study.status?.completionReason ? { completionReason: study.status.completionReason } : {}),
      progress: `${finished}/${budget.maxTrials}`,
      pruner:
        pruner.algorithm === 'patient' && pruner.wrapped ? `patient(${pruner.wrapped.algorithm})` : pruner.algorithm,
      source: options.source,
      generatedAt: options.nowIso,
    },
    counts: countStates(rows),
    parameters: parameters.map(parameterAxis),
    trials: rows,
    ...(best ? { best } : {}),
    history: historyOf(rows, objective.direction),
    curves: curvesOf(study, trials),
    importance: { method: 'PED-ANOVA', trialsUsed: importanceTrials.length, values: importance },
    ...contourOf(parameters, importance, importanceTrials),
  };
}

function trialRow(trial: LoraTrial, gpus: number | undefined, nowIso: string): TrialRow {
  const status = trial.status;
  // A failed trial has no objective value; a running one shows its latest.
  const latest = status?.phase === 'Failed' ? undefined : status?.intermediateValues.at(-1)?.value;
  const value = status?.value ?? latest;
  const step = status?.prunedAtStep ?? status?.intermediateValues.at(-1)?.step;
  const durationS = durationSeconds(
    status?.startTime,
    status?.completionTime ?? (status?.phase === 'Running' ? nowIso : undefined),
  );
  return {
    number: trial.spec.number,
    name: trial.metadata.name ?? String(trial.spec.number),
    state: status?.phase ?? 'Pending',
    params: trial.spec.params,
    ...(value === undefined ? {} : { value }),
    ...(step === undefined ? {} : { step }),
    ...(durationS === undefined ? {} : { durationS }),
    ...gpuHoursOf(status, gpus, durationS),
    ...(status?.adapterPath ? { adapterPath: status.adapterPath } : {}),
    ...(status?.message ? { message: status.message } : {}),
  };
}

/**
 * What the trial's status says its ended attempts used (all of it once it ended), and a running
 * attempt's GPUs × its duration so far; a status written before trials carried gpuHours, the
 * duration alone.
 */
function gpuHoursOf(status: LoraTrial['status'], gpus: number | undefined, durationS: number | undefined) {
  if (gpus === undefined) return {};
  const current = durationS === undefined ? 0 : (durationS / 3600) * gpus;
  const ended = status?.gpuHours;
  if (status?.phase === 'Running') return { gpuHours: (ended ?? 0) + current };
  if (ended !== undefined) return { gpuHours: ended };
  return durationS === undefined ? {} : { gpuHours: current };
}

function durationSeconds(start: string | undefined, end: string | undefined): number | undefined {
  if (start === undefined || end === undefined) return undefined;
  const seconds = (Date.parse(end) - Date.parse(start)) / 1000;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

/** GPUs the trial asked for when it started (older trials: the template's now); undefined for none. */
function gpusOf(trial: LoraTrial, study: LoraStudy): number | undefined {
  const gpus = trial.spec.gpus ?? templateGpus(study.spec.trialTemplate);
  return gpus > 0 ? gpus : undefined;
}

function isBetter(a: number, b: number, direction: Direction): boolean {
  return direction === 'minimize' ? a < b : a > b;
}

function bestRow(complete: readonly TrialRow[], direction: Direction): TrialRow | undefined {
  let best: TrialRow | undefined;
  for (const row of complete)
    if (best === undefined || isBetter(row.value as number, best.value as number, direction)) best = row;
  return best;
}

function countStates(rows: readonly TrialRow[]): Record<TrialPhase, number> {
  const counts: Record<TrialPhase, number> = {
    Pending: 0,
    Running: 0,
    Succeeded: 0,
    Pruned: 0,
    EarlyStopped: 0,
    Failed: 0,
  };
  for (const row of rows) counts[row.state] += 1;
  return counts;
}

function parameterAxis(parameter: Parameter): ParameterAxis {
  if (parameter.type === 'categorical')
    return { name: parameter.name, type: parameter.type, log: false, categories: parameter.values.map(String) };
  return { name: parameter.name, type: parameter.type, log: parameter.log };
}

/** Finished trials with a value, and the best-so-far step line over the complete ones. */
function historyOf(rows: readonly TrialRow[], direction: Direction): StudyView['history'] {
  const ordered = [...rows].sort((a, b) => a.number - b.number);
  const points = ordered.filter(
    (row) => row.state !== 'Pending' && row.value !== undefined && Number.isFinite(row.value),
  );
  const bestSoFar: [number, number][] = [];
  let best: number | undefined;
  for (const row of points) {
    if (!COMPLETE.includes(row.state)) continue;
    if (best === undefined || isBetter(row.value as number, best, direction)) best = row.value as number;
    bestSoFar.push([row.number, best]);
  }
  const failed = ordered.filter((row) => row.state === 'Failed').map((row) => row.number);
  return {
    points: points.map((row) => ({ number: row.number, value: row.value as number, state: row.state })),
    bestSoFar,
    failed,
  };
}

function curveTrial(trial: LoraTrial): CurveTrial {
  const phase = trial.status?.phase ?? 'Pending';
  return {
    number: trial.spec.number,
    isComplete: COMPLETE.includes(phase),
    ...(trial.status?.completionTime ? { completionTime: trial.status.completionTime } : {}),
    points: trial.status?.intermediateValues ?? [],
  };
}

function curvesOf(study: LoraStudy, trials: readonly LoraTrial[]): StudyView['curves'] {
  const { pruner, objective } = study.spec;
  const curves = trials.map(curveTrial);
  const maxStep = Math.max(0, ...curves.flatMap((curve) => curve.points.map((point) => point.step)));
  const line = percentileLine(pruner, objective.direction, curves);
  const pruned: CurveMark[] = [];
  const earlyStopped: CurveMark[] = [];
  trials.forEach((trial, i) => {
    const last = curves[i].points.at(-1);
    if (trial.status?.phase === 'Pruned' && trial.status.prunedAtStep !== undefined) {
      const step = trial.status.prunedAtStep;
      const value = curves[i].points.find((point) => point.step === step)?.value ?? trial.status.value ?? last?.value;
      if (value === undefined) return;
      const comparison = pruneComparison(pruner, objective.direction, curves[i], step, curves);
      pruned.push({
        number: trial.spec.number,
        step,
        value,
        note: comparison.against,
        ...(comparison.threshold === undefined ? {} : { threshold: comparison.threshold }),
      });
    } else if (trial.status?.phase === 'EarlyStopped' && last) {
      const { stoppedAtEpoch, bestEpoch } = trial.status;
      const note = `early stopping at epoch ${stoppedAtEpoch ?? '?'}${bestEpoch === undefined ? '' : ` (best epoch ${bestEpoch})`}`;
      earlyStopped.push({ number: trial.spec.number, step: last.step, value: last.value, note });
    }
  });
  return {
    trials: trials.map((trial, i) => ({
      number: trial.spec.number,
      state: trial.status?.phase ?? 'Pending',
      points: pairs(curves[i].points),
    })),
    ...(line.length > 0 ? { reference: { label: referenceLabel(study), points: pairs(line) } } : {}),
    rungSteps: rungSteps(pruner, maxStep),
    pruned,
    earlyStopped,
  };
}

function referenceLabel(study: LoraStudy): string {
  const acting =
    study.spec.pruner.algorithm === 'patient' && study.spec.pruner.wrapped
      ? study.spec.pruner.wrapped
      : study.spec.pruner;
  return acting.algorithm === 'median'
    ? 'median of complete trials'
    : `${acting.percentile ?? 25}th percentile of complete trials`;
}

function pairs(points: readonly ReferenceCurve[]): [number, number][] {
  return points.map((point) => [point.step, point.value]);
}

/** The contour of the two most important parameters (the first two when importance is unknown). */
function contourOf(
  parameters: readonly Parameter[],
  importance: readonly ParameterImportance[],
  trials: readonly { params: Record<string, unknown>; value: number; number: number }[],
): { contour?: ContourSurface } {
  if (parameters.length < 2) return {};
  const names =
    importance.length >= 2
      ? importance.slice(0, 2).map((entry) => entry.name)
      : parameters.slice(0, 2).map((p) => p.name);
  const [x, y] = names.map((name) => parameters.find((parameter) => parameter.name === name) as Parameter);
  const contour = contourSurface(x, y, trials);
  return contour ? { contour } : {};
}
