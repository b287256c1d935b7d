// An arrangement: the integrated contents of a collection indexed by the equality key of its
// key columns. Rows live column by column in a row store (one slot per distinct row, with its
// weight); the rows of one key form a chain through their slots, found by key in a key index.
// Rows with a NULL key column are chained apart (they never match under SQL equality, but they
// belong to the contents).
// Several operators may read one arrangement; only its ArrangeOp writes it.

import type { SqlType } from '../sql/types.js';
import type { Row } from '../expr/value.js';
import { storageKind, type Batch } from './batch.js';
import { I64KeyIndex, IntKeyIndex, MapKeyIndex, type KeyIndex } from './key_index.js';
import { WordView } from './column_words.js';
import { batchKeyFn, hasNullAt, type BatchKeyFn } from './keys.js';
import { RowStore, SAVED_BATCH_BITS } from './row_store.js';

const SAVED_BATCH = 1 << SAVED_BATCH_BITS;
import { drain, SLICE_MASK } from './deferred_state.js';
import { NumberLog, RefLog } from './undo_log.js';
import type { StateReader, StateWriter } from './state_io.js';
import { internalError } from '../errors.js';

export class Arrangement {
  readonly types: readonly SqlType[];
  readonly keyCols: readonly number[];
  /** The rows, stored by column, each with its weight. */
  readonly store: RowStore;
  /** Equality key of keyCols of row i of a batch with this schema. */
  readonly keyOf: BatchKeyFn;
  /** Key → first slot of its chain; rows with a NULL key component chain from nullHead. */
  private readonly index: KeyIndex;
  /**
   * The index again when the key is one int8 or timestamp column: then keys are read as the
   * column's two 32-bit words (from batches and from the store) and slotKey is not kept.
   */
  private readonly i64: I64KeyIndex | null;
  private readonly ownWords = new WordView();
  private readonly probeWords = new WordView();
  private nullHead = -1;
  /** Per slot: next and previous slot of the same key (-1 at the ends), and its key. */
  private next = new Int32Array(64);
  private prev = new Int32Array(64);
  private slotKey: unknown[] = [];
  /** In an undoable step: the log of the chains, (slot, +1 linked / -1 unlinked), keys apart. */
  private journaling = false;
  private readonly log = new NumberLog();
  private readonly logKeys = new RefLog<unknown>();
  /**
   * Kept only for readers of the contents before the last apply() (inner joins' B_old): per
   * slot, the number of the last apply that changed it and its weight before that apply.
   * Stamps instead of a map of the touched slots, so a reader pays nothing per changed row.
   */
  private appliedIn: Int32Array | null = null;
  private before = new Int32Array(0);
  private applies = 0;
  /** The batch of the last apply() while prior weights are kept (null after a rollback). */
  private lastApplied: Batch | null = null;
  /** Rows of lastApplied whose row left the arrangement in that apply. */
  private lastGone: number[] = [];

