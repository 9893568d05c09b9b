/** The seed handed to trial n's trainer: a pure function of (study seed, n). */
import { trialRng } from '../sampler/rng.ts';

const TRAINER_SEED_PURPOSE = 0x5eed;

export function trialSeed(studySeed: number, number: number): number {
  return trialRng(studySeed, number, TRAINER_SEED_PURPOSE).nextInt(2 ** 31 - 1);
}
