/**
 * From the dataset file to what the loop consumes: records, the seeded train/eval split (the same
 * split seed for every trial, so their eval losses compare), token sequences, evaluation batches.
 */
import { LorahpoError } from '../contract/errors.ts';
import type { TrainingSettings } from '../contract/training.ts';
import { Rng } from '../rng.ts';
import { batchesOf, type HostBatch } from './batches.ts';
import { parseJsonl } from './dataset.ts';
import { checkTemplate, encodeRecord, hasTargets, packSequences, type Sequence } from './examples.ts';
import type { TextTokenizer } from './tokenizer.ts';

export interface PreparedData {
  train: Sequence[];
  evalBatches: HostBatch[];
}

export interface PrepareInput {
  /** Names the dataset in messages. */
  file: string;
  content: string;
  training: TrainingSettings;
  tokenizer: TextTokenizer;
  eosId: number;
  padId: number;
  splitSeed: number;
  log: (message: string) => void;
}

function toSequences(records: ReturnType<typeof parseJsonl>, p: PrepareInput): Sequence[] {
  const t = p.training;
  const options = {
    promptTemplate: t.promptTemplate,
    lossOnAnswerOnly: t.lossOnAnswerOnly,
    maxSeqLength: t.maxSeqLength,
    eosId: p.eosId,
    file: p.file,
  };
  const encoded = records.map((r) => encodeRecord(r, p.tokenizer, options));
  const sequences = (t.packing ? packSequences(encoded, t.maxSeqLength) : encoded).filter(hasTargets);
  if (sequences.length < encoded.length && !t.packing)
    p.log(
      `${encoded.length - sequences.length} line(s) have no target tokens after truncation to ${t.maxSeqLength}; left out`,
    );
  return sequences;
}

export function prepareData(p: PrepareInput): PreparedData {
  const records = parseJsonl(p.content, p.file, { skipBadLines: p.training.skipBadLines, warn: p.log });
  if (records.some((r) => r.kind === 'qa')) checkTemplate(p.training.promptTemplate);
  const rng = new Rng(p.splitSeed);
  const split = splitOf(records, p.training.evalFraction, rng);
  const train = toSequences(split.train, p);
  const evalSequences = toSequences(split.eval, p);
  if (train.length === 0 || evalSequences.length === 0) {
    throw new LorahpoError(
      'LORAHPO_DATA_INVALID',
      `${p.file}: ${train.length} training and ${evalSequences.length} evaluation sequence(s) with target tokens; both must be non-empty`,
    );
  }
  p.log(`data: ${records.length} lines → ${train.length} training and ${evalSequences.length} evaluation sequences`);
  return { train, evalBatches: batchesOf(evalSequences, p.training.batchSize, p.padId) };
}

function splitOf<T>(records: readonly T[], evalFraction: number, rng: Rng): { train: T[]; eval: T[] } {
  const order = rng.shuffled(records);
  const evalCount = Math.min(order.length - 1, Math.max(1, Math.round(records.length * evalFraction)));
  return { eval: order.slice(0, evalCount), train: order.slice(evalCount) };
}
