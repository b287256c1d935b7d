// AggregateOp: GROUP BY with invertible per-group accumulators. Each input row updates its
// group's accumulators by ±weight; per touched group emit −old output row / +new one (nothing
// when unchanged). Groups whose row count reaches 0 vanish; a global aggregate always has 1 row.
import { CHECK_EVERY, checkHeap, checkHeapUse } from '../memory.js';
import type { Row } from '../../expr/value.js';
import { BatchBuilder, getValue, reusableBuilder, storageKind, type Batch } from '../batch.js';
import type { AggSpec } from '../accumulators.js';
import { aggColumn, type AggColumn } from '../agg_columns.js';
import { IntKeyIndex } from '../key_index.js';
import { batchKeyFn, type BatchKeyFn } from '../keys.js';
import { Operator, type StepContext } from '../operator.js';
import { Reps, identityIsEquality } from '../reps.js';

export type { AggSpec, AggFn } from '../accumulators.js';

export interface AggregateSpec {
  groupCols: readonly number[];
  aggs: readonly AggSpec[];
}

/**
 * Groups get dense ids (reused after a group vanishes); per-group metadata lives in arrays
 * indexed by id and aggregate state in one AggColumn per aggregate, so a batch costs a key
 * lookup per row and a few typed-array updates, with no object per group or per row.
 */
export class AggregateOp extends Operator {
  private readonly intIndex: IntKeyIndex | null;
  private readonly mapIndex: Map<unknown, number> | null;
  private nullGid = -1;
  private readonly groupKey: BatchKeyFn;
  private readonly groupId: BatchKeyFn | null;
  private readonly aggCols: AggColumn[];
  private readonly global: boolean;
  private started = false;

  // per group id
  private cap = 0;
  private count = new Float64Array(0);
  private touchedFlag = new Uint8Array(0);
  private keys: unknown[] = [];
  /** Group column values (first seen) when representations cannot differ. */
  private rows: (Row | null)[] = [];
  private reps: (Reps | null)[] = [];
  /** Group columns of the row currently emitted (null: the group has no output row). */
  private shownRow: (Row | null)[] = [];
  /** Identity key of the shown group columns, when representations can differ. */
  private shownId: unknown[] = [];
  private live = 0;
  private readonly free: number[] = [];
  private nextGid = 0;
  /** The step being run has a memory budget (views being rebuilt after a failure have none). */
  private guarded = false;

  // per batch scratch
  private gids = new Int32Array(0);
  private order = new Int32Array(0);
  private touched = new Int32Array(0);
  private outBuf: BatchBuilder | null = null;
  private retractIds = new Int32Array(0);
  private insertIds = new Int32Array(0);
  private readonly pendingRows: Row[] = [];

  constructor(
    input: Operator,
    private readonly spec: AggregateSpec,
  ) {
    const gt = spec.groupCols.map((c) => input.types[c]);
    super([input], [...gt, ...spec.aggs.map((a) => a.resultType)]);
    this.groupKey = batchKeyFn(input.types, spec.groupCols, 'equality');
    this.groupId = gt.every(identityIsEquality) ? null : batchKeyFn(input.types, spec.groupCols, 'identity');
    this.aggCols = spec.aggs.map(aggColumn);
    this.global = spec.groupCols.length === 0;
    const intKeyed = gt.length === 1 && storageKind(gt[0]) === 'i32';
    this.intIndex = intKeyed ? new IntKeyIndex() : null;
    this.mapIndex = intKeyed ? null : new Map();
    if (this.global) this.newGroup('', []);
  }

  get name(): string {
    return `Aggregate[${this.spec.groupCols.join(',')}]`;
  }

