// An ordered index over rows named by integer ids (a table's row ids, the slots of a view
// index's row store): ids sorted by key columns (each in its type's btree order, NULLs last,
// as PostgreSQL's default index order), ties broken by id, so every entry has one place. It answers equality on a prefix of the key columns plus a range
// on the next one. Entries live in sorted chunks of at most CHUNK ids (a B-tree of one level):
// finding a place is two binary searches, and an insert or delete moves at most CHUNK ids.

import type { SqlType } from '../sql/types.js';
import type { Value } from '../expr/value.js';
import { comparator, type Comparator } from '../expr/compare.js';

const CHUNK = 512;

/** Reads one key column of a row id. */
export type ValueAt = (id: number, col: number) => Value;

/** One end of a range on the column after the equality prefix. */
export interface Bound {
  value: Value;
  inclusive: boolean;
}

export class OrderedIndex {
  private chunks: Int32Array[] = [];
  private lengths: number[] = [];
  private readonly cmps: Comparator[];

  constructor(
    readonly name: string,
    readonly cols: readonly number[],
    types: readonly SqlType[],
    private readonly valueAt: ValueAt,
  ) {
    this.cmps = cols.map((c) => comparator(types[c]));
  }

  get size(): number {
    let n = 0;
    for (const l of this.lengths) n += l;
    return n;
  }

  /** Order of column k's values a and b, NULLs last. */
  private cmpValue(k: number, a: Value, b: Value): number {
    if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
    return this.cmps[k](a, b);
  }

  /** Order of two row ids: their keys, then the ids. */
  private cmpIds(a: number, b: number): number {
    for (let k = 0; k < this.cols.length; k++) {
      const c = this.cmpValue(k, this.valueAt(a, this.cols[k]), this.valueAt(b, this.cols[k]));
      if (c !== 0) return c;
    }
    return a - b;
  }

  /** Order of entry `a` and row `id`, whose key values are `key` (read once per search). */
  private cmpToKey(a: number, key: readonly Value[], id: number): number {
    for (let k = 0; k < this.cols.length; k++) {
      const c = this.cmpValue(k, this.valueAt(a, this.cols[k]), key[k]);
      if (c !== 0) return c;
    }
    return a - id;
  }

  /** Chunk and position of the first entry not before `id` (for insert and delete). */
  private locate(id: number): [number, number] {
    const n = this.chunks.length;
    const key = this.cols.map((c) => this.valueAt(id, c));
    // rows mostly arrive in key order (sequences, timestamps): after the last entry is common
    if (n > 0 && this.cmpToKey(this.chunks[n - 1][this.lengths[n - 1] - 1], key, id) < 0) return [n, 0];
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const last = this.chunks[mid][this.lengths[mid] - 1];
      if (this.cmpToKey(last, key, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo === n) return [n, 0];
    const ch = this.chunks[lo];
    let a = 0;
    let b = this.lengths[lo];
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (this.cmpToKey(ch[mid], key, id) < 0) a = mid + 1;
      else b = mid;
    }
    return [lo, a];
  }

  insert(id: number): void {
    if (this.chunks.length === 0) {
      const ch = new Int32Array(CHUNK);
      ch[0] = id;
      this.chunks.push(ch);
      this.lengths.push(1);
      return;
    }
    let [c, p] = this.locate(id);
    if (c === this.chunks.length) {
      c--;
      p = this.lengths[c];
    }
    if (this.lengths[c] === CHUNK) {
      // split the full chunk in halves
      const ch = this.chunks[c];
      const right = new Int32Array(CHUNK);
      right.set(ch.subarray(CHUNK / 2));
      this.chunks.splice(c + 1, 0, right);
      this.lengths.splice(c + 1, 0, CHUNK / 2);
      this.lengths[c] = CHUNK / 2;
      if (p > CHUNK / 2) {
        c++;
        p -= CHUNK / 2;
      }
    }
    const ch = this.chunks[c];
    ch.copyWithin(p + 1, p, this.lengths[c]);
    ch[p] = id;
    this.lengths[c]++;
  }

  /** Remove a row id; its key columns must still read as when it was inserted. */
  delete(id: number): void {
    const [c, p] = this.locate(id);
    if (c === this.chunks.length || this.chunks[c][p] !== id) return;
    const ch = this.chunks[c];
    ch.copyWithin(p, p + 1, this.lengths[c]);
    if (--this.lengths[c] === 0) {
      this.chunks.splice(c, 1);
      this.lengths.splice(c, 1);
    }
  }