  /** `insertOnly`: its input never takes a row back, so rows are not indexed for finding (RowStore). */
  constructor(types: readonly SqlType[], keyCols: readonly number[], insertOnly = false) {
    this.types = types;
    this.keyCols = keyCols;
    this.keyOf = batchKeyFn(types, keyCols, 'equality');
    this.store = new RowStore(types, !insertOnly);
    const kind = keyCols.length === 1 ? storageKind(types[keyCols[0]]) : null;
    this.i64 = kind === 'i64' ? new I64KeyIndex() : null;
    this.index = this.i64 ?? (kind === 'i32' ? new IntKeyIndex() : new MapKeyIndex());
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

  /**
   * First slot holding rows with the key of row i of b (a batch of the same key types, keyed
   * by the caller's key function), or -1; NULL keys never match. Walk on with nextOf().
   */
  headFor(b: Batch, i: number, keyOf: BatchKeyFn = this.keyOf, keyCols: readonly number[] = this.keyCols): number {
    if (keyCols.length > 0 && hasNullAt(b, i, keyCols)) return -1;
    if (this.i64 !== null) {
      const col = b.columns[keyCols[0]];
      if (col.kind === 'i64') {
        const w = this.probeWords.get(col.data as BigInt64Array);
        return this.i64.headWords(w[2 * i], w[2 * i + 1]);
      }
    }
    return this.index.head(keyOf(b, i));
  }

  nextOf(slot: number): number {
    return this.next[slot];
  }

  /** Rows (distinct, with multiplicity ignored) stored under `key`; for tests and diagnostics. */
  countKey(key: unknown): number {
    let n = 0;
    for (let s = key === null ? this.nullHead : this.index.head(key); s >= 0; s = this.next[s]) n++;
    return n;
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
    // with prior weights kept: each changed slot stamped with this apply's number and its weight before
    const keep = this.appliedIn !== null;
    const ap = keep ? this.stampsFor(b.length) : 0;
    const slotOf = keep ? new Int32Array(b.length).fill(-1) : null;
    const touched: number[] = [];
    for (let i = 0; i < b.length; i++) {
      const w = b.weights[i];
      if (w === 0) continue;
      const size = this.store.size;
      const slot = this.store.upsert(b, i, w);
      if (this.store.size !== size) this.linkRow(slot, b, i);
      const now = this.store.weight(slot);
      if (slotOf !== null) {
        slotOf[i] = slot;
        if (this.appliedIn![slot] !== ap) {
          this.appliedIn![slot] = ap;
          this.before[slot] = now - w;
        }
      }
      if (now <= 0) touched.push(slot);
    }
    const released = this.store.settle(touched);
    for (const slot of released) this.unlink(slot);
    if (slotOf === null) return;
    this.lastApplied = b;
    this.lastGone = [];
    if (released.length === 0) return;
    const gone = new Set(released);
    for (let i = 0; i < b.length; i++) if (gone.has(slotOf[i])) this.lastGone.push(i);
  }

  /** From now on, keep each apply's prior weights (weightBefore, goneInLast). */
  keepPriorWeights(): void {
    this.appliedIn ??= new Int32Array(0);
  }

  /** The next apply's number, with stamps for every slot it can reach (n more rows). */
  private stampsFor(n: number): number {
    const cap = this.store.slotCount + n;
    if (this.appliedIn!.length < cap) {
      const size = Math.max(cap, 2 * this.appliedIn!.length);
      const a = new Int32Array(size);
      a.set(this.appliedIn!);
      this.appliedIn = a;
      const w = new Int32Array(size);
      w.set(this.before);
      this.before = w;
    }
    return ++this.applies;
  }

  /**
   * Whether `b` is the batch of the last apply() and prior weights were kept: then
   * weightBefore() and goneInLast describe the contents before it.
   */
  appliedLast(b: Batch): boolean {
    return this.appliedIn !== null && this.lastApplied === b;
  }

  /** The weight of a (live) slot before the last apply() (0: its row came in that apply). */
  weightBefore(slot: number): number {
    return this.appliedIn![slot] === this.applies ? this.before[slot] : this.store.weight(slot);
  }

  /** Whether the last apply() changed a slot that held its row before it. */
  changedOld(slot: number): boolean {
    return this.appliedIn![slot] === this.applies && this.before[slot] !== 0;
  }

  /** The rows of the last applied batch whose row left the arrangement in that apply. */
  get goneInLast(): readonly number[] {
    return this.lastGone;
  }

  /** Put a new slot, holding row i of b, at the head of its key's chain. */
  private linkRow(slot: number, b: Batch, i: number): void {
    if (this.nullKeyAt(b, i)) this.link(slot, null);
    else if (this.i64 !== null) {
      const w = this.ownWords.get(b.columns[this.keyCols[0]].data as BigInt64Array);
      this.link(slot, undefined, w[2 * i], w[2 * i + 1]);
    } else this.link(slot, this.keyOf(b, i));
  }

  /**
   * Put a new slot at the head of its key's chain (key null: the NULL-key chain; undefined:
   * the 64-bit key of words lo, hi).
   */
  private link(slot: number, key: unknown, lo = 0, hi = 0): void {
    if (slot >= this.next.length) {
      const cap = Math.max(slot + 1, this.next.length * 2);
      const n = new Int32Array(cap);
      n.set(this.next);
      this.next = n;
      const p = new Int32Array(cap);
      p.set(this.prev);
      this.prev = p;
    }
    const words = key === undefined;
    const head = key === null ? this.nullHead : words ? this.i64!.headWords(lo, hi) : this.index.head(key);
    this.next[slot] = head;
    this.prev[slot] = -1;
    if (head >= 0) this.prev[head] = slot;
    if (key === null) this.nullHead = slot;
    else if (words) this.i64!.setHeadWords(lo, hi, slot);
    else this.index.setHead(key, slot);
    if (this.i64 === null) this.slotKey[slot] = key;
    if (this.journaling) this.log.push2(slot, 1);
  }

  /**
   * Make `head` the first slot of the chain of slot's key. A 64-bit key is read from the store,
   * which keeps a released slot's typed values until the slot is reused.
   */
  private setChainHead(slot: number, key: unknown, head: number): void {
    if (this.i64 !== null) {
      const c = this.keyCols[0];
      if (this.store.isNullAt(c, slot)) this.nullHead = head;
      else {
        this.i64.setHeadWords(this.store.i64Lo(c, slot), this.store.i64Hi(c, slot), head);
      }
    } else if (key === null) this.nullHead = head;
    else this.index.setHead(key, head);
  }

  private unlink(slot: number): void {
    const n = this.next[slot];
    const p = this.prev[slot];
    if (n >= 0) this.prev[n] = p;
    if (p >= 0) this.next[p] = n;
    else this.setChainHead(slot, this.slotKey[slot], n);
    if (this.journaling) {
      this.log.push2(slot, -1);
      if (this.i64 === null) this.logKeys.push(this.slotKey[slot]);
    }
    if (this.i64 === null) this.slotKey[slot] = undefined;
  }

  /** Remove the rows of these live slots (all their weight), emitting nothing. */
  removeSlots(slots: readonly number[]): void {
    this.store.releaseSlots(slots);
    for (const slot of slots) this.unlink(slot);
  }

  /** Log changes from now on (the store's and the chains'), until commitStep() or rollback(). */
  journal(): void {
    this.store.journal();
    this.journaling = true;
  }

  commitStep(): void {
    this.store.commitStep();
    this.journaling = false;
    this.log.clear();
    this.logKeys.clear();
  }

  /**
   * Undo the logged changes. Newest first, an unlinked slot's neighbours are again those it
   * had, so it goes back to its place in its chain: readers see the chains as before.
   */
  rollback(): void {
    this.lastApplied = null;
    if (this.journaling) {
      this.journaling = false;
      const log = this.log;
      let k = this.logKeys.length;
      for (let j = log.length - 2; j >= 0; j -= 2) {
        const slot = log.at(j);
        if (log.at(j + 1) === 1) {
          this.unlink(slot);
          continue;
        }
        // (a 64-bit key is read from the store, which still holds the row: it rolls back after)
        const key = this.i64 === null ? this.logKeys.at(--k) : undefined;
        const n = this.next[slot];
        const p = this.prev[slot];
        if (n >= 0) this.prev[n] = slot;
        if (p >= 0) this.next[p] = slot;
        else this.setChainHead(slot, key, slot);
        if (this.i64 === null) this.slotKey[slot] = key;
      }
      log.clear();
      this.logKeys.clear();
    }
    this.store.rollback();
  }

  /** Full contents as one consolidated batch. */
  snapshot(): Batch {
    return this.store.snapshot();
  }

  /**
   * Checkpoint (state_io.ts): the row store (slots kept), then every chain's slots from its
   * tail to its head. The chains are not written: linking the rows in that order rebuilds each
   * one in its order (a join lists partners in chain order, which its output order follows).
   */
  saveState(w: StateWriter): void {
    if (this.journaling) throw internalError('an arrangement was saved in an unsettled step');
    this.store.saveState(w);
    const order: number[] = [];
    for (let s = 0, n = this.store.slotCount; s < n; s++) {
      if (!this.store.isAlive(s) || this.prev[s] !== -1) continue;
      const from = order.length;
      for (let t = s; t >= 0; t = this.next[t]) order.push(t);
      for (let a = from, b = order.length - 1; a < b; a++, b--) [order[a], order[b]] = [order[b], order[a]];
    }
    w.i32s(order);
  }

  /** Read what saveState wrote into this empty arrangement. */
  loadState(r: StateReader): void {
    drain(this.loadSlices(r));
  }

  /** loadState in slices (the arrangement is unusable until the last). */
  *loadSlices(r: StateReader): Generator<void, void> {
    const { rows, slots } = yield* this.store.loadSlices(r);
    const order = r.i32s();
    if (order.length !== slots.length) throw internalError('an arrangement checkpoint does not fit its rows');
    const at = new Int32Array(this.store.slotCount).fill(-1);
    for (let i = 0; i < slots.length; i++) at[slots[i]] = i;
    for (let k = 0; k < order.length; k++) {
      if ((k & SLICE_MASK) === SLICE_MASK) yield;
      const i = at[order[k]];
      if (i < 0) throw internalError('an arrangement checkpoint chains a slot without a row');
      at[order[k]] = -1;
      const b = rows[i >> SAVED_BATCH_BITS];
      const j = i & (SAVED_BATCH - 1);
      this.linkRow(order[k], b, j);
    }
  }
}
