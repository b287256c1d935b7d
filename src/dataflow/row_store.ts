// A multiset of rows stored column by column, with an open-addressing hash index over the
// rows' exact representation. No object per row: integrating a view's output was the main
// cost of maintaining a join view while rows lived in Map entries.
//
// Rows live in slots of growable columns; a slot freed by a row whose weight reaches zero is
// reused. The index is a linear-probing table of slot numbers (EMPTY / TOMBSTONE markers).
//
// In an undoable step (a commit, which may fail in a later operator) every change is logged, a
// few numbers each, so rollback() restores the store exactly, slots included: side tables
// keyed by slot (outer joins' match counts) stay valid. Slots freed in such a step are reused
// only after commitStep(), so rollback can revive them in place.

import type { SqlType } from '../sql/types.js';
import type { Value } from '../expr/value.js';
import { BatchBuilder, storageKind, type Batch, type Column, type ColumnData, type StorageKind } from './batch.js';
import { batchRowHash, type BatchRowHash } from './row_hash.js';
import { identityKeyFn, type KeyFn } from '../expr/compare.js';
import { internalError } from '../errors.js';
import { drain, SLICE_MASK } from './deferred_state.js';
import { NumberLog } from './undo_log.js';
import { WordView } from './column_words.js';
import { decAt } from './dec_column.js';
import type { StateReader, StateWriter } from './state_io.js';

const EMPTY = -1;
/** A checkpoint saves a store's rows in batches of this many. */
export const SAVED_BATCH_BITS = 14;
const SAVED_BATCH = 1 << SAVED_BATCH_BITS;
const TOMBSTONE = -2;
const LOG_ADD = 0;
const LOG_NEW = 1;
const LOG_RELEASE = 2;

export class RowStore {
  readonly types: readonly SqlType[];
  private readonly kinds: StorageKind[];
  private readonly idKeys: KeyFn[];
  private cols: ColumnData[];
  private nulls: Uint8Array[];
  /** 'dec' columns: values kept aside, by slot (see Column.side). */
  private readonly side: Value[][];
  private weights: Int32Array;
  private hashes: Int32Array;
  /** 1 for slots holding a row (weight may be transiently 0 or negative inside apply). */
  private alive: Uint8Array;
  private generation: Int32Array;
  private cap = 0;
  private used = 0; // slots ever handed out
  private free: number[] = [];
  private table: Int32Array = new Int32Array(16).fill(EMPTY);
  private filled = 0; // table cells that are not EMPTY (live + tombstones)
  private readonly hashOf: BatchRowHash;
  private readonly wordViews: WordView[];
  /** Views of the batch columns last stored from or compared with. */
  private readonly batchWords: WordView[];
  /** Number of distinct rows held. */
  size = 0;
  /** In an undoable step: the log of changes (triples: slot, weight added, LOG_* kind). */
  private journaling = false;
  private readonly log = new NumberLog();
  /** Slots freed in the current undoable step (free for reuse after commitStep). */
  private readonly freedInStep = new NumberLog();

  /**
   * `indexed` false: rows are only ever added (an insert-only input), never found again, so no
   * hash index is kept and equal rows take a slot each (their weights add up just the same).
   * Finding a row or taking weight away is then an internal error; releaseSlots() removes rows.
   */
  constructor(
    types: readonly SqlType[],
    readonly indexed = true,
  ) {
    this.types = types;
    this.kinds = types.map(storageKind);
    this.idKeys = types.map(identityKeyFn);
    this.cols = this.kinds.map((k) => (k === 'any' ? [] : allocTyped(k, 0)));
    this.nulls = this.kinds.map(() => new Uint8Array(0));
    this.side = this.kinds.map(() => []);
    this.weights = new Int32Array(0);
    this.hashes = new Int32Array(0);
    this.alive = new Uint8Array(0);
    this.generation = new Int32Array(0);
    this.grow(16);
    this.hashOf = batchRowHash(types);
    this.wordViews = types.map(() => new WordView());
    this.batchWords = types.map(() => new WordView());
  }

