// Key → first slot of that key's chain, for arrangements. Single integer keys (the common
// join key) use an open-addressing table of Int32Arrays: int4 keys by value, int8 and
// timestamp keys by their two 32-bit words (read from the column's memory, never as a BigInt);
// other keys a Map. Buckets are chains
// through the arrangement's slots, so no object or array exists per key or per row — the
// lookups of bucket objects were most of an arrangement's cost.

export interface KeyIndex {
  head(key: unknown): number;
  setHead(key: unknown, slot: number): void;
}

export class MapKeyIndex implements KeyIndex {
  private readonly map = new Map<unknown, number>();
  head(key: unknown): number {
    return this.map.get(key) ?? -1;
  }
  setHead(key: unknown, slot: number): void {
    if (slot < 0) this.map.delete(key);
    else this.map.set(key, slot);
  }
  get size(): number {
    return this.map.size;
  }
}

export class IntKeyIndex implements KeyIndex {
  private keys = new Int32Array(64);
  private heads = new Int32Array(64).fill(-1);
  private used = new Uint8Array(64);
  /** Cells in use, including keys whose chain is now empty (dropped at the next resize). */
  private filled = 0;

  private cell(key: number): number {
    const mask = this.keys.length - 1;
    let p = (Math.imul(key, 0x9e3779b1) >>> 7) & mask;
    while (this.used[p] === 1 && this.keys[p] !== key) p = (p + 1) & mask;
    return p;
  }

  head(key: unknown): number {
    const p = this.cell(key as number);
    return this.used[p] === 1 ? this.heads[p] : -1;
  }

  setHead(key: unknown, slot: number): void {
    let p = this.cell(key as number);
    if (this.used[p] === 0) {
      if (slot < 0) return;
      if ((this.filled + 1) * 2 > this.keys.length) {
        this.resize();
        p = this.cell(key as number);
      }
      this.used[p] = 1;
      this.keys[p] = key as number;
      this.filled++;
    }
    this.heads[p] = slot;
  }

  private resize(): void {
    const { keys, heads, used } = this;
    let live = 0;
    for (let p = 0; p < keys.length; p++) if (used[p] === 1 && heads[p] >= 0) live++;
    let cap = 64;
    while (cap < live * 4) cap *= 2;
    this.keys = new Int32Array(cap);
    this.heads = new Int32Array(cap).fill(-1);
    this.used = new Uint8Array(cap);
    this.filled = 0;
    for (let p = 0; p < keys.length; p++) {
      if (used[p] === 0 || heads[p] < 0) continue;
      const q = this.cell(keys[p]);
      this.used[q] = 1;
      this.keys[q] = keys[p];
      this.heads[q] = heads[p];
      this.filled++;
    }
  }
}

/**
 * 64-bit integer keys (int8, timestamp, timestamptz) as [lo, hi] word pairs. head/setHead take
 * the key as a bigint (a number is taken as its integer value); the *Words forms skip it.
 */
export class I64KeyIndex implements KeyIndex {
  private lo = new Int32Array(64);
  private hi = new Int32Array(64);
  private heads = new Int32Array(64).fill(-1);
  private used = new Uint8Array(64);
  private filled = 0;

  private cell(lo: number, hi: number): number {
    const mask = this.lo.length - 1;
    let p = (Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> 7) & mask;
    while (this.used[p] === 1 && (this.lo[p] !== lo || this.hi[p] !== hi)) p = (p + 1) & mask;
    return p;
  }

  headWords(lo: number, hi: number): number {
    const p = this.cell(lo, hi);
    return this.used[p] === 1 ? this.heads[p] : -1;
  }

  setHeadWords(lo: number, hi: number, slot: number): void {
    let p = this.cell(lo, hi);
    if (this.used[p] === 0) {
      if (slot < 0) return;
      if ((this.filled + 1) * 2 > this.lo.length) {
        this.resize();
        p = this.cell(lo, hi);
      }
      this.used[p] = 1;
      this.lo[p] = lo;
      this.hi[p] = hi;
      this.filled++;
    }
    this.heads[p] = slot;
  }

  head(key: unknown): number {
    const w = wordsOf(key);
    return this.headWords(w[0], w[1]);
  }

  setHead(key: unknown, slot: number): void {
    const w = wordsOf(key);
    this.setHeadWords(w[0], w[1], slot);
  }

  private resize(): void {
    const { lo, hi, heads, used } = this;
    let live = 0;
    for (let p = 0; p < lo.length; p++) if (used[p] === 1 && heads[p] >= 0) live++;
    let cap = 64;
    while (cap < live * 4) cap *= 2;
    this.lo = new Int32Array(cap);
    this.hi = new Int32Array(cap);
    this.heads = new Int32Array(cap).fill(-1);
    this.used = new Uint8Array(cap);
    this.filled = 0;
    for (let p = 0; p < lo.length; p++) {
      if (used[p] === 0 || heads[p] < 0) continue;
      const q = this.cell(lo[p], hi[p]);
      this.used[q] = 1;
      this.lo[q] = lo[p];
      this.hi[q] = hi[p];
      this.heads[q] = heads[p];
      this.filled++;
    }
  }
}

const scratch = new BigInt64Array(1);
const scratchWords = new Int32Array(scratch.buffer);

/** A key's two words in memory order, as a column's memory holds them. */
function wordsOf(key: unknown): Int32Array {
  scratch[0] = BigInt(key as bigint);
  return scratchWords;
}

/**
 * The [lo, hi] words of a 64-bit column, through a view of its memory (reading the
 * BigInt64Array would make a BigInt per value); the view of the column last read is kept.
 */
export class WordView {
  private of: BigInt64Array | null = null;
  private words: Int32Array = new Int32Array(0);

  get(d: BigInt64Array): Int32Array {
    if (d !== this.of) {
      this.of = d;
      this.words = new Int32Array(d.buffer, d.byteOffset, 2 * d.length);
    }
    return this.words;
  }
}
