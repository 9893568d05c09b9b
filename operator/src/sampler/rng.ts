/**
 * Counter-based random streams: the stream for (seed, trial number, purpose) is a pure function
 * of those three numbers, so a restarted operator re-derives every decision exactly. A hash of
 * the key seeds sfc32, a small fast generator that passes PractRand to many terabytes.
 */

/** A stream of uniform and normal draws. */
export interface Rng {
  /** Uniform in [0, 1) with 53 random bits. */
  next(): number;
  /** Uniform integer in [0, n). */
  nextInt(n: number): number;
  /** Standard normal. */
  normal(): number;
}

const TWO_POW_32 = 4294967296;

/** murmur3's 32-bit finaliser: every input bit affects every output bit. */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Splits any finite number (seeds may exceed 2^32 or be negative) into two 32-bit words. */
function words(value: number): [number, number] {
  const integral = Math.trunc(value);
  const low = integral >>> 0;
  const high = Math.floor(integral / TWO_POW_32) >>> 0;
  return [low, high];
}

class Sfc32 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal = Number.NaN;

  constructor(a: number, b: number, c: number) {
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  private nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  nextInt(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Marsaglia's polar method; keeps the second value of each pair. */
  normal(): number {
    if (!Number.isNaN(this.spareNormal)) {
      const spare = this.spareNormal;
      this.spareNormal = Number.NaN;
      return spare;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const scale = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * scale;
    return u * scale;
  }
}

/**
 * The random stream of one trial: depends only on (seed, trialNumber, purpose). `purpose`
 * separates independent uses (e.g. the grid's shuffle) from the per-trial draws.
 */
export function trialRng(seed: number, trialNumber: number, purpose = 0): Rng {
  const [seedLow, seedHigh] = words(seed);
  const [numberLow, numberHigh] = words(trialNumber);
  const a = mix32(seedLow ^ mix32(seedHigh ^ 0x9e3779b9));
  const b = mix32(numberLow ^ mix32(numberHigh ^ 0x7f4a7c15) ^ a);
  const c = mix32(purpose ^ 0x632be5ab ^ mix32(b + a));
  return new Sfc32(a, b, c);
}