  private grow(cap: number): void {
    this.cols = this.cols.map((old, c) => {
      const kind = this.kinds[c];
      if (kind === 'any') {
        const a = old as Value[];
        const from = a.length;
        a.length = cap;
        a.fill(null, from);
        return a;
      }
      const n = allocTyped(kind, cap);
      (n as Int32Array).set(old as Int32Array);
      return n;
    });
    this.nulls = this.nulls.map((old) => {
      const n = new Uint8Array(cap);
      n.set(old);
      return n;
    });
    const w = new Int32Array(cap);
    w.set(this.weights);
    this.weights = w;
    const h = new Int32Array(cap);
    h.set(this.hashes);
    this.hashes = h;
    const a = new Uint8Array(cap);
    a.set(this.alive);
    this.alive = a;
    const g = new Int32Array(cap);
    g.set(this.generation);
    this.generation = g;
    this.cap = cap;
  }

  /** Does stored slot s hold exactly row i of b? */
  private matches(s: number, b: Batch, i: number): boolean {
    for (let c = 0; c < this.kinds.length; c++) {
      const col: Column = b.columns[c];
      const kind = this.kinds[c];
      if (kind === 'any') {
        const x = (col.data as Value[])[i];
        const y = (this.cols[c] as Value[])[s];
        if (x === y) continue;
        if (x === null || y === null || typeof x !== 'object' || typeof y !== 'object') return false;
        if (this.idKeys[c](x) !== this.idKeys[c](y)) return false;
        continue;
      }
      const xn = col.nulls !== null && col.nulls[i] === 1;
      const yn = this.nulls[c][s] === 1;
      if (xn || yn) {
        if (xn !== yn) return false;
        continue;
      }
      if (kind === 'i64') {
        const x = this.batchWords[c].get(col.data as BigInt64Array);
        const y = this.i64Words(c);
        if (x[2 * i] !== y[2 * s] || x[2 * i + 1] !== y[2 * s + 1]) return false;
        continue;
      }
      const x = (col.data as Float64Array)[i];
      const y = (this.cols[c] as Float64Array)[s];
      if (kind === 'dec') {
        if (x !== y && !(x !== x && y !== y)) return false;
        // both aside: compare the values
        if (x !== x && this.idKeys[c](col.side![i]) !== this.idKeys[c](this.side[c][s])) return false;
        continue;
      }
      if (x === y) {
        if (x === 0 && 1 / x !== 1 / y) return false; // -0 and 0 print differently
        continue;
      }
      if (!(x !== x && y !== y)) return false;
    }
    return true;
  }

  private store(s: number, b: Batch, i: number): void {
    for (let c = 0; c < this.kinds.length; c++) {
      const col = b.columns[c];
      const kind = this.kinds[c];
      if (kind === 'any') (this.cols[c] as Value[])[s] = (col.data as Value[])[i];
      else {
        const isNull = col.nulls !== null && col.nulls[i] === 1;
        this.nulls[c][s] = isNull ? 1 : 0;
        if (isNull) continue;
        if (kind === 'i64') {
          // word by word: reading the BigInt64Array would make a BigInt per value
          const from = this.batchWords[c].get(col.data as BigInt64Array);
          const to = this.i64Words(c);
          to[2 * s] = from[2 * i];
          to[2 * s + 1] = from[2 * i + 1];
        } else {
          const x = ((this.cols[c] as Float64Array)[s] = (col.data as Float64Array)[i]);
          if (x !== x && kind === 'dec') this.side[c][s] = col.side![i];
        }
      }
    }
  }

  private rehash(size: number): void {
    const t = new Int32Array(size).fill(EMPTY);
    const mask = size - 1;
    for (let s = 0; s < this.used; s++) {
      if (this.alive[s] === 0) continue;
      let p = this.hashes[s] & mask;
      while (t[p] !== EMPTY) p = (p + 1) & mask;
      t[p] = s;
    }
    this.table = t;
    this.filled = this.size;
  }

  /** Add a delta (weights may dip below zero inside it, not after it). */
  apply(b: Batch): void {
    const touched: number[] = [];
    for (let i = 0; i < b.length; i++) {
      const w = b.weights[i];
      if (w === 0) continue;
      const slot = this.upsert(b, i, w);
      if (this.weights[slot] <= 0) touched.push(slot);
    }
    this.settle(touched);
  }

