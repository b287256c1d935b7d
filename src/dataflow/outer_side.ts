// Bookkeeping for the preserved side of an outer join: per row, the number of partners it
// matches (weighted, residual included). A row is NULL-padded exactly when its match count is
// zero; match counts of rows present in the arrangement are kept between steps.
//
// Per step, touched rows are: rows of this side's delta ("delta records": their new count is
// enumerated in full against the other side's new contents and their old count derived from it)
// and rows of the arrangement paired with the other side's delta ("entry records": the stored
// count plus the change).

import type { Row } from '../expr/value.js';
import { internalError } from '../errors.js';
import { getValue, type Batch, type BatchBuilder } from './batch.js';
import type { Arrangement } from './arrangement.js';
import { NumberLog } from './undo_log.js';
import type { StateReader, StateWriter } from './state_io.js';

interface Rec {
  /** Row i of delta batch, or the arrangement's row in `slot` when delta is null. */
  readonly delta: Batch | null;
  readonly i: number;
  /** The row's slot in the arrangement after this step, or -1 when it is gone. */
  readonly slot: number;
  /** Weight change of this row in this step (0 for entry records). */
  readonly dw: number;
  /** Delta records: full new match count. Entry records: unused. */
  mcNew: number;
  /** Change of the match count due to the other side's delta. */
  dmc: number;
}

export class OuterSide {
  /** Match count per arrangement slot, with the slot's generation when it was stored. */
  private readonly mc = new Map<number, number>();
  private readonly mcGen = new Map<number, number>();
  private recs: Rec[] = [];
  private byEntry = new Map<number, number>();
  /** In an undoable step: (slot, previous count, previous generation; NaN: none) per change. */
  private journaling = false;
  private readonly log = new NumberLog();

  /**
   * @param offset first output column of this side; `width` its column count;
   * `outWidth` the width of the join output.
   */
  constructor(
    private readonly arr: Arrangement,
    private readonly offset: number,
    private readonly outWidth: number,
  ) {}

  /** Start a step with this side's consolidated delta; returns the record index per delta row. */
  begin(delta: Batch): Int32Array {
    this.recs = [];
    this.byEntry = new Map();
    const idx = new Int32Array(delta.length);
    for (let i = 0; i < delta.length; i++) {
      const slot = this.arr.entryAt(delta, i);
      idx[i] = this.recs.length;
      if (slot >= 0) this.byEntry.set(slot, this.recs.length);
      this.recs.push({ delta, i, slot, dw: delta.weights[i], mcNew: 0, dmc: 0 });
    }
    return idx;
  }

  /** Record index of an arrangement entry (creating an entry record unless it is a delta row). */
  entryRec(slot: number): number {
    let r = this.byEntry.get(slot);
    if (r === undefined) {
      r = this.recs.length;
      this.byEntry.set(slot, r);
      this.recs.push({ delta: null, i: 0, slot, dw: 0, mcNew: 0, dmc: 0 });
    }
    return r;
  }

  isDelta(r: number): boolean {
    return this.recs[r].delta !== null;
  }

  /** A matching partner of weight w in the other side's new contents (delta records). */
  addFull(r: number, w: number): void {
    this.recs[r].mcNew += w;
  }

  /** A matching partner whose weight changed by dw in this step. */
  addChange(r: number, dw: number): void {
    this.recs[r].dmc += dw;
  }

