/**
 * lorahpo-trainer: LoRA fine-tuning of a Llama-family model, keeping the trainer contract
 * (docs/trainer.md). Input from LORAHPO_* environment variables, or the same as flags; metric and
 * result lines on stdout; logs on stderr. SIGTERM stops it between steps and it exits 0.
 */
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import * as tf from '@tensorflow/tfjs';
import { LorahpoError } from './contract/errors.ts';
import { BACKEND_CHOICES, selectBackend } from './backend.ts';
import { EXIT_CODES, exitCodeOf } from './exit-codes.ts';
import { prepareData } from './data/prepare.ts';
import { loadTokenizer } from './data/tokenizer.ts';
import { saveAdapter } from './io/adapter.ts';
import { loadCheckpoint } from './io/checkpoint.ts';
import { runFingerprint } from './io/run-fingerprint.ts';
import {
  checkpointFile,
  loadTrainingCheckpoint,
  saveTrainingCheckpoint,
  type TrainingCheckpoint,
} from './io/training-checkpoint.ts';
import { Reporter, type Sink } from './io/reporter.ts';
import { readDatasetFile, readOptionalText } from './io/text-files.ts';
import { checkOutputPaths } from './io/check-outputs.ts';
import { adapterVariables, createAdapters, disposeAdapters } from './lora/inject.ts';
import { resolveTargetModules } from './lora/targets.ts';
import type { TargetModule } from './model/module-path.ts';
import { LlamaModel } from './model/llama.ts';
import { AdamW } from './optim/adamw.ts';
import { scheduleFor } from './optim/schedule.ts';
import { Rng } from './rng.ts';
import { resolveSettings, type Flags, type RunSettings } from './settings.ts';
import { DataParallelStepper } from './parallel/data-parallel.ts';
import { planSteps } from './train/plan.ts';
import { runTrainingLoop, type LoopOutcome } from './train/run.ts';

export interface MainIo {
  env: NodeJS.ProcessEnv;
  stdout: Sink;
  stderr: Sink;
  signal: AbortSignal;
}

function parseFlags(argv: string[], stderr: Sink): Flags {
  const program = new Command('lorahpo-trainer')
    .description(
      'LoRA fine-tuning of a Llama-family causal LM (TensorFlow.js); flags override the LORAHPO_* environment',
    )
    .option('--params <json>', 'hyperparameters as one JSON object (LORAHPO_PARAMS)')
    .option('--training <json>', 'fixed training settings as JSON (LORAHPO_TRAINING)')
    .option('--trial <name>', 'trial name (LORAHPO_TRIAL)')
    .option('--seed <n>', 'random seed (LORAHPO_SEED)')
    .option('--result-file <path>', 'where the result line is also written (LORAHPO_RESULT_FILE)')
    .option('--output-dir <dir>', 'where the adapter is saved (LORAHPO_OUTPUT_DIR)')
    .option('--model <dir>', 'model directory: config.json, *.safetensors, tokenizer.json')
    .option('--dataset <file>', 'JSONL dataset')
    .option('--epochs <n>')
    .option('--max-steps <n>')
    .option('--batch-size <n>')
    .option('--eval-steps <n>')
    .addOption(new Option('--backend <name>', 'force a TensorFlow.js backend').choices(BACKEND_CHOICES))
    .option('--skip-bad-lines', 'leave malformed dataset lines out with a warning')
    .option('--split-seed <n>', 'seed of the train/eval split (default 0: the same split for every trial)')
    .option(
      '--workers <n>',
      'gradient worker threads on the wasm backend (data parallelism; LORAHPO_WORKERS), default 1',
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => stderr.write(s), writeErr: (s) => stderr.write(s) });
  program.parse(argv, { from: 'user' });
  return program.opts<Flags>();
}

function eosAndPad(
  settings: RunSettings,
  config: { eosTokenId?: number; padTokenId?: number },
  tokenId: (t: string) => number | undefined,
) {
  const eosId = config.eosTokenId ?? tokenId('</s>') ?? tokenId('<|endoftext|>');
  if (eosId === undefined)
    throw new LorahpoError(
      'LORAHPO_MODEL_INVALID',
      `${join(settings.model, 'config.json')} has no eos_token_id and the tokenizer has no </s> or <|endoftext|>`,
    );
  return { eosId, padId: config.padTokenId ?? eosId };
}

