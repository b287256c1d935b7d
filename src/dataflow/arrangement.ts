// An arrangement: the integrated contents of a collection indexed by the equality key of its
// key columns. Each bucket maps row identity -> (row, weight). Rows with a NULL key column are
// kept apart (they never match under SQL equality, but they belong to the contents).
// Several operators may read one arrangement; only its ArrangeOp writes it.

import type { SqlType } from '../sql/types.js';
import type { Row } from '../expr/value.js';
import { BatchBuilder, rowAt, type Batch } from './batch.js';
import { batchKeyFn, hasNullAt, type BatchKeyFn } from './keys.js';
import { batchRowHash, rowMatcher, type BatchRowHash, type RowMatcher } from './row_hash.js';
import { internalError } from '../errors.js';

export interface Entry {
  readonly row: Row;
  weight: number;
  /** Hash of the row's exact representation (see row_hash.ts). */
  readonly hash: number;
  /** Position in its bucket's entry array (for O(1) removal). */
  slot: number;
}

const INDEX_FROM = 8;

/**
 * The rows of one key: an array of entries (what readers iterate), plus, once the bucket is
 * large, a hash index to find a row's entry without scanning.
 */
export class Bucket {
  readonly entries: Entry[] = [];
  private index: Map<number, Entry | Entry[]> | null = null;

  get size(): number {
    return this.entries.length;
  }

  values(): readonly Entry[] {
    return this.entries;
  }

  find(b: Batch, i: number, hash: number, match: RowMatcher): Entry | undefined {
    if (this.index === null) {
      const es = this.entries;
      for (let k = 0; k < es.length; k++) {
        const e = es[k];
        if (e.hash === hash && match(b, i, e.row)) return e;
      }
      return undefined;
    }
    const hit = this.index.get(hash);
    if (hit === undefined) return undefined;
    if (!Array.isArray(hit)) return match(b, i, hit.row) ? hit : undefined;
    for (const e of hit) if (match(b, i, e.row)) return e;
    return undefined;
  }

  add(e: Entry): void {
    e.slot = this.entries.length;
    this.entries.push(e);
    if (this.index !== null) this.indexAdd(e);
    else if (this.entries.length > INDEX_FROM) {
      this.index = new Map();
      for (const x of this.entries) this.indexAdd(x);
    }
  }

  remove(e: Entry): void {
    const es = this.entries;
    const last = es.pop()!;
    if (last !== e) {
      es[e.slot] = last;
      last.slot = e.slot;
    }
    if (this.index === null) return;
    const hit = this.index.get(e.hash);
    if (hit === e) this.index.delete(e.hash);
    else if (Array.isArray(hit)) {
      const k = hit.indexOf(e);
      if (k >= 0) hit.splice(k, 1);
      if (hit.length === 1) this.index.set(e.hash, hit[0]);
    }
  }

  private indexAdd(e: Entry): void {
    const idx = this.index!;
    const hit = idx.get(e.hash);
    if (hit === undefined) idx.set(e.hash, e);
    else if (Array.isArray(hit)) hit.push(e);
    else idx.set(e.hash, [hit, e]);
  }
}

export class Arrangement {
  readonly types: readonly SqlType[];
  readonly keyCols: readonly number[];
  /** Equality key of the key columns -> bucket (only keys without NULL components). */
  readonly buckets = new Map<unknown, Bucket>();
  /** Rows with a NULL in some key column. */
  readonly nullKeyed: Bucket = new Bucket();
  /** Equality key of keyCols of row i of a batch with this schema. */
  readonly keyOf: BatchKeyFn;
  private readonly hashOf: BatchRowHash;
  private readonly matches: RowMatcher;
  private distinctRows = 0;

  constructor(types: readonly SqlType[], keyCols: readonly number[]) {
    this.types = types;
    this.keyCols = keyCols;
    this.keyOf = batchKeyFn(types, keyCols, 'equality');
    this.hashOf = batchRowHash(types);
    this.matches = rowMatcher(types);
  }

  /** Number of distinct rows held. */
  get size(): number {
    return this.distinctRows;
  }

  /** True when row i of b has a NULL key component (so it never matches). */
  nullKeyAt(b: Batch, i: number): boolean {
    return this.keyCols.length > 0 && hasNullAt(b, i, this.keyCols);
  }

  /** The bucket row i of b (same key types) would fall into, or undefined (also for NULL keys). */
  bucketFor(b: Batch, i: number, keyOf: BatchKeyFn = this.keyOf, keyCols: readonly number[] = this.keyCols): Bucket | undefined {
    if (keyCols.length > 0 && hasNullAt(b, i, keyCols)) return undefined;
    return this.buckets.get(keyOf(b, i));
  }

  /** The entry holding row i of b (same schema), if present. */
  entryAt(b: Batch, i: number): Entry | undefined {
    const bucket = this.nullKeyAt(b, i) ? this.nullKeyed : this.buckets.get(this.keyOf(b, i));
    return bucket?.find(b, i, this.hashOf(b, i), this.matches);
  }

  /**
   * Add a delta. Weights may pass through zero or negative values inside one batch, not after
   * it; an entry whose weight returns to non-zero within the batch keeps its identity (so
   * readers keying side state by Entry see an unchanged row as unchanged).
   */
  apply(b: Batch): void {
    let negative: Entry[] | null = null;
    let zeroed: { bucket: Bucket; key: unknown; e: Entry }[] | null = null;
    const noKey = this.keyCols.length === 0;
    for (let i = 0; i < b.length; i++) {
      const w = b.weights[i];
      if (w === 0) continue;
      let bucket: Bucket | undefined;
      let key: unknown = '';
      if (noKey) {
        bucket = this.buckets.get('');
        if (bucket === undefined) this.buckets.set('', (bucket = new Bucket()));
      } else if (this.nullKeyAt(b, i)) bucket = this.nullKeyed;
      else {
        key = this.keyOf(b, i);
        bucket = this.buckets.get(key);
        if (bucket === undefined) {
          bucket = new Bucket();
          this.buckets.set(key, bucket);
        }
      }
      const hash = this.hashOf(b, i);
      let e = bucket.find(b, i, hash, this.matches);
      if (e === undefined) {
        e = { row: rowAt(b, i), weight: w, hash, slot: 0 };
        bucket.add(e);
        this.distinctRows++;
      } else e.weight += w;
      if (e.weight === 0) (zeroed ??= []).push({ bucket, key, e });
      else if (e.weight < 0) (negative ??= []).push(e);
    }
    if (zeroed !== null) {
      for (const z of zeroed) {
        const e = z.e;
        if (e.weight !== 0 || z.bucket.entries[e.slot] !== e) continue;
        z.bucket.remove(e);
        this.distinctRows--;
        if (z.bucket !== this.nullKeyed && z.bucket.size === 0) this.buckets.delete(z.key);
      }
    }
    if (negative !== null) {
      for (const e of negative) if (e.weight < 0) throw internalError('arrangement weight became negative');
    }
  }

  /** Full contents as one consolidated batch. */
  snapshot(): Batch {
    const out = new BatchBuilder(this.types, this.distinctRows);
    for (const bucket of this.buckets.values()) for (const e of bucket.values()) out.push(e.row, e.weight);
    for (const e of this.nullKeyed.values()) out.push(e.row, e.weight);
    return out.finish();
  }
}
