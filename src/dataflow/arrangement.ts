// An arrangement: the integrated contents of a collection indexed by the equality key of its
// key columns. Rows live column by column in a row store (one slot per distinct row, with its
// weight); each bucket lists the slots of one key. Rows with a NULL key column are kept
// apart (they never match under SQL equality, but they belong to the contents).
// Several operators may read one arrangement; only its ArrangeOp writes it.

import type { SqlType } from '../sql/types.js';
import type { Row } from '../expr/value.js';
import type { Batch } from './batch.js';
import { batchKeyFn, hasNullAt, type BatchKeyFn } from './keys.js';
import { RowStore } from './row_store.js';

/**
 * The rows of one key: slots of the arrangement's row store (what readers iterate). Weights
 * and values are read through the arrangement (`weight(slot)`, `store.column(c)`).
 */
export class Bucket {
  readonly slots: number[] = [];
  constructor(readonly key: unknown) {}

  get size(): number {
    return this.slots.length;
  }
}

export class Arrangement {
  readonly types: readonly SqlType[];
  readonly keyCols: readonly number[];
  /** The rows, stored by column, each with its weight. */
  readonly store: RowStore;
  /** Equality key of the key columns -> bucket (only keys without NULL components). */
  readonly buckets = new Map<unknown, Bucket>();
  /** Rows with a NULL in some key column. */
  readonly nullKeyed: Bucket = new Bucket(null);
  /** Equality key of keyCols of row i of a batch with this schema. */
  readonly keyOf: BatchKeyFn;
  /** Per slot: its bucket and its position there (for O(1) removal). */
  private bucketOf: Bucket[] = [];
  private posOf = new Int32Array(64);

  constructor(types: readonly SqlType[], keyCols: readonly number[]) {
    this.types = types;
    this.keyCols = keyCols;
    this.keyOf = batchKeyFn(types, keyCols, 'equality');
    this.store = new RowStore(types);
  }

  /** Number of distinct rows held. */
  get size(): number {
    return this.store.size;
  }

  weight(slot: number): number {
    return this.store.weight(slot);
  }

  row(slot: number): Row {
    return this.store.row(slot);
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

  /** The slot holding row i of b (same schema), or -1. */
  entryAt(b: Batch, i: number): number {
    return this.store.find(b, i);
  }

  /**
   * Add a delta. Weights may pass through zero or negative values inside one batch, not after
   * it; a row whose weight returns to non-zero within the batch keeps its slot (so readers
   * keying side state by slot see an unchanged row as unchanged).
   */
  apply(b: Batch): void {
    const touched: number[] = [];
    const noKey = this.keyCols.length === 0;
    for (let i = 0; i < b.length; i++) {
      const w = b.weights[i];
      if (w === 0) continue;
      const before = this.store.size;
      const slot = this.store.upsert(b, i, w);
      if (this.store.size !== before) {
        // a new row: file it under its key
        let bucket: Bucket | undefined;
        if (noKey) {
          bucket = this.buckets.get('');
          if (bucket === undefined) this.buckets.set('', (bucket = new Bucket('')));
        } else if (this.nullKeyAt(b, i)) bucket = this.nullKeyed;
        else {
          const key = this.keyOf(b, i);
          bucket = this.buckets.get(key);
          if (bucket === undefined) this.buckets.set(key, (bucket = new Bucket(key)));
        }
        if (slot >= this.posOf.length) {
          const p = new Int32Array(Math.max(slot + 1, this.posOf.length * 2));
          p.set(this.posOf);
          this.posOf = p;
        }
        this.bucketOf[slot] = bucket;
        this.posOf[slot] = bucket.slots.length;
        bucket.slots.push(slot);
      }
      if (this.store.weight(slot) <= 0) touched.push(slot);
    }
    for (const slot of this.store.settle(touched)) this.unfile(slot);
  }

  private unfile(slot: number): void {
    const bucket = this.bucketOf[slot];
    const slots = bucket.slots;
    const last = slots.pop()!;
    if (last !== slot) {
      const p = this.posOf[slot];
      slots[p] = last;
      this.posOf[last] = p;
    }
    if (slots.length === 0 && bucket !== this.nullKeyed) this.buckets.delete(bucket.key);
  }

  /** Full contents as one consolidated batch. */
  snapshot(): Batch {
    return this.store.snapshot();
  }
}