  private newGroup(key: unknown, row: Row | null): number {
    let g = this.free.pop();
    if (g === undefined) {
      g = this.nextGid++;
      // groups are the state that grows with the data: room for the next 65,536 must remain
      if ((g & (CHECK_EVERY - 1)) === 0 && g > 0 && this.guarded) {
        checkHeap(CHECK_EVERY, 64 + 64 * this.aggCols.length + (typeof key === 'string' ? 2 * key.length : 0), 'The groups of an aggregate');
        checkHeapUse(`with ${g} groups in an aggregate`);
      }
      if (g >= this.cap) this.grow(g + 1);
    }
    this.count[g] = 0;
    this.keys[g] = key;
    this.rows[g] = row ?? [];
    this.reps[g] = this.groupId ? new Reps() : null;
    this.shownRow[g] = null;
    for (const a of this.aggCols) a.reset(g);
    if (this.intIndex !== null) {
      if (key === null) this.nullGid = g;
      else this.intIndex.setHead(key, g);
    } else this.mapIndex!.set(key, g);
    this.live++;
    return g;
  }

  private dropGroup(g: number): void {
    const key = this.keys[g];
    if (this.intIndex !== null) {
      if (key === null) this.nullGid = -1;
      else this.intIndex.setHead(key, -1);
    } else this.mapIndex!.delete(key);
    this.keys[g] = undefined;
    this.rows[g] = null;
    this.reps[g] = null;
    this.live--;
    this.free.push(g);
  }

  private grow(min: number): void {
    let cap = Math.max(this.cap * 2, 64);
    while (cap < min) cap *= 2;
    const c = new Float64Array(cap);
    c.set(this.count);
    this.count = c;
    const t = new Uint8Array(cap);
    t.set(this.touchedFlag);
    this.touchedFlag = t;
    this.touched = new Int32Array(cap); // holds touched ids during one step only
    for (const a of this.aggCols) a.reserve(cap);
    this.cap = cap;
  }

  step(inputs: readonly Batch[], ctx: StepContext): Batch {
    this.guarded = ctx.memory !== undefined;
    const b = inputs[0];
    const n = b.length;
    if (this.gids.length < n) {
      this.gids = new Int32Array(n * 2);
      this.order = new Int32Array(n * 2);
    }
    const gids = this.gids;
    const order = this.order;
    // Insertions before retractions: an unconsolidated delta (e.g. a self-join's) may retract a
    // value before inserting it, and per-value counts (MIN/MAX, DISTINCT) must never go negative.
    const w = b.weights;
    let m = 0;
    for (let i = 0; i < n; i++) if (w[i] > 0) order[m++] = i;
    const nIns = m;
    for (let i = 0; i < n; i++) if (w[i] < 0) order[m++] = i;
    // 1. every row's group id, creating groups on first sight
    if (this.global) for (let k = 0; k < m; k++) gids[order[k]] = 0;
    else if (this.intIndex !== null) this.lookupIntKeys(b, m); // an int key is its own identity: no reps
    else this.lookupKeys(b, m, nIns);
    // 2. the touched groups, in order of first appearance
    const flag = this.touchedFlag;
    const touched = this.touched;
    let nTouched = 0;
    if (!this.started) {
      this.started = true;
      if (this.global) {
        flag[0] = 1;
        touched[nTouched++] = 0;
      }
    }
    const cnt = this.count;
    for (let k = 0; k < m; k++) {
      const i = order[k];
      const g = gids[i];
      cnt[g] += w[i];
      if (flag[g] === 0) {
        flag[g] = 1;
        touched[nTouched++] = g;
      }
    }
    // 3. the aggregates, one column at a time
    for (const a of this.aggCols) a.addRows(b, order, m, gids, nIns);
    return this.emit(nTouched);
  }

  /** Group ids for a single int4/int2 group column read straight from its typed array. */
  private lookupIntKeys(b: Batch, m: number): void {
    const col = b.columns[this.spec.groupCols[0]];
    const keys = col.data as Int32Array;
    const nulls = col.nulls;
    const index = this.intIndex!;
    const { gids, order } = this;
    for (let k = 0; k < m; k++) {
      const i = order[k];
      let g: number;
      if (nulls !== null && nulls[i] === 1) {
        g = this.nullGid;
        if (g < 0) g = this.newGroup(null, [null]);
      } else {
        const key = keys[i];
        g = index.head(key);
        if (g < 0) g = this.newGroup(key, [key]);
      }
      gids[i] = g;
    }
  }

