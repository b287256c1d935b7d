// Counter-based randomness for the generators: every row (or event) gets its own small PRNG
// stream seeded by a hash of (seed, stream id, position), so a row depends only on where it
// is, never on which rows were generated before. That is what makes rows(from, count)
// position-addressable and lets a source resume at any offset.
//
// 32-bit arithmetic on JS numbers (Math.imul) keeps it free of BigInt and allocation.

/** A 32-bit finalizer with good avalanche (Chris Wellons' "lowbias32"). */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The user's seed (any int64) folded into the two words the streams start from. */
export interface Seed {
  readonly lo: number;
  readonly hi: number;
}

export function seedOf(seed: bigint): Seed {
  const u = BigInt.asUintN(64, seed);
  return { lo: Number(u & 0xffffffffn), hi: Number(u >> 32n) };
}

const TWO_32 = 4294967296;

/**
 * A mulberry32 stream. `at` reseeds it for one (stream, position); the draws that follow
 * are that position's random numbers. One instance is reused for all rows: no per-row
 * allocation.
 */
export class Rng {
  private s = 0;

  constructor(private readonly seed: Seed) {}

  /** Start the stream of `position` (an integer below 2^53) within stream `stream`. */
  at(stream: number, position: number): this {
    const lo = position >>> 0;
    const hi = (position / TWO_32) >>> 0;
    let h = mix32(lo ^ this.seed.lo);
    h = mix32((h + Math.imul(hi ^ this.seed.hi, 0x9e3779b1)) >>> 0);
    this.s = mix32((h ^ mix32(stream >>> 0)) >>> 0);
    return this;
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const s = (this.s = (this.s + 0x6d2b79f5) | 0);
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A uniform integer in [0, n), n ≤ 2^32 (like java.util.Random.nextInt(n)). */
  int(n: number): number {
    return Math.floor((this.u32() / TWO_32) * n);
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  float(): number {
    return ((this.u32() >>> 5) * 67108864 + (this.u32() >>> 6)) / 9007199254740992;
  }

  /** A uniform integer in [0, n) for n up to 2^53. */
  long(n: number): number {
    return n <= TWO_32 ? this.int(n) : Math.floor(this.float() * n);
  }

  /** A uniform bigint in [0, n) for any n ≤ 2^64 (modulo bias at most n / 2^64). */
  bigint(n: bigint): bigint {
    const r = (BigInt(this.u32()) << 32n) | BigInt(this.u32());
    return r % n;
  }
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/**
 * Lowercase letters, `length` of them: six letters from each 32-bit draw (26^6 < 2^32) as in
 * the reference's nextExactString.
 */
export function randomLetters(rng: Rng, length: number): string {
  let out = '';
  let r = 0;
  let left = 0;
  for (let i = 0; i < length; i++) {
    if (left === 0) {
      r = rng.u32();
      left = 6;
    }
    out += LETTERS[r % 26];
    r = Math.floor(r / 26);
    left--;
  }
  return out;
}
