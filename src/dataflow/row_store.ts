// A multiset of rows stored column by column, with an open-addressing hash index over the
// rows' exact representation. No object per row: integrating a view's output was the main
// cost of maintaining a join view while rows lived in Map entries.
//
// Rows live in slots of growable columns; a slot freed by a row whose weight reaches zero is
// reused. The index is a linear-probing table of slot numbers (EMPTY / TOMBSTONE markers). A
// large table grows incrementally: the doubled table takes new entries at once, and each later
// insertion moves a few cells of the old one, which lookups still search meanwhile.
//
// Slots live in chunks of CHUNK (the first grows by doubling up to that size, for small
// stores): a large store grows by a chunk, never copying what it holds. Doubling every array
// at once took about 1 s at 4.2M rows (some 600 MB allocated, half of it copied, and the
// collections that set off).
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
import { decodeDecimal } from './dec_column.js';
import type { StateReader, StateWriter } from './state_io.js';

const EMPTY = -1;
/** A checkpoint saves a store's rows in batches of this many. */
export const SAVED_BATCH_BITS = 14;
const SAVED_BATCH = 1 << SAVED_BATCH_BITS;
const TOMBSTONE = -2;
const LOG_ADD = 0;
const LOG_NEW = 1;
const LOG_RELEASE = 2;
export const CHUNK_BITS = 16;
/** An index doubling to this many cells or more fills its new table incrementally, moving this many old cells per insertion. */
const INCREMENTAL_FROM = 1 << 16;
const MOVE_PER_INSERT = 8;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;

/** The chunks of one column of a store, for bulk reads by slot s: data[s >>> CHUNK_BITS][s & (2^CHUNK_BITS - 1)]. */
export interface ChunkedColumn {
  readonly kind: StorageKind;
  readonly data: readonly ColumnData[];
  /** Typed kinds: 1 where NULL. */
  readonly nulls: readonly Uint8Array[];
  /** 'dec': values kept aside, by slot (see Column.side). */
  readonly side: readonly Value[] | null;
}