  /** Emit the change of NULL-padded rows and remember new match counts. */
  finish(out: BatchBuilder, hydrating: boolean): void {
    const store = this.arr.store;
    for (const rec of this.recs) {
      const wNew = rec.slot >= 0 ? this.arr.weight(rec.slot) : 0;
      let wOld: number, mcOld: number, mcNew: number;
      if (rec.delta !== null) {
        wOld = hydrating ? 0 : wNew - rec.dw;
        mcNew = rec.mcNew;
        mcOld = hydrating ? 0 : mcNew - rec.dmc;
      } else {
        const stored = this.mcGen.get(rec.slot) === store.generationOf(rec.slot) ? this.mc.get(rec.slot) : undefined;
        if (stored === undefined) throw internalError('outer join: missing match count');
        wOld = wNew;
        mcOld = stored;
        mcNew = stored + rec.dmc;
      }
      if (rec.slot >= 0) this.setCount(rec.slot, mcNew, store.generationOf(rec.slot));
      const pOld = mcOld === 0 ? wOld : 0;
      const pNew = mcNew === 0 ? wNew : 0;
      if (mcNew < 0 || (mcOld < 0 && !hydrating)) throw internalError('outer join: negative match count');
      if (pNew !== pOld) this.emit(out, rec, pNew - pOld);
    }
    this.recs = [];
    this.byEntry = new Map();
    // counts of rows that have left the arrangement are stale: drop them now and then
    if (this.mc.size > 2 * this.arr.size + 64) {
      for (const slot of [...this.mc.keys()]) {
        if (!store.isAlive(slot) || this.mcGen.get(slot) !== store.generationOf(slot)) this.setCount(slot, NaN, NaN);
      }
    }
  }

  /** Set (NaN: delete) a slot's stored match count and generation, logging the old ones. */
  private setCount(slot: number, mc: number, gen: number): void {
    if (this.journaling) this.log.push3(slot, this.mc.get(slot) ?? NaN, this.mcGen.get(slot) ?? NaN);
    if (mc !== mc) {
      this.mc.delete(slot);
      this.mcGen.delete(slot);
    } else {
      this.mc.set(slot, mc);
      this.mcGen.set(slot, gen);
    }
  }

  /** Log changes of the stored counts from now on, until commitStep() or rollback(). */
  journal(): void {
    this.journaling = true;
  }

  commitStep(): void {
    this.journaling = false;
    this.log.clear();
  }

  rollback(): void {
    const log = this.log;
    if (this.journaling) {
      this.journaling = false;
      for (let k = log.length - 3; k >= 0; k -= 3) this.setCount(log.at(k), log.at(k + 1), log.at(k + 2));
    }
    log.clear();
    this.recs = [];
    this.byEntry = new Map();
  }

  /**
   * Checkpoint (state_io.ts): the match counts of the rows in the arrangement, by slot, with
   * the slot's generation (counts of rows gone are not written: no step reads them). Valid for
   * the arrangement as its own checkpoint restores it (slots and generations kept), whichever
   * is loaded first.
   */
  saveState(w: StateWriter): void {
    if (this.journaling) throw internalError('an outer join was saved in an unsettled step');
    const store = this.arr.store;
    // in slot order (the map's order is never read): one state, one form
    const slots: number[] = [];
    for (const [slot, gen] of this.mcGen) if (store.isAlive(slot) && gen === store.generationOf(slot)) slots.push(slot);
    slots.sort((a, b) => a - b);
    const counts = slots.map((s) => this.mc.get(s)!);
    const gens = slots.map((s) => this.mcGen.get(s)!);
    w.i32s(slots);
    w.f64s(counts);
    w.i32s(gens);
  }

  /** Read what saveState wrote (the arrangement may be loaded before or after). */
  loadState(r: StateReader): void {
    if (this.mc.size > 0) throw internalError('a checkpoint was loaded into an outer join in use');
    const slots = r.i32s();
    const counts = r.f64s();
    const gens = r.i32s();
    for (let k = 0; k < slots.length; k++) {
      this.mc.set(slots[k], counts[k]);
      this.mcGen.set(slots[k], gens[k]);
    }
  }

  private emit(out: BatchBuilder, rec: Rec, w: number): void {
    const width = this.arr.types.length;
    const row: Row | null = rec.delta === null ? this.arr.row(rec.slot) : null;
    for (let c = 0; c < this.outWidth; c++) {
      const k = c - this.offset;
      if (k < 0 || k >= width) out.set(c, null);
      else out.set(c, row === null ? getValue(rec.delta!.columns[k], rec.i) : row[k]);
    }
    out.commitRow(w);
  }
}