  /** Rename every id to newId[id]; the mapping must keep the ids' order (a compaction's does). */
  renumber(newId: Int32Array): void {
    for (let c = 0; c < this.chunks.length; c++) {
      const ch = this.chunks[c];
      for (let i = 0, n = this.lengths[c]; i < n; i++) ch[i] = newId[ch[i]];
    }
  }

  /** Add many ids at once: appended when (sorted) they follow the current entries, else one by one. */
  insertMany(given: ArrayLike<number>): void {
    let sorted = true;
    for (let i = 1; i < given.length && sorted; i++) sorted = this.cmpIds(given[i - 1], given[i]) < 0;
    // sorted first, so that building an index over a whole table (CREATE INDEX) is one sort
    // and an append, not one insert per row
    const ids = sorted ? given : Array.from(given).sort((a, b) => this.cmpIds(a, b));
    const lastChunk = this.chunks.length - 1;
    const after = lastChunk < 0 || ids.length === 0 || this.cmpIds(this.chunks[lastChunk][this.lengths[lastChunk] - 1], ids[0]) < 0;
    if (!after) {
      for (let i = 0; i < ids.length; i++) this.insert(ids[i]);
      return;
    }
    for (let i = 0; i < ids.length; ) {
      let c = this.chunks.length - 1;
      if (c < 0 || this.lengths[c] === CHUNK) {
        this.chunks.push(new Int32Array(CHUNK));
        this.lengths.push(0);
        c++;
      }
      const ch = this.chunks[c];
      while (i < ids.length && this.lengths[c] < CHUNK) ch[this.lengths[c]++] = ids[i++];
    }
  }

  /**
   * Order of row `id` against a probe: `prefix` values for the first columns, then (when given)
   * `value` for column prefix.length. Only those columns are compared.
   */
  private cmpProbe(id: number, prefix: readonly Value[], next: Value | undefined): number {
    for (let k = 0; k < prefix.length; k++) {
      const c = this.cmpValue(k, this.valueAt(id, this.cols[k]), prefix[k]);
      if (c !== 0) return c;
    }
    if (next === undefined) return 0;
    return this.cmpValue(prefix.length, this.valueAt(id, this.cols[prefix.length]), next);
  }

  /** Global position (chunk, offset) of the first entry for which before(id) is false. */
  private lowerBound(before: (id: number) => boolean): [number, number] {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.chunks[mid][this.lengths[mid] - 1])) lo = mid + 1;
      else hi = mid;
    }
    if (lo === this.chunks.length) return [lo, 0];
    const ch = this.chunks[lo];
    let a = 0;
    let b = this.lengths[lo];
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (before(ch[mid])) a = mid + 1;
      else b = mid;
    }
    return [lo, a];
  }

  /**
   * Row ids whose first columns equal `prefix` (compared with each type's order: SQL `=`) and
   * whose next column lies between `lower` and `upper` (either may be absent), in index order.
   * NULL never matches: the caller passes no NULL values. Stops, returning false, once `out`
   * would hold more than `max` ids.
   */
  scan(prefix: readonly Value[], lower: Bound | null, upper: Bound | null, out: number[], max = Infinity): boolean {
    const start = this.lowerBound((id) => {
      const c = this.cmpProbe(id, prefix, lower ? lower.value : undefined);
      return c < 0 || (c === 0 && lower !== null && !lower.inclusive);
    });
    // without a lower bound on the range column, NULLs there (sorted last) must not be returned
    const k = prefix.length;
    const rangeCol = k < this.cols.length && (lower !== null || upper !== null) ? this.cols[k] : -1;
    for (let c = start[0], p = start[1]; c < this.chunks.length; c++, p = 0) {
      const ch = this.chunks[c];
      for (const n = this.lengths[c]; p < n; p++) {
        const id = ch[p];
        if (this.cmpProbe(id, prefix, undefined) !== 0) return true;
        if (rangeCol >= 0) {
          const v = this.valueAt(id, rangeCol);
          if (v === null) return true;
          if (upper) {
            const u = this.cmps[k](v, upper.value);
            if (u > 0 || (u === 0 && !upper.inclusive)) return true;
          }
        }
        if (out.length >= max) return false;
        out.push(id);
      }
    }
    return true;
  }
}