  /**
   * Add weight w to row i of b, storing the row if it is new; returns its slot. A slot whose
   * weight reaches zero stays until settle(), so a row that comes back in the same batch
   * keeps its slot.
   */
  upsert(b: Batch, i: number, w: number): number {
    if (!this.indexed) return this.append(b, i, w);
    if ((this.filled + 1) * 2 > this.table.length) this.rehash(this.table.length * 2);
    const h = this.hashOf(b, i);
    const mask = this.table.length - 1;
    let p = h & mask;
    let firstFree = -1;
    for (;;) {
      const s = this.table[p];
      if (s === EMPTY) break;
      if (s === TOMBSTONE) {
        if (firstFree < 0) firstFree = p;
      } else if (this.hashes[s] === h && this.matches(s, b, i)) {
        this.weights[s] += w;
        if (this.journaling) this.log.push3(s, w, LOG_ADD);
        return s;
      }
      p = (p + 1) & mask;
    }
    const s = this.newSlot(b, i, w);
    this.hashes[s] = h;
    if (firstFree >= 0) this.table[firstFree] = s;
    else {
      this.table[p] = s;
      this.filled++;
    }
    return s;
  }

  /** A slot (a freed one, or the next) holding row i of b with weight w. */
  private newSlot(b: Batch, i: number, w: number): number {
    let s = this.free.pop();
    if (s === undefined) {
      if (this.used === this.cap) this.grow(this.cap * 2);
      s = this.used++;
    }
    this.store(s, b, i);
    this.alive[s] = 1;
    this.generation[s]++;
    this.weights[s] = w;
    this.size++;
    if (this.journaling) this.log.push3(s, w, LOG_NEW);
    return s;
  }

  /**
   * End of a batch: release the given slots whose weight is zero (returning them), and raise
   * an internal error for any left negative.
   */
  settle(slots: readonly number[]): number[] {
    const released: number[] = [];
    for (const s of slots) {
      if (this.alive[s] === 0) continue;
      const w = this.weights[s];
      if (w < 0) throw internalError('integrated weight became negative');
      if (w === 0) {
        this.release(s);
        released.push(s);
      }
    }
    return released;
  }

  /** upsert() into a store without index: a new slot. */
  private append(b: Batch, i: number, w: number): number {
    if (w < 0) throw internalError('a row was taken back from an insert-only row store');
    return this.newSlot(b, i, w);
  }

  /** Remove the rows of these live slots (all their weight), as settle() removes rows at zero. */
  releaseSlots(slots: readonly number[]): void {
    for (const s of slots) {
      if (this.alive[s] === 0) throw internalError('a row store released a free slot');
      if (this.journaling) this.log.push3(s, -this.weights[s], LOG_ADD);
      this.weights[s] = 0;
      this.release(s);
    }
  }

  /** The slot holding exactly row i of b, or -1. */
  find(b: Batch, i: number): number {
    if (!this.indexed) throw internalError('a row was looked up in an insert-only row store');
    const h = this.hashOf(b, i);
    const mask = this.table.length - 1;
    for (let p = h & mask; ; p = (p + 1) & mask) {
      const s = this.table[p];
      if (s === EMPTY) return -1;
      if (s !== TOMBSTONE && this.hashes[s] === h && this.matches(s, b, i)) return s;
    }
  }

  weight(s: number): number {
    return this.weights[s];
  }

  /** Bumped each time a slot is (re)used, so side tables keyed by slot can spot reuse. */
  generationOf(s: number): number {
    return this.generation[s];
  }

  /** A stored column, for bulk reads by slot (valid until the store next grows). */
  column(c: number): Column {
    const kind = this.kinds[c];
    return { kind, data: this.cols[c], nulls: kind === 'any' ? null : this.nulls[c], side: kind === 'dec' ? this.side[c] : null };
  }

  /** Slot s as a row of values. */
  row(s: number): Value[] {
    const out = new Array<Value>(this.kinds.length);
    for (let c = 0; c < out.length; c++) out[c] = this.valueAt(c, s);
    return out;
  }

  /** Drop slot s (weight 0) from the index and recycle it. */
  private release(s: number): void {
    if (this.indexed) this.unindex(s);
    this.alive[s] = 0;
    this.size--;
    if (this.journaling) {
      // kept whole until commitStep(): rollback may bring the row back in this slot
      this.log.push3(s, 0, LOG_RELEASE);
      this.freedInStep.push(s);
      return;
    }
    this.forget(s);
  }

