/**
 * The training loop: epochs of shuffled batches, one optimiser step per group of
 * gradientAccumulationSteps batches, the learning rate from the schedule, evaluation at each
 * epoch's end (or every evalSteps steps instead) and after the last step, early stopping on the objective, and the best
 * evaluation's adapter kept. After each evaluation it hands its progress to a checkpoint writer and
 * can start again from such progress. Between steps it yields to the event loop so SIGTERM is handled.
 */
import type { HostBatch } from '../data/batches.ts';
import { epochBatches } from '../data/batches.ts';
import type { Sequence } from '../data/examples.ts';
import { peftState, type PeftState } from '../lora/peft-state.ts';
import { learningRateAt, type Schedule } from '../optim/schedule.ts';
import { Rng } from '../rng.ts';
import type { Direction } from '../contract/training.ts';
import { EarlyStopping, type EarlyStoppingOptions, type EarlyStoppingState } from './early-stopping.ts';
import { divergedError } from './diverged.ts';
import { evaluateLoss } from './evaluate.ts';
import { groupsOf, type TrainPlan } from './plan.ts';
import type { DataParallelStepper } from '../parallel/data-parallel.ts';
import { trainStep, type StepContext } from './step.ts';

export interface LoopInput {
  step: StepContext;
  /** Computes the steps' gradients on worker threads when given. */
  parallel?: DataParallelStepper;
  train: readonly Sequence[];
  evalBatches: readonly HostBatch[];
  batchSize: number;
  accumulation: number;
  padId: number;
  plan: TrainPlan;
  schedule: Schedule;
  maxGradNorm: number;
  evalSteps?: number;
  objective: { metric: string; direction: Direction };
  earlyStopping?: EarlyStoppingOptions;
  shuffleRng: Rng;
  signal: AbortSignal;
  /** Where a resumed run continues (a checkpoint's progress); absent for a fresh run. */
  resume?: LoopProgress;
  /** Called after each evaluation that training goes on from, to save a checkpoint. */
  onCheckpoint?: (progress: LoopProgress) => void;
  onMetric: (name: string, value: number, step: number, epoch: number) => void;
  log: (message: string) => void;
}

export interface LoopOutcome {
  aborted: boolean;
  steps: number;
  value: number;
  metrics: Record<string, number>;
  earlyStopped: boolean;
  stoppedEpoch?: number;
  bestEpoch?: number;
  reason?: string;
  bestAdapter?: PeftState;
}

export interface ReportedMetric {
  name: string;
  value: number;
  step: number;
  epoch: number;
}

/**
 * The loop's own state at an evaluation, all a checkpoint needs beside the tensors (adapter
 * weights, optimiser moments) and the dropout generator, which the caller saves and restores.
 */
export interface LoopProgress {
  step: number;
  /** The epoch being trained (1-based) and the next batch group of it. */
  epoch: number;
  nextGroup: number;
  /** The shuffle generator's state before this epoch's shuffle: it replays the same order. */
  epochShuffleState: number;
  earlyStopping: EarlyStoppingState;
  best?: { metrics: Record<string, number>; epoch: number; adapter: PeftState };
  /** Every metric reported so far, in order. */
  curve: ReportedMetric[];
}

