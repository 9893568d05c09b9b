/**
 * A small seeded random generator (mulberry32). Every random choice of the trainer (data split,
 * shuffling, LoRA initialisation, dropout seeds) draws from one of these, so a run is a function
 * of its seed.
 */
export class Rng {
  private state_: number;

  constructor(seed: number) {
    this.state_ = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  }

  /** The whole generator state, for a training checkpoint. */
  get state(): number {
    return this.state_;
  }

  /** A generator that continues exactly where the one whose `state` was saved stopped. */
  static restore(state: number): Rng {
    const rng = new Rng(0);
    rng.state_ = state >>> 0;
    return rng;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state_ = (this.state_ + 0x6d2b79f5) >>> 0;
    let t = this.state_;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, bound). */
  int(bound: number): number {
    return Math.floor(this.next() * bound);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A new generator whose stream depends on this one's next draw. */
  fork(): Rng {
    return new Rng(this.int(2 ** 31));
  }

  /** Fisher–Yates shuffle of a copy. */
  shuffled<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}
