// An ordered arrangement: the integrated contents of a collection (a row store: one slot per
// distinct row, with its weight) plus an ordered index of the slots by key columns, which
// answers equality on a prefix of the key columns and a range on the next one, in each type's
// btree order (a materialized view's index; a table's ordered index answers the same reads).
// Applying a delta costs O(log n + chunk) per changed row.

import type { SqlType } from '../sql/types.js';
import type { Value } from '../expr/value.js';
import { BatchBuilder, type Batch } from './batch.js';
import { OrderedIndex, type Bound } from './ordered_index.js';
import { RowStore } from './row_store.js';
import type { StateReader, StateWriter } from './state_io.js';

export class OrderedArrangement {
  readonly store: RowStore;
  private readonly index: OrderedIndex;

  constructor(
    readonly types: readonly SqlType[],
    readonly keyCols: readonly number[],
  ) {
    const store = new RowStore(types);
    this.store = store;
    this.index = new OrderedIndex('', keyCols, types, (slot, col) => store.valueAt(col, slot));
  }

  /** Number of distinct rows held. */
  get size(): number {
    return this.store.size;
  }

  /** Add a delta (weights may dip below zero inside it, not after it). */
  apply(b: Batch): void {
    const touched: number[] = [];
    let born: number[] = [];
    for (let i = 0; i < b.length; i++) {
      const w = b.weights[i];
      if (w === 0) continue;
      const before = this.store.size;
      const slot = this.store.upsert(b, i, w);
      if (this.store.size !== before) born.push(slot);
      if (this.store.weight(slot) <= 0) touched.push(slot);
    }
    // rows gone leave the index while their slots still hold their keys (settle clears them)
    const dead = touched.filter((s) => this.store.isAlive(s) && this.store.weight(s) === 0);
    if (dead.length > 0) {
      const isBorn = new Set(born);
      for (const s of dead) if (!isBorn.has(s)) this.index.delete(s);
      born = born.filter((s) => this.store.weight(s) !== 0);
    }
    // at once: a hydration's rows are sorted once and appended
    this.index.insertMany(born);
    this.store.settle(touched);
  }

  /**
   * Slots of the rows whose first key columns equal `prefix` and whose next key column lies
   * within the bounds, in key order (no NULL key values: NULLs never match). False, with `out`
   * partly filled, once more than `max` slots would be returned.
   */
  scan(prefix: readonly Value[], lower: Bound | null, upper: Bound | null, out: number[], max = Infinity): boolean {
    return this.index.scan(prefix, lower, upper, out, max);
  }

  /** The rows in `slots`, with their weights, as a batch. */
  rows(slots: readonly number[]): Batch {
    const out = new BatchBuilder(this.types, slots.length);
    for (const s of slots) {
      for (let c = 0; c < this.types.length; c++) out.set(c, this.store.valueAt(c, s));
      out.commitRow(this.store.weight(s));
    }
    return out.finish();
  }

  /** Full contents as one consolidated batch. */
  snapshot(): Batch {
    return this.store.snapshot();
  }

  /**
   * Checkpoint (state_io.ts): the row store only. The index holds every live slot in (key,
   * slot) order, and the slots are kept, so it is rebuilt as it was.
   */
  saveState(w: StateWriter): void {
    this.store.saveState(w);
  }

  /** Read what saveState wrote into this empty arrangement. */
  loadState(r: StateReader): void {
    const { slots } = this.store.loadState(r);
    this.index.insertMany(slots);
  }
}