export class RowStore {
  readonly types: readonly SqlType[];
  private readonly kinds: StorageKind[];
  private readonly idKeys: KeyFn[];
  /** Per column, its chunks. */
  private readonly cols: ColumnData[][];
  private readonly nulls: Uint8Array[][];
  /** Per int8/timestamp column, an Int32 view of each chunk (two words per slot). */
  private readonly words: Int32Array[][];
  /** 'dec' columns: values kept aside, by slot (see Column.side). */
  private readonly side: Value[][];
  private readonly weights: Int32Array[] = [new Int32Array(0)];
  private readonly hashes: Int32Array[] = [new Int32Array(0)];
  /** 1 for slots holding a row (weight may be transiently 0 or negative inside apply). */
  private readonly alive: Uint8Array[] = [new Uint8Array(0)];
  private readonly generation: Int32Array[] = [new Int32Array(0)];
  private cap = 0;
  private used = 0; // slots ever handed out
  private free: number[] = [];
  private table: Int32Array = new Int32Array(16).fill(EMPTY);
  private filled = 0; // table cells that are not EMPTY (live + tombstones)
  /** While a large table grows: the previous table, whose cells below `moved` are in `table` already. */
  private old: Int32Array | null = null;
  private moved = 0;
  private readonly hashOf: BatchRowHash;
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
    this.cols = this.kinds.map((k) => [k === 'any' ? [] : allocTyped(k, 0)]);
    this.nulls = this.kinds.map(() => [new Uint8Array(0)]);
    this.words = this.kinds.map(() => []);
    this.side = this.kinds.map(() => []);
    this.grow(16);
    this.hashOf = batchRowHash(types);
    this.batchWords = types.map(() => new WordView());
  }

  /** Room for cap slots: the first chunk reallocated while below CHUNK, then whole new chunks. */
  private grow(cap: number): void {
    for (let c = 0; c < this.kinds.length; c++) {
      const kind = this.kinds[c];
      if (kind === 'any') extend(this.cols[c] as Value[][], cap, (n) => new Array<Value>(n).fill(null), copyValues);
      else {
        extend(this.cols[c] as Int32Array[], cap, (n) => allocTyped(kind, n) as Int32Array, copyTyped);
        if (kind === 'i64') this.words[c] = (this.cols[c] as BigInt64Array[]).map((d) => new Int32Array(d.buffer, d.byteOffset, d.length * 2));
      }
      extend(this.nulls[c], cap, (n) => new Uint8Array(n), copyTyped);
    }
    extend(this.weights, cap, (n) => new Int32Array(n), copyTyped);
    extend(this.hashes, cap, (n) => new Int32Array(n), copyTyped);
    extend(this.alive, cap, (n) => new Uint8Array(n), copyTyped);
    extend(this.generation, cap, (n) => new Int32Array(n), copyTyped);
    this.cap = cap <= CHUNK ? cap : this.weights.length * CHUNK;
  }

  /** Does stored slot s hold exactly row i of b? */
  private matches(s: number, b: Batch, i: number): boolean {
    const k = s >>> CHUNK_BITS;
    const o = s & MASK;
    for (let c = 0; c < this.kinds.length; c++) {
      const col: Column = b.columns[c];
      const kind = this.kinds[c];
      if (kind === 'any') {
        const x = (col.data as Value[])[i];
        const y = (this.cols[c][k] as Value[])[o];
        if (x === y) continue;
        if (x === null || y === null || typeof x !== 'object' || typeof y !== 'object') return false;
        if (this.idKeys[c](x) !== this.idKeys[c](y)) return false;
        continue;
      }
      const xn = col.nulls !== null && col.nulls[i] === 1;
      const yn = this.nulls[c][k][o] === 1;
      if (xn || yn) {
        if (xn !== yn) return false;
        continue;
      }
      if (kind === 'i64') {
        const x = this.batchWords[c].get(col.data as BigInt64Array);
        const y = this.words[c][k];
        if (x[2 * i] !== y[2 * o] || x[2 * i + 1] !== y[2 * o + 1]) return false;
        continue;
      }
      const x = (col.data as Float64Array)[i];
      const y = (this.cols[c][k] as Float64Array)[o];
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
    const k = s >>> CHUNK_BITS;
    const o = s & MASK;
    for (let c = 0; c < this.kinds.length; c++) {
      const col = b.columns[c];
      const kind = this.kinds[c];
      if (kind === 'any') (this.cols[c][k] as Value[])[o] = (col.data as Value[])[i];
      else {
        const isNull = col.nulls !== null && col.nulls[i] === 1;
        this.nulls[c][k][o] = isNull ? 1 : 0;
        if (isNull) continue;
        if (kind === 'i64') {
          // word by word: reading the BigInt64Array would make a BigInt per value
          const from = this.batchWords[c].get(col.data as BigInt64Array);
          const to = this.words[c][k];
          to[2 * o] = from[2 * i];
          to[2 * o + 1] = from[2 * i + 1];
        } else {
          const x = ((this.cols[c][k] as Float64Array)[o] = (col.data as Float64Array)[i]);
          if (x !== x && kind === 'dec') this.side[c][s] = col.side![i];
        }
      }
    }
  }

  /** Room for one more entry in the table: at half full it doubles (incrementally when large). */
  private makeRoom(): void {
    if (this.old !== null) this.moveCells(MOVE_PER_INSERT);
    if ((this.filled + 1) * 2 <= this.table.length) return;
    if (this.old !== null) this.moveCells(this.old.length); // (cannot happen: see moveCells)
    const size = this.table.length * 2;
    if (size < INCREMENTAL_FROM) {
      this.rehash(size);
      return;
    }
    this.old = this.table;
    this.moved = 0;
    this.table = new Int32Array(size).fill(EMPTY);
    this.filled = 0;
  }

  /**
   * Move up to n cells of the old table into the new one. The old table has L cells, at most L/2
   * of them entries, and the new one 2L cells, so it is half full only after L/2 insertions
   * more; moving MOVE_PER_INSERT (> 2) cells per insertion empties the old one long before.
   */
  private moveCells(n: number): void {
    const old = this.old!;
    const end = Math.min(old.length, this.moved + n);
    const t = this.table;
    const mask = t.length - 1;
    for (let c = this.moved; c < end; c++) {
      const s = old[c];
      if (s < 0) continue; // EMPTY or TOMBSTONE
      let p = this.hashes[s >>> CHUNK_BITS][s & MASK] & mask;
      while (t[p] !== EMPTY) p = (p + 1) & mask;
      t[p] = s;
      this.filled++;
    }
    this.moved = end;
    if (end === old.length) this.old = null;
  }

  /**
   * The cell of the old table holding an entry not moved yet for which `is` holds, probing from
   * hash h; -1 if none. Cells already moved still hold their entries, so chains stay whole.
   */
  private findOld(h: number, is: (s: number) => boolean): number {
    const old = this.old!;
    const mask = old.length - 1;
    for (let p = h & mask; ; p = (p + 1) & mask) {
      const s = old[p];
      if (s === EMPTY) return -1;
      if (s >= 0 && p >= this.moved && is(s)) return p;
    }
  }

  private rehash(size: number): void {
    const t = new Int32Array(size).fill(EMPTY);
    const mask = size - 1;
    for (let s = 0; s < this.used; s++) {
      if (this.alive[s >>> CHUNK_BITS][s & MASK] === 0) continue;
      let p = this.hashes[s >>> CHUNK_BITS][s & MASK] & mask;
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
      if (this.weights[slot >>> CHUNK_BITS][slot & MASK] <= 0) touched.push(slot);
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
    this.makeRoom();
    const h = this.hashOf(b, i);
    const mask = this.table.length - 1;
    let p = h & mask;
    let firstFree = -1;
    for (;;) {
      const s = this.table[p];
      if (s === EMPTY) break;
      if (s === TOMBSTONE) {
        if (firstFree < 0) firstFree = p;
      } else if (this.hashes[s >>> CHUNK_BITS][s & MASK] === h && this.matches(s, b, i)) {
        this.weights[s >>> CHUNK_BITS][s & MASK] += w;
        if (this.journaling) this.log.push3(s, w, LOG_ADD);
        return s;
      }
      p = (p + 1) & mask;
    }
    if (this.old !== null) {
      const c = this.findOld(h, (s) => this.hashes[s >>> CHUNK_BITS][s & MASK] === h && this.matches(s, b, i));
      if (c >= 0) {
        const s = this.old[c];
        this.weights[s >>> CHUNK_BITS][s & MASK] += w;
        if (this.journaling) this.log.push3(s, w, LOG_ADD);
        return s;
      }
    }
    const s = this.newSlot(b, i, w);
    this.hashes[s >>> CHUNK_BITS][s & MASK] = h;
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
      if (this.used === this.cap) this.grow(this.cap < CHUNK ? this.cap * 2 : this.cap + CHUNK);
      s = this.used++;
    }
    this.store(s, b, i);
    const k = s >>> CHUNK_BITS;
    const o = s & MASK;
    this.alive[k][o] = 1;
    this.generation[k][o]++;
    this.weights[k][o] = w;
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
      if (this.alive[s >>> CHUNK_BITS][s & MASK] === 0) continue;
      const w = this.weights[s >>> CHUNK_BITS][s & MASK];
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
      const k = s >>> CHUNK_BITS;
      const o = s & MASK;
      if (this.alive[k][o] === 0) throw internalError('a row store released a free slot');
      if (this.journaling) this.log.push3(s, -this.weights[k][o], LOG_ADD);
      this.weights[k][o] = 0;
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
      if (s === EMPTY) break;
      if (s !== TOMBSTONE && this.hashes[s >>> CHUNK_BITS][s & MASK] === h && this.matches(s, b, i)) return s;
    }
    if (this.old === null) return -1;
    const c = this.findOld(h, (s) => this.hashes[s >>> CHUNK_BITS][s & MASK] === h && this.matches(s, b, i));
    return c < 0 ? -1 : this.old[c];
  }

  weight(s: number): number {
    return this.weights[s >>> CHUNK_BITS][s & MASK];
  }

  /** Bumped each time a slot is (re)used, so side tables keyed by slot can spot reuse. */
  generationOf(s: number): number {
    return this.generation[s >>> CHUNK_BITS][s & MASK];
  }

  /** A stored column's chunks, for bulk reads by slot (valid until the store next grows). */
  column(c: number): ChunkedColumn {
    const kind = this.kinds[c];
    return { kind, data: this.cols[c], nulls: this.nulls[c], side: kind === 'dec' ? this.side[c] : null };
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
    this.alive[s >>> CHUNK_BITS][s & MASK] = 0;
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
    const h = this.hashes[s >>> CHUNK_BITS][s & MASK];
    for (let p = h & mask; ; p = (p + 1) & mask) {
      const x = this.table[p];
      if (x === s) {
        this.table[p] = TOMBSTONE;
        return;
      }
      if (x === EMPTY) break;
    }
    // not moved yet
    const c = this.old === null ? -1 : this.findOld(h, (x) => x === s);
    if (c < 0) throw internalError('row store index lost a row');
    this.old![c] = TOMBSTONE;
  }

  /** A released slot's values go and the slot may be reused. */
  private forget(s: number): void {
    for (let c = 0; c < this.kinds.length; c++) {
      if (this.kinds[c] === 'any') (this.cols[c][s >>> CHUNK_BITS] as Value[])[s & MASK] = null;
      else if (this.kinds[c] === 'dec' && this.side[c].length > s) (this.side[c] as unknown[])[s] = undefined;
    }
    this.free.push(s);
  }

  /** Put slot s (alive again) back in the index. */
  private reindex(s: number): void {
    this.makeRoom();
    const mask = this.table.length - 1;
    let p = this.hashes[s >>> CHUNK_BITS][s & MASK] & mask;
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
      if (kind === LOG_ADD) this.weights[s >>> CHUNK_BITS][s & MASK] -= log.at(k + 1);
      else if (kind === LOG_NEW) this.release(s);
      else {
        this.alive[s >>> CHUNK_BITS][s & MASK] = 1;
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
    for (let s = 0; s < this.used; s++) if (this.alive[s >>> CHUNK_BITS][s & MASK] === 1) n += this.weights[s >>> CHUNK_BITS][s & MASK];
    return n;
  }

  /** Whether column c of slot s is NULL (typed columns). */
  isNullAt(c: number, s: number): boolean {
    return this.nulls[c][s >>> CHUNK_BITS][s & MASK] === 1;
  }

  /** The low and high 32-bit words of slot s's value in a 64-bit column. */
  i64Lo(c: number, s: number): number {
    return this.words[c][s >>> CHUNK_BITS][2 * (s & MASK)];
  }
  i64Hi(c: number, s: number): number {
    return this.words[c][s >>> CHUNK_BITS][2 * (s & MASK) + 1];
  }

  /** Slots holding rows (for snapshots of indexes built on this store). */
  isAlive(s: number): boolean {
    return this.alive[s >>> CHUNK_BITS][s & MASK] === 1;
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
    w.i32s(this.generationsOf(this.used), this.used);
    // in batches of SAVED_BATCH rows, so that a load can go in slices
    const n = this.types.length;
    let out = new BatchBuilder(this.types, Math.min(SAVED_BATCH, this.size));
    for (let s = 0; s < this.used; s++) {
      if (!this.isAlive(s)) continue;
      for (let c = 0; c < n; c++) out.set(c, this.valueAt(c, s));
      out.commitRow(this.weight(s));
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
    if (used > this.cap) this.grow(used <= CHUNK ? 2 ** Math.ceil(Math.log2(used)) : used);
    for (let s = 0; s < used; s++) this.generation[s >>> CHUNK_BITS][s & MASK] = gens[s];
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
        this.alive[s >>> CHUNK_BITS][s & MASK] = 1;
        this.weights[s >>> CHUNK_BITS][s & MASK] = rows.weights[j];
        if (!this.indexed) continue;
        const h = this.hashOf(rows, j);
        this.hashes[s >>> CHUNK_BITS][s & MASK] = h;
        let p = h & mask;
        while (table[p] !== EMPTY) p = (p + 1) & mask;
        table[p] = s;
      }
    }
    this.table = table;
    this.old = null;
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
      const w = this.weight(s);
      if (!this.isAlive(s) || w === 0) continue;
      for (let c = 0; c < n; c++) out.set(c, this.valueAt(c, s));
      out.commitRow(w);
    }
    return out.finish();
  }

  /** The value of column c in slot s (no allocation: ordered indexes compare through it). */
  valueAt(c: number, s: number): Value {
    const kind = this.kinds[c];
    const k = s >>> CHUNK_BITS;
    const o = s & MASK;
    if (kind === 'any') return (this.cols[c][k] as Value[])[o];
    if (this.nulls[c][k][o] === 1) return null;
    switch (kind) {
      case 'i32':
        return (this.cols[c][k] as Int32Array)[o];
      case 'f64':
        return (this.cols[c][k] as Float64Array)[o];
      case 'i64':
        return (this.cols[c][k] as BigInt64Array)[o];
      case 'dec': {
        const x = (this.cols[c][k] as Float64Array)[o];
        return x === x ? decodeDecimal(x) : this.side[c][s];
      }
      default:
        return (this.cols[c][k] as Uint8Array)[o] === 1;
    }
  }

  /** The generations of slots 0..n, in one array (for checkpoints). */
  private generationsOf(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let k = 0; k * CHUNK < n; k++) out.set(this.generation[k].subarray(0, Math.min(CHUNK, n - k * CHUNK)), k * CHUNK);
    return out;
  }
}

/** list (chunks) made to hold cap slots: the first chunk reallocated while below CHUNK, then new chunks. */
function extend<A extends { length: number }>(list: A[], cap: number, alloc: (n: number) => A, copy: (to: A, from: A) => void): void {
  const first = list[0];
  const size = Math.min(cap, CHUNK);
  if (first.length < size) {
    const n = alloc(size);
    copy(n, first);
    list[0] = n;
  }
  for (let k = list.length; k * CHUNK < cap; k++) list.push(alloc(CHUNK));
}

function copyTyped(to: Int32Array | Uint8Array, from: Int32Array | Uint8Array): void {
  to.set(from);
}

function copyValues(to: Value[], from: Value[]): void {
  for (let i = 0; i < from.length; i++) to[i] = from[i];
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
