// Key → first slot of that key's chain, for arrangements. Single integer keys (the common
// join key) use open-addressing tables of Int32Arrays: int4 keys by value, int8 and timestamp
// keys by their two 32-bit words (column_words.ts); other keys a Map. Aggregates find groups by
// the words of several integer columns the same way (WordsKeyIndex). Buckets are chains
// through the arrangement's slots, so no object or array exists per key or per row — the
// lookups of bucket objects were most of an arrangement's cost.

import { bigintWords, WordView } from './column_words.js';

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
 * A single int8/timestamp key by its two words (the arrangements' index for such keys). head
 * and setHead take the key as a bigint; the *Words forms skip it.
 */
export class I64KeyIndex implements KeyIndex {
  private readonly words = new WordsKeyIndex([true]);

  headWords(lo: number, hi: number): number {
    const s = this.words.scratch;
    s[0] = lo;
    s[1] = hi;
    return this.words.get();
  }

  setHeadWords(lo: number, hi: number, slot: number): void {
    const s = this.words.scratch;
    s[0] = lo;
    s[1] = hi;
    this.words.set(slot);
  }

  head(key: unknown): number {
    const w = bigintWords(BigInt(key as bigint));
    return this.headWords(w[0], w[1]);
  }

  setHead(key: unknown, slot: number): void {
    const w = bigintWords(BigInt(key as bigint));
    this.setHeadWords(w[0], w[1], slot);
  }
}

/**
 * Keys of several int2/int4 (one word) and int8/timestamp (two words) values, none NULL, as
 * their 32-bit words: an aggregate's group by such columns finds a group without building a
 * key (a string per row for several columns, a BigInt for one 64-bit column). Maps a key to a
 * number (a group id; -1: none).
 */
export class WordsKeyIndex {
  /** Words of the key being looked up or set: fill with wordsOfRow/wordsOfValues first. */
  readonly scratch: Int32Array;
  /** Per cell, in one line of memory: the key's words, then its number (EMPTY: a cell never used). */
  private cells: Int32Array;
  private readonly stride: number;
  private mask = 63;
  private filled = 0;
  private readonly views: WordView[];

  /** `wide[c]`: key column c takes two words (int8, timestamp), else one (int2, int4). */
  constructor(private readonly wide: readonly boolean[]) {
    this.scratch = new Int32Array(wide.reduce((n, w) => n + (w ? 2 : 1), 0));
    this.stride = this.scratch.length + 1;
    this.cells = emptyCells(64, this.stride);
    this.views = wide.map(() => new WordView());
  }

  /** The key of row i of b's columns `cols` into scratch (no column NULL there). */
  wordsOfRow(b: { readonly columns: readonly { readonly data: unknown }[] }, cols: readonly number[], i: number): void {
    const s = this.scratch;
    let k = 0;
    for (let c = 0; c < cols.length; c++) {
      const data = b.columns[cols[c]].data;
      if (this.wide[c]) {
        const w = this.views[c].get(data as BigInt64Array);
        s[k++] = w[2 * i];
        s[k++] = w[2 * i + 1];
      } else s[k++] = (data as Int32Array)[i];
    }
  }

  /** The key of these values (numbers and bigints, none NULL) into scratch. */
  wordsOfValues(values: readonly unknown[]): void {
    const s = this.scratch;
    let k = 0;
    for (let c = 0; c < values.length; c++) {
      if (this.wide[c]) {
        const w = bigintWords(values[c] as bigint);
        s[k++] = w[0];
        s[k++] = w[1];
      } else s[k++] = values[c] as number;
    }
  }

  /** The cell of the key in scratch: where it is, or the empty cell where it would go. */
  private cell(): number {
    const s = this.scratch;
    const n = s.length;
    const stride = this.stride;
    const cells = this.cells;
    let h = 0x811c9dc5 | 0;
    for (let k = 0; k < n; k++) h = Math.imul(h ^ s[k], 0x9e3779b1);
    let p = (h ^ (h >>> 15)) & this.mask;
    for (;;) {
      const at = p * stride;
      if (cells[at + n] === EMPTY_CELL) return at;
      let k = 0;
      while (k < n && cells[at + k] === s[k]) k++;
      if (k === n) return at;
      p = (p + 1) & this.mask;
    }
  }

  /** The number of the key in scratch, or -1. */
  get(): number {
    const v = this.cells[this.cell() + this.scratch.length];
    return v === EMPTY_CELL ? -1 : v;
  }

  /** Point the key in scratch at `v` (-1: at none). */
  set(v: number): void {
    const n = this.scratch.length;
    let at = this.cell();
    if (this.cells[at + n] === EMPTY_CELL) {
      if (v < 0) return;
      if ((this.filled + 1) * 2 > this.mask + 1) {
        this.resize();
        at = this.cell();
      }
      this.cells.set(this.scratch, at);
      this.filled++;
    }
    this.cells[at + n] = v;
  }

  clear(): void {
    this.cells = emptyCells(64, this.stride);
    this.mask = 63;
    this.filled = 0;
  }

  private resize(): void {
    const n = this.scratch.length;
    const stride = this.stride;
    const old = this.cells;
    let live = 0;
    for (let at = n; at < old.length; at += stride) if (old[at] >= 0) live++;
    let cap = 64;
    while (cap < live * 4) cap *= 2;
    const saved = Int32Array.from(this.scratch);
    this.cells = emptyCells(cap, stride);
    this.mask = cap - 1;
    this.filled = 0;
    for (let at = 0; at < old.length; at += stride) {
      if (old[at + n] < 0) continue;
      this.scratch.set(old.subarray(at, at + n));
      const to = this.cell();
      this.cells.set(old.subarray(at, at + stride), to);
      this.filled++;
    }
    this.scratch.set(saved);
  }
}

const EMPTY_CELL = -2;

function emptyCells(cap: number, stride: number): Int32Array {
  const c = new Int32Array(cap * stride);
  for (let at = stride - 1; at < c.length; at += stride) c[at] = EMPTY_CELL;
  return c;
}