  private lookupKeys(b: Batch, m: number, nIns: number): void {
    const gcols = this.spec.groupCols;
    const groupRow = (i: number) => gcols.map((c) => getValue(b.columns[c], i));
    const { gids, order } = this;
    for (let k = 0; k < m; k++) {
      const i = order[k];
      const key = this.groupKey(b, i);
      let g = this.mapIndex!.get(key) ?? -1;
      if (g < 0) g = this.newGroup(key, this.groupId ? null : groupRow(i));
      gids[i] = g;
    }
    const groupId = this.groupId;
    if (groupId === null) return;
    // representations: retractions first, so an updated row's moves behind the others (reps.ts)
    for (let k = nIns; k < m + nIns; k++) {
      const i = order[k < m ? k : k - m];
      this.reps[gids[i]]!.add(groupId(b, i), () => groupRow(i), b.weights[i]);
    }
  }

  /**
   * The delta of the touched groups: first which groups retract their shown row and which show
   * a new one, then the output written column by column (all retractions, then all new rows).
   */
  private emit(nTouched: number): Batch {
    if (this.retractIds.length < nTouched) {
      this.retractIds = new Int32Array(this.touched.length);
      this.insertIds = new Int32Array(this.touched.length);
    }
    const { retractIds, insertIds, pendingRows } = this;
    let nr = 0;
    let ni = 0;
    let nd = 0;
    for (let t = 0; t < nTouched; t++) {
      const g = this.touched[t];
      this.touchedFlag[g] = 0;
      const alive = this.count[g] > 0 || this.global;
      const shown = this.shownRow[g];
      const reps = this.reps[g];
      let rep = alive ? (reps !== null ? reps.pick()! : this.rows[g]!) : null;
      if (reps !== null && rep !== null) {
        // the same representation re-added (an updated row) is a new object: keep showing the old
        if (shown !== null && rep !== shown && reps.pickedId === this.shownId[g]) rep = shown;
        this.shownId[g] = reps.pickedId;
      }
      if (alive && shown !== null && rep === shown && !this.anyChanged(g)) continue;
      if (shown !== null) retractIds[nr++] = g;
      if (alive) {
        pendingRows[ni] = rep!;
        insertIds[ni++] = g;
      } else this.touched[nd++] = g; // vanishing groups, dropped once written out
    }
    const out = (this.outBuf = reusableBuilder(this.outBuf, this.types, nr + ni));
    out.reserve(nr + ni);
    this.writeRows(out, retractIds, nr, false, 0);
    for (let k = 0; k < ni; k++) this.shownRow[insertIds[k]] = pendingRows[k];
    this.writeRows(out, insertIds, ni, true, nr);
    out.advance(nr, -1);
    out.advance(ni, 1);
    for (let k = 0; k < nd; k++) {
      this.shownRow[this.touched[k]] = null;
      this.dropGroup(this.touched[k]);
    }
    return out.finish();
  }

  /** Rows at, at+1, … of out: the shown group columns, then each aggregate's column. */
  private writeRows(out: BatchBuilder, gids: Int32Array, n: number, current: boolean, at: number): void {
    const ng = this.spec.groupCols.length;
    for (let c = 0; c < ng; c++) {
      const ints = out.int32Column(c);
      for (let k = 0; k < n; k++) {
        const v = this.shownRow[gids[k]]![c];
        if (ints !== null && v !== null) ints[at + k] = v as number;
        else out.setAt(c, at + k, v);
      }
    }
    for (let a = 0; a < this.aggCols.length; a++) this.aggCols[a].writeColumn(gids, n, current, out, ng + a, at);
  }

  private anyChanged(g: number): boolean {
    for (let a = 0; a < this.aggCols.length; a++) if (this.aggCols[a].changed(g)) return true;
    return false;
  }

  /** The current output: one row per group. The groups are the integrated state already. */
  override snapshot(): Batch {
    const ids = new Int32Array(this.live);
    let n = 0;
    for (let g = 0; g < this.nextGid; g++) if (this.shownRow[g] != null) ids[n++] = g;
    const out = new BatchBuilder(this.types, n);
    out.reserve(n);
    this.writeRows(out, ids, n, false, 0);
    out.advance(n, 1);
    return out.finish();
  }

}