async function train(settings: RunSettings, reporter: Reporter, io: MainIo): Promise<number> {
  const checkpoint = loadCheckpoint(settings.model);
  const targets = resolveTargetModules(settings.training.targetModules, checkpoint.config);
  const tokenizer = loadTokenizer(
    join(settings.model, 'tokenizer.json'),
    join(settings.model, 'tokenizer_config.json'),
    readOptionalText,
  );
  const { eosId, padId } = eosAndPad(settings, checkpoint.config, tokenizer.tokenId);
  const t = settings.training;
  const datasetContent = readDatasetFile(settings.dataset);
  const data = prepareData({
    file: settings.dataset,
    content: datasetContent,
    training: t,
    tokenizer,
    eosId,
    padId,
    splitSeed: settings.splitSeed,
    log: (m) => reporter.log(m),
  });
  const selected = await selectBackend(t.backend, io.env, (m) => reporter.log(m));
  reporter.log(`backend: ${selected.choice} (tfjs ${tf.getBackend()}, ${selected.gradientMode} gradients)`);
  const model = new LlamaModel(checkpoint, selected.gradientMode);
  const h = settings.hyper;
  const rng = new Rng(settings.seed);
  const adapters = createAdapters(
    model,
    targets,
    { r: h.loraR, alpha: h.loraAlpha, dropout: h.loraDropout, rslora: t.useRslora, dora: t.useDora },
    rng.fork(),
  );
  const variables = adapterVariables(adapters);
  const optimizer = new AdamW(variables, {
    weightDecay: h.weightDecay,
    beta1: h.adamBeta1,
    beta2: h.adamBeta2,
    epsilon: h.adamEpsilon,
  });
  const plan = planSteps({
    trainSequences: data.train.length,
    batchSize: t.batchSize,
    gradientAccumulationSteps: t.gradientAccumulationSteps,
    epochs: t.epochs,
    maxSteps: t.maxSteps,
  });
  reporter.log(
    `trial ${settings.trial}: ${plan.totalSteps} steps (${plan.stepsPerEpoch} per epoch), params ${JSON.stringify(h)}`,
  );
  let dropoutRng = rng.fork();
  const fingerprint = runFingerprint(settings, datasetContent);
  const resumed = resumeFrom(settings, fingerprint, variables, reporter);
  if (resumed !== undefined) {
    restoreTensors(variables, resumed.weights);
    optimizer.restore(resumed.optimizer);
    dropoutRng = Rng.restore(resumed.dropoutState);
  }
  const parallel = await startWorkers(settings, selected.choice, reporter, targets);
  const outputDir = settings.outputDir === undefined ? undefined : resolve(settings.outputDir);
  try {
    const outcome = await runTrainingLoop({
      step: { model, adapters, variables, optimizer, dropoutRng },
      parallel,
      train: data.train,
      evalBatches: data.evalBatches,
      batchSize: t.batchSize,
      accumulation: t.gradientAccumulationSteps,
      padId,
      plan,
      schedule: scheduleFor(h, plan.totalSteps),
      maxGradNorm: h.maxGradNorm,
      evalSteps: t.evalSteps,
      objective: settings.objective,
      earlyStopping: t.earlyStopping,
      shuffleRng: rng.fork(),
      signal: io.signal,
      resume: resumed?.progress,
      onCheckpoint:
        outputDir === undefined
          ? undefined
          : (progress) =>
              saveTrainingCheckpoint(outputDir, {
                fingerprint,
                progress,
                dropoutState: dropoutRng.state,
                weights: variables.map(hostCopy),
                optimizer: optimizer.snapshot(),
              }),
      onMetric: (name, value, step, epoch) => reporter.metric({ name, value, step, epoch }),
      log: (m) => reporter.log(m),
    });
    return finish(outcome, settings, reporter, targets);
  } finally {
    await parallel?.close();
    optimizer.dispose();
    disposeAdapters(adapters);
    model.dispose();
  }
}

const hostCopy = (v: tf.Variable) => ({ shape: v.shape.slice(), data: (v.dataSync() as Float32Array).slice() });

function restoreTensors(variables: tf.Variable[], weights: readonly { shape: number[]; data: Float32Array }[]): void {
  tf.tidy(() => {
    for (const [i, v] of variables.entries()) v.assign(tf.tensor(weights[i].data, weights[i].shape));
  });
}

/**
 * The resume clause: this attempt continues from the checkpoint a previous attempt left in the
 * output directory when its fingerprint matches; one that does not read back or belongs to another
 * run is named in one log line and training starts from step 0.
 */