interface LoopState {
  step: number;
  curve: ReportedMetric[];
  trainLossSum: number;
  trainLossSteps: number;
  tracker: EarlyStopping;
  best?: { metrics: Record<string, number>; epoch: number; adapter: PeftState };
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Evaluates, reports, tracks the best; returns whether early stopping fires. */
function evaluateAndTrack(input: LoopInput, state: LoopState, epoch: number): boolean {
  const evalLoss = evaluateLoss(input.step.model, input.step.adapters, input.evalBatches);
  if (!Number.isFinite(evalLoss)) throw divergedError('evaluation', evalLoss, state.step);
  const metrics: Record<string, number> = { eval_loss: evalLoss, perplexity: Math.exp(evalLoss) };
  if (state.trainLossSteps > 0) metrics.train_loss = state.trainLossSum / state.trainLossSteps;
  state.trainLossSum = 0;
  state.trainLossSteps = 0;
  const rounded = Math.round(epoch * 1e4) / 1e4;
  for (const [name, value] of Object.entries(metrics))
    report(input, state, { name, value, step: state.step, epoch: rounded });
  const value = metrics[input.objective.metric];
  if (value === undefined) return false; // e.g. train_loss before any step
  const seen = state.tracker.observe(value);
  if (seen.isBest)
    state.best = {
      metrics,
      epoch: Math.max(1, Math.ceil(epoch - 1e-9)),
      adapter: peftState(input.step.adapters, input.step.model.storedName),
    };
  return seen.shouldStop;
}

function report(input: LoopInput, state: LoopState, metric: ReportedMetric): void {
  state.curve.push(metric);
  input.onMetric(metric.name, metric.value, metric.step, metric.epoch);
}

function outcome(state: LoopState, input: LoopInput, stoppedEpoch: number | undefined, aborted: boolean): LoopOutcome {
  const best = state.best;
  return {
    aborted,
    steps: state.step,
    value: best?.metrics[input.objective.metric] ?? Number.NaN,
    metrics: best?.metrics ?? {},
    earlyStopped: stoppedEpoch !== undefined,
    stoppedEpoch,
    bestEpoch: best?.epoch,
    reason: stoppedEpoch !== undefined ? state.tracker.reason() : undefined,
    bestAdapter: best?.adapter,
  };
}

/**
 * A fresh state, or a resumed one: the reported curve is emitted again (the operator keeps one
 * value per metric and step, so a repeat is harmless and a reader of this attempt's log alone
 * sees the whole curve).
 */
function startState(input: LoopInput): LoopState {
  const tracker = new EarlyStopping(input.earlyStopping, input.objective.direction);
  const state: LoopState = { step: 0, curve: [], trainLossSum: 0, trainLossSteps: 0, tracker };
  const resume = input.resume;
  if (resume === undefined) return state;
  state.step = resume.step;
  tracker.restore(resume.earlyStopping);
  state.best = resume.best;
  for (const metric of resume.curve) report(input, state, metric);
  return state;
}

export async function runTrainingLoop(input: LoopInput): Promise<LoopOutcome> {
  const state = startState(input);
  const { plan, resume } = input;
  let shuffleRng = input.shuffleRng;
  for (let epoch = resume?.epoch ?? 1; state.step < plan.totalSteps; epoch++) {
    const resuming = resume !== undefined && epoch === resume.epoch;
    if (resuming) shuffleRng = Rng.restore(resume.epochShuffleState);
    const epochShuffleState = shuffleRng.state;
    const groups = groupsOf(epochBatches(input.train, input.batchSize, input.padId, shuffleRng), input.accumulation);
    for (let g = resuming ? resume.nextGroup : 0; g < groups.length && state.step < plan.totalSteps; g++) {
      await yieldToEventLoop();
      if (input.signal.aborted) return outcome(state, input, undefined, true);
      const lr = learningRateAt(state.step, input.schedule);
      const result = input.parallel
        ? await input.parallel.step(input.step, groups[g], lr, input.maxGradNorm)
        : trainStep(input.step, groups[g], lr, input.maxGradNorm);
      state.step++;
      state.trainLossSum += result.loss;
      state.trainLossSteps++;
      if (!Number.isFinite(result.loss)) throw divergedError('training', result.loss, state.step);
      // Every evalSteps steps or every epoch, not both (transformers' eval_strategy), and after the
      // last step so a run always reports: each evaluation counts once towards patience.
      const isLast = state.step === plan.totalSteps;
      const due = input.evalSteps !== undefined ? state.step % input.evalSteps === 0 : g === groups.length - 1;
      if (!due && !isLast) continue;
      const stop = evaluateAndTrack(input, state, epoch - 1 + (g + 1) / groups.length);
      if (stop) return outcome(state, input, epoch, false);
      if (!isLast)
        input.onCheckpoint?.({
          step: state.step,
          epoch,
          nextGroup: g + 1,
          epochShuffleState,
          earlyStopping: state.tracker.snapshot(),
          best: state.best,
          curve: state.curve.slice(),
        });
    }
  }
  return outcome(state, input, undefined, false);
}
