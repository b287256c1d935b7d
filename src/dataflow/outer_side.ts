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
import type { Arrangement, Entry } from './arrangement.js';

interface Rec {
  /** Row i of delta batch, or entry.row when delta is null. */
  readonly delta: Batch | null;
  readonly i: number;
  readonly entry: Entry | undefined;
  /** Weight change of this row in this step (0 for entry records). */
  readonly dw: number;
  /** Delta records: full new match count. Entry records: unused. */
  mcNew: number;
  /** Change of the match count due to the other side's delta. */
  dmc: number;
}

export class OuterSide {
  private readonly mc = new WeakMap<Entry, number>();
  private recs: Rec[] = [];
  private byEntry = new Map<Entry, number>();

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
      const entry = this.arr.entryAt(delta, i);
      idx[i] = this.recs.length;
      if (entry !== undefined) this.byEntry.set(entry, this.recs.length);
      this.recs.push({ delta, i, entry, dw: delta.weights[i], mcNew: 0, dmc: 0 });
    }
    return idx;
  }

  /** Record index of an arrangement entry (creating an entry record unless it is a delta row). */
  entryRec(e: Entry): number {
    let r = this.byEntry.get(e);
    if (r === undefined) {
      r = this.recs.length;
      this.byEntry.set(e, r);
      this.recs.push({ delta: null, i: 0, entry: e, dw: 0, mcNew: 0, dmc: 0 });
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
    for (const rec of this.recs) {
      const wNew = rec.entry !== undefined ? rec.entry.weight : 0;
      let wOld: number, mcOld: number, mcNew: number;
      if (rec.delta !== null) {
        wOld = hydrating ? 0 : wNew - rec.dw;
        mcNew = rec.mcNew;
        mcOld = hydrating ? 0 : mcNew - rec.dmc;
      } else {
        const stored = this.mc.get(rec.entry!);
        if (stored === undefined) throw internalError('outer join: missing match count');
        wOld = wNew;
        mcOld = stored;
        mcNew = stored + rec.dmc;
      }
      if (rec.entry !== undefined) this.mc.set(rec.entry, mcNew);
      const pOld = mcOld === 0 ? wOld : 0;
      const pNew = mcNew === 0 ? wNew : 0;
      if (mcNew < 0 || (mcOld < 0 && !hydrating)) throw internalError('outer join: negative match count');
      if (pNew !== pOld) this.emit(out, rec, pNew - pOld);
    }
    this.recs = [];
    this.byEntry = new Map();
  }

  private emit(out: BatchBuilder, rec: Rec, w: number): void {
    const width = this.arr.types.length;
    for (let c = 0; c < this.outWidth; c++) {
      const k = c - this.offset;
      if (k < 0 || k >= width) out.set(c, null);
      else out.set(c, rec.delta !== null ? getValue(rec.delta.columns[k], rec.i) : (rec.entry!.row as Row)[k]);
    }
    out.commitRow(w);
  }
}