function resumeFrom(
  settings: RunSettings,
  fingerprint: string,
  variables: tf.Variable[],
  reporter: Reporter,
): TrainingCheckpoint | undefined {
  const prefix = `attempt ${settings.attempt}`;
  if (settings.outputDir === undefined) {
    reporter.log(`${prefix}: no output directory, so no checkpoint: starting from step 0`);
    return undefined;
  }
  const dir = resolve(settings.outputDir);
  const found = loadTrainingCheckpoint(
    dir,
    fingerprint,
    variables.map((v) => v.shape.slice()),
  );
  if (found.kind === 'resume') {
    reporter.log(`${prefix}: resuming from step ${found.checkpoint.progress.step} (${checkpointFile(dir)})`);
    return found.checkpoint;
  }
  if (found.kind === 'rejected')
    reporter.log(`${prefix}: checkpoint ${found.file} is ${found.reason}: starting from step 0`);
  else reporter.log(`${prefix}: no checkpoint in ${dir}: starting from step 0`);
  return undefined;
}

async function startWorkers(
  settings: RunSettings,
  backend: string,
  reporter: Reporter,
  targets: TargetModule[],
): Promise<DataParallelStepper | undefined> {
  if (settings.workers <= 1) return undefined;
  if (backend !== 'wasm') {
    reporter.log(
      `warning: --workers is for the wasm backend (single-threaded in Node); ${backend} uses its own threads, so it is ignored`,
    );
    return undefined;
  }
  const h = settings.hyper;
  const lora = {
    r: h.loraR,
    alpha: h.loraAlpha,
    dropout: h.loraDropout,
    rslora: settings.training.useRslora,
    dora: settings.training.useDora,
  };
  reporter.log(`data parallelism: ${settings.workers} gradient workers`);
  return DataParallelStepper.start(settings.workers, {
    source: { kind: 'directory', path: settings.model },
    targets,
    lora,
  });
}

function finish(outcome: LoopOutcome, settings: RunSettings, reporter: Reporter, targets: TargetModule[]): number {
  if (outcome.aborted) {
    reporter.log(`stopped by SIGTERM after ${outcome.steps} step(s); no result`);
    return EXIT_CODES.success;
  }
  let adapterPath: string | undefined;
  if (settings.outputDir !== undefined && outcome.bestAdapter !== undefined) {
    const h = settings.hyper;
    adapterPath = saveAdapter(resolve(settings.outputDir), outcome.bestAdapter, {
      r: h.loraR,
      loraAlpha: h.loraAlpha,
      loraDropout: h.loraDropout,
      targetModules: targets,
      baseModel: resolve(settings.model),
      useRslora: settings.training.useRslora,
      useDora: settings.training.useDora,
    });
    reporter.log(`adapter saved to ${adapterPath}`);
  } else reporter.log('no output directory (LORAHPO_OUTPUT_DIR / --output-dir): the adapter is not saved');
  reporter.result({
    value: outcome.value,
    metrics: outcome.metrics,
    earlyStopped: outcome.earlyStopped,
    stoppedEpoch: outcome.stoppedEpoch,
    bestEpoch: outcome.bestEpoch,
    reason: outcome.reason,
    adapterPath,
  });
  // The result is out: the checkpoint is no longer needed, and on a shared volume it costs disk.
  if (settings.outputDir !== undefined)
    rmSync(dirname(checkpointFile(resolve(settings.outputDir))), { recursive: true, force: true });
  return EXIT_CODES.success;
}

function report(error: unknown, stderr: Sink): number {
  // --help and --version exit 0; every other flag error (unknown flag, bad choice) is usage: 2.
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_CODES.success : EXIT_CODES.unusableInput;
  if (error instanceof LorahpoError) {
    stderr.write(
      `lorahpo-trainer: error [${error.code}]: ${error.message}\n${error.hint ? `  hint: ${error.hint}\n` : ''}`,
    );
    return exitCodeOf(error.code);
  }
  stderr.write(`lorahpo-trainer: error: ${(error as Error).stack ?? String(error)}\n`);
  return EXIT_CODES.runFailed;
}

/** Runs one training; resolves to the exit code. */
export async function main(argv: string[], io: MainIo): Promise<number> {
  try {
    const flags = parseFlags(argv, io.stderr);
    const early = new Reporter(io.stdout, io.stderr, '');
    const settings = resolveSettings(io.env, flags, (m) => early.log(`warning: ${m}`));
    checkOutputPaths(settings.outputDir, settings.resultFile);
    const reporter = new Reporter(io.stdout, io.stderr, settings.resultFile);
    return await train(settings, reporter, io);
  } catch (error) {
    return report(error, io.stderr);
  }
}

if (import.meta.main) {
  const controller = new AbortController();
  process.on('SIGTERM', () => {
    // on, not once: a second SIGTERM must not kill the process mid-cleanup
    if (controller.signal.aborted) return;
    controller.abort();
    setTimeout(() => process.exit(EXIT_CODES.success), 1000).unref(); // stop within a second even mid-evaluation
  });
  process.exitCode = await main(process.argv.slice(2), {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
  });
}