  private unindex(s: number): void {
    const mask = this.table.length - 1;
    let p = this.hashes[s] & mask;
    while (this.table[p] !== s) {
      if (this.table[p] === EMPTY) throw internalError('row store index lost a row');
      p = (p + 1) & mask;
    }
    this.table[p] = TOMBSTONE;
  }

  /** A released slot's values go and the slot may be reused. */
  private forget(s: number): void {
    for (let c = 0; c < this.kinds.length; c++) {
      if (this.kinds[c] === 'any') (this.cols[c] as Value[])[s] = null;
      else if (this.kinds[c] === 'dec' && this.side[c].length > s) (this.side[c] as unknown[])[s] = undefined;
    }
    this.free.push(s);
  }

  /** Put slot s (alive again) back in the index. */
  private reindex(s: number): void {
    if ((this.filled + 1) * 2 > this.table.length) this.rehash(this.table.length * 2);
    const mask = this.table.length - 1;
    let p = this.hashes[s] & mask;
    while (this.table[p] !== EMPTY && this.table[p] !== TOMBSTONE) p = (p + 1) & mask;
    if (this.table[p] === EMPTY) this.filled++;
    this.table[p] = s;
  }

  /** Log changes from now on, until commitStep() or rollback(). */
  journal(): void {
    this.journaling = true;
  }

  /** The step completed: forget its log and let the slots it freed be reused. */
  commitStep(): void {
    this.journaling = false;
    this.log.clear();
    for (let k = 0; k < this.freedInStep.length; k++) this.forget(this.freedInStep.at(k));
    this.freedInStep.clear();
  }

  /** Undo every change logged since journal(), newest first. */
  rollback(): void {
    if (!this.journaling) return;
    this.journaling = false;
    const log = this.log;
    for (let k = log.length - 3; k >= 0; k -= 3) {
      const s = log.at(k);
      const kind = log.at(k + 2);
      if (kind === LOG_ADD) this.weights[s] -= log.at(k + 1);
      else if (kind === LOG_NEW) this.release(s);
      else {
        this.alive[s] = 1;
        this.size++;
        if (this.indexed) this.reindex(s);
      }
    }
    log.clear();
    // every slot freed in the step is alive again
    this.freedInStep.clear();
  }

  /** Sum of weights (rows counted with multiplicity). */
  count(): number {
    let n = 0;
    for (let s = 0; s < this.used; s++) if (this.alive[s] === 1) n += this.weights[s];
    return n;
  }

  /** Whether column c of slot s is NULL (typed columns). */
  isNullAt(c: number, s: number): boolean {
    return this.nulls[c][s] === 1;
  }

  /** The words of a 64-bit column's stored values, two per slot (valid until the store grows). */
  i64Words(c: number): Int32Array {
    return this.wordViews[c].get(this.cols[c] as BigInt64Array);
  }

  /** Slots holding rows (for snapshots of indexes built on this store). */
  isAlive(s: number): boolean {
    return this.alive[s] === 1;
  }

  /** Slots ever handed out: every slot number is below this. */
  get slotCount(): number {
    return this.used;
  }

  /**
   * Checkpoint (state_io.ts): the slots handed out, the free list (a stack), every slot's
   * generation, then the rows of the live slots in slot order, with their weights, as one batch.
   * Slot numbers and generations are kept exactly, so side tables keyed by slot (outer joins'
   * match counts) and slot order (snapshots, and so the hydration of later views) survive.
   */
  saveState(w: StateWriter): void {
    if (this.journaling) throw internalError('a row store was saved in an unsettled step');
    w.u32(this.used);
    w.i32s(this.free);
    w.i32s(this.generation, this.used);
    // in batches of SAVED_BATCH rows, so that a load can go in slices
    const n = this.types.length;
    let out = new BatchBuilder(this.types, Math.min(SAVED_BATCH, this.size));
    for (let s = 0; s < this.used; s++) {
      if (this.alive[s] === 0) continue;
      for (let c = 0; c < n; c++) out.set(c, this.valueAt(c, s));
      out.commitRow(this.weights[s]);
      if (out.length === SAVED_BATCH) {
        w.batch(out.finish());
        out = new BatchBuilder(this.types, SAVED_BATCH);
      }
    }
    if (out.length > 0) w.batch(out.finish());
  }

