// An arrangement: the integrated contents of a collection indexed by the equality key of its
// key columns. Each bucket maps row identity -> (row, weight). Rows with a NULL key column are
// kept apart (they never match under SQL equality, but they belong to the contents).
// Several operators may read one arrangement; only its ArrangeOp writes it.

import type { SqlType } from '../sql/types.js';
import type { Row } from '../expr/value.js';
import { BatchBuilder, rowAt, type Batch } from './batch.js';
import { batchKeyFn, batchRowIdentity, hasNullAt, type BatchKeyFn } from './keys.js';
import { internalError } from '../errors.js';

export interface Entry {
  readonly row: Row;
  weight: number;
}

/** Row identity key -> entry. */
export type Bucket = Map<unknown, Entry>;

export class Arrangement {
  readonly types: readonly SqlType[];
  readonly keyCols: readonly number[];
  /** Equality key of the key columns -> bucket (only keys without NULL components). */
  readonly buckets = new Map<unknown, Bucket>();
  /** Rows with a NULL in some key column. */
  readonly nullKeyed: Bucket = new Map();
  /** Equality key of keyCols of row i of a batch with this schema. */
  readonly keyOf: BatchKeyFn;
  readonly identityOf: BatchKeyFn;
  private distinctRows = 0;

  constructor(types: readonly SqlType[], keyCols: readonly number[]) {
    this.types = types;
    this.keyCols = keyCols;
    this.keyOf = batchKeyFn(types, keyCols, 'equality');
    this.identityOf = batchRowIdentity(types);
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
    return bucket?.get(this.identityOf(b, i));
  }

  /**
   * Add a delta. Weights may pass through zero or negative values inside one batch, not after
   * it; an entry whose weight returns to non-zero within the batch keeps its identity (so
   * readers keying side state by Entry see an unchanged row as unchanged).
   */
  apply(b: Batch): void {
    let negative: Entry[] | null = null;
    let zeroed: { bucket: Bucket; id: unknown; key: unknown; e: Entry }[] | null = null;
    for (let i = 0; i < b.length; i++) {
      const w = b.weights[i];
      if (w === 0) continue;
      let bucket: Bucket | undefined;
      let key: unknown;
      if (this.nullKeyAt(b, i)) bucket = this.nullKeyed;
      else {
        key = this.keyOf(b, i);
        bucket = this.buckets.get(key);
        if (bucket === undefined) {
          bucket = new Map();
          this.buckets.set(key, bucket);
        }
      }
      const id = this.identityOf(b, i);
      let e = bucket.get(id);
      if (e === undefined) {
        e = { row: rowAt(b, i), weight: w };
        bucket.set(id, e);
        this.distinctRows++;
      } else e.weight += w;
      if (e.weight === 0) (zeroed ??= []).push({ bucket, id, key, e });
      else if (e.weight < 0) (negative ??= []).push(e);
    }
    if (zeroed !== null) {
      for (const z of zeroed) {
        if (z.e.weight !== 0 || z.bucket.get(z.id) !== z.e) continue;
        z.bucket.delete(z.id);
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