  /**
   * Read what saveState wrote into this empty store. Returns the rows read (in batches of
   * SAVED_BATCH rows, so row i is batch i >> SAVED_BATCH_BITS) and the slot of each
   * (ascending), for structures built over the store (arrangements' chains and indexes).
   */
  loadState(r: StateReader): { rows: Batch[]; slots: Int32Array } {
    return drain(this.loadSlices(r));
  }

  /** loadState in slices (the store is unusable until the last). */
  *loadSlices(r: StateReader): Generator<void, { rows: Batch[]; slots: Int32Array }> {
    if (this.used !== 0) throw internalError('a checkpoint was loaded into a row store in use');
    const used = r.u32();
    const free = r.i32s();
    const gens = r.i32s();
    const n = used - free.length;
    if (gens.length !== used) throw internalError('a row store checkpoint does not fit the store');
    let cap = this.cap;
    while (cap < used) cap *= 2;
    if (cap > this.cap) this.grow(cap);
    this.generation.set(gens);
    const isFree = new Uint8Array(used);
    for (let k = 0; k < free.length; k++) isFree[free[k]] = 1;
    const slots = new Int32Array(n);
    for (let s = 0, k = 0; s < used; s++) if (isFree[s] === 0) slots[k++] = s;
    let size = this.table.length;
    while ((n + 1) * 2 > size) size *= 2;
    const table = new Int32Array(size).fill(EMPTY);
    const mask = size - 1;
    const batches: Batch[] = [];
    for (let i = 0; i < n; ) {
      yield;
      const rows = r.batch();
      if (rows.length !== Math.min(SAVED_BATCH, n - i) || rows.columns.length !== this.kinds.length || rows.columns.some((col, c) => col.kind !== this.kinds[c])) {
        throw internalError('a row store checkpoint does not fit the store');
      }
      batches.push(rows);
      for (let j = 0; j < rows.length; j++, i++) {
        if ((i & SLICE_MASK) === SLICE_MASK) yield;
        const s = slots[i];
        this.store(s, rows, j);
        this.alive[s] = 1;
        this.weights[s] = rows.weights[j];
        if (!this.indexed) continue;
        const h = this.hashOf(rows, j);
        this.hashes[s] = h;
        let p = h & mask;
        while (table[p] !== EMPTY) p = (p + 1) & mask;
        table[p] = s;
      }
    }
    this.table = table;
    this.filled = n;
    this.size = n;
    this.used = used;
    this.free = Array.from(free);
    return { rows: batches, slots };
  }

  snapshot(): Batch {
    const out = new BatchBuilder(this.types, this.size);
    const n = this.types.length;
    for (let s = 0; s < this.used; s++) {
      const w = this.weights[s];
      if (this.alive[s] === 0 || w === 0) continue;
      for (let c = 0; c < n; c++) out.set(c, this.valueAt(c, s));
      out.commitRow(w);
    }
    return out.finish();
  }

  /** The value of column c in slot s (no allocation: ordered indexes compare through it). */
  valueAt(c: number, s: number): Value {
    const kind = this.kinds[c];
    if (kind === 'any') return (this.cols[c] as Value[])[s];
    if (this.nulls[c][s] === 1) return null;
    switch (kind) {
      case 'i32':
        return (this.cols[c] as Int32Array)[s];
      case 'f64':
        return (this.cols[c] as Float64Array)[s];
      case 'i64':
        return (this.cols[c] as BigInt64Array)[s];
      case 'dec':
        return decAt(this.cols[c] as Float64Array, this.side[c], s);
      default:
        return (this.cols[c] as Uint8Array)[s] === 1;
    }
  }
}

function allocTyped(kind: StorageKind, cap: number): Int32Array | Float64Array | BigInt64Array | Uint8Array {
  switch (kind) {
    case 'i32':
      return new Int32Array(cap);
    case 'i64':
      return new BigInt64Array(cap);
    case 'bool':
      return new Uint8Array(cap);
    default:
      return new Float64Array(cap);
  }
}
