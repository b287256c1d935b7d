// AggregateOp: GROUP BY with invertible per-group accumulators. Each input row updates its
// group's accumulators by ±weight; per touched group emit −old output row / +new one (nothing
// when unchanged). Groups whose row count reaches 0 vanish; a global aggregate always has 1 row.
import { CHECK_EVERY, checkHeap, checkHeapUse } from '../memory.js';
import type { Row } from '../../expr/value.js';
import { BatchBuilder, getValue, reusableBuilder, storageKind, type Batch } from '../batch.js';
import type { AggSpec } from '../accumulators.js';
import { aggColumn, type AggColumn } from '../agg_columns.js';
import { IntKeyIndex, WordsKeyIndex } from '../key_index.js';
import { batchKeyFn, hasNullAt, type BatchKeyFn } from '../keys.js';
import { Operator, type StepContext } from '../operator.js';
import { Reps, identityIsEquality } from '../reps.js';
import { internalError } from '../../errors.js';
import { NumberLog, RefLog } from '../undo_log.js';
import type { Checkpointable, StateReader, StateWriter } from '../state_io.js';
import type { ClosingGroups } from '../closing_groups.js';
import { loadReps, saveReps } from '../reps_state.js';
import type { KeyPart } from '../../expr/compare.js';
import type { Value } from '../../expr/value.js';

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
export class AggregateOp extends Operator implements Checkpointable {
  private readonly intIndex: IntKeyIndex | null;
  private readonly mapIndex: Map<unknown, number> | null;
  /**
   * Beside the Map, when every group column is an int2/int4/int8/timestamp: the groups whose
   * key has no NULL, by the key's words, found without building the Map's key (a string per
   * row for several columns).
   */
  private readonly words: WordsKeyIndex | null;
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
  /** In an undoable step: what rollback() needs, in logs reused from step to step. */
  private undoing = false;
  private startedBefore = false;
  /** Pairs: group id created, 1 when it came from the free list. */
  private readonly created = new NumberLog();
  /** Existing groups before the step changed them: pairs (id, count), shown rows, and with representations pairs (shown id, reps). */
  private readonly saved = new NumberLog();
  private readonly savedRows = new RefLog<Row | null>();
  private readonly savedIds = new RefLog<unknown>();
  /** Groups dropped: id, then key, row and reps. */
  private readonly dropped = new NumberLog();
  private readonly droppedParts = new RefLog<unknown>();

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
    const kinds = gt.map(storageKind);
    const wordsKeyed = !intKeyed && !this.global && this.groupId === null && kinds.every((k) => k === 'i32' || k === 'i64');
    this.words = wordsKeyed ? new WordsKeyIndex(kinds.map((k) => k === 'i64')) : null;
    if (this.global) this.newGroup('', []);
  }

  get name(): string {
    return `Aggregate[${this.spec.groupCols.join(',')}]`;
  }

  private newGroup(key: unknown, row: Row | null): number {
    const fromFree = this.free.length > 0;
    let g: number;
    if (fromFree) g = this.free[this.free.length - 1];
    else {
      g = this.nextGid;
      // groups are the state that grows with the data: room for the next 65,536 must remain
      if ((g & (CHECK_EVERY - 1)) === 0 && g > 0 && this.guarded) {
        checkHeap(CHECK_EVERY, 64 + 64 * this.aggCols.length + (typeof key === 'string' ? 2 * key.length : 0), 'The groups of an aggregate');
        checkHeapUse(`with ${g} groups in an aggregate`);
      }
      if (g >= this.cap) this.grow(g + 1);
    }
    // nothing has changed before this point, whatever the checks above threw
    if (fromFree) this.free.pop();
    else this.nextGid++;
    if (this.undoing) this.created.push2(g, fromFree ? 1 : 0);
    this.count[g] = 0;
    this.keys[g] = key;
    this.rows[g] = row ?? [];
    this.reps[g] = this.groupId ? new Reps() : null;
    this.shownRow[g] = null;
    for (const a of this.aggCols) a.reset(g);
    this.index(key, g);
    this.live++;
    return g;
  }

  /**
   * Forget, without any output, the groups whose shown row has `closed(value of group column
   * c)`: windows a watermark has closed (closing_groups.ts), which nothing can change again;
   * `kept` sees the others' values. Their accumulators are released. Between steps only.
   */
  forgetGroups(c: number, closed: (v: Value) => boolean, kept?: (v: Value) => void): void {
    if (this.undoing) throw internalError('aggregate groups forgotten within an undoable step');
    for (let g = 0; g < this.nextGid; g++) {
      const shown = this.shownRow[g];
      if (this.keys[g] === undefined || shown == null) continue;
      if (!closed(shown[c])) {
        kept?.(shown[c]);
        continue;
      }
      this.shownRow[g] = null;
      this.count[g] = 0;
      for (const a of this.aggCols) a.reset(g);
      this.dropGroup(g);
    }
  }

  /** Point key, the key of group `of`, at group g (-1: at none). */
  private index(key: unknown, g: number, of = g): void {
    if (this.intIndex !== null) {
      if (key === null) this.nullGid = g;
      else this.intIndex.setHead(key, g);
      return;
    }
    if (g < 0) this.mapIndex!.delete(key);
    else this.mapIndex!.set(key, g);
    const row = this.words !== null ? this.rows[of]! : null;
    if (row !== null && !row.includes(null)) {
      this.words!.wordsOfValues(row);
      this.words!.set(g);
    }
  }

  private dropGroup(g: number): void {
    const key = this.keys[g];
    if (this.undoing) {
      this.dropped.push(g);
      this.droppedParts.push(key);
      this.droppedParts.push(this.rows[g]);
      this.droppedParts.push(this.reps[g]);
    }
    this.index(key, -1, g);
    this.keys[g] = undefined;
    this.rows[g] = null;
    this.reps[g] = null;
    this.live--;
    this.free.push(g);
  }

  /** Before an undoable step first changes existing group g: what rollback restores. */
  private saveGroup(g: number): void {
    this.saved.push2(g, this.count[g]);
    this.savedRows.push(this.shownRow[g]);
    if (this.groupId !== null) {
      this.savedIds.push(this.shownId[g]);
      this.savedIds.push(this.reps[g]!.clone());
    }
    for (const a of this.aggCols) a.save(g);
  }

  /**
   * Undo an undoable step, in the reverse order of its changes: groups dropped come back,
   * touched ones get their saved state, created ones go.
   */
  override rollback(): boolean {
    if (!this.undoing) return true;
    let exact = true;
    for (let k = this.dropped.length - 1; k >= 0; k--) {
      const g = this.dropped.at(k);
      if (this.free.pop() !== g) throw internalError('aggregate rollback: free list out of order');
      const key = this.droppedParts.at(3 * k);
      this.keys[g] = key;
      this.rows[g] = this.droppedParts.at(3 * k + 1) as Row | null;
      this.reps[g] = this.droppedParts.at(3 * k + 2) as Reps | null;
      this.index(key, g);
      this.live++;
    }
    for (const a of this.aggCols) if (!a.rollback()) exact = false;
    for (let k = this.savedRows.length - 1; k >= 0; k--) {
      const g = this.saved.at(2 * k);
      this.count[g] = this.saved.at(2 * k + 1);
      this.shownRow[g] = this.savedRows.at(k);
      if (this.groupId !== null) {
        this.shownId[g] = this.savedIds.at(2 * k);
        this.reps[g] = this.savedIds.at(2 * k + 1) as Reps;
      }
      this.touchedFlag[g] = 0;
    }
    for (let k = this.created.length - 2; k >= 0; k -= 2) {
      const g = this.created.at(k);
      this.index(this.keys[g], -1, g);
      this.keys[g] = undefined;
      this.rows[g] = null;
      this.reps[g] = null;
      this.shownRow[g] = null;
      this.touchedFlag[g] = 0;
      this.live--;
      if (this.created.at(k + 1) === 1) this.free.push(g);
      else if (--this.nextGid !== g) throw internalError('aggregate rollback: group ids out of order');
    }
    this.started = this.startedBefore;
    this.clearUndo();
    return exact;
  }

  override settle(): void {
    if (this.undoing) {
      for (const a of this.aggCols) a.settle();
      this.clearUndo();
    }
    this.closing?.release((closed, kept) => this.forgetGroups(this.closing!.col, closed, kept));
  }

  /** Groups by a window a watermark closes: forgotten once closed (closing_groups.ts). */
  closing: ClosingGroups | null = null;

  private clearUndo(): void {
    this.undoing = false;
    this.created.clear();
    this.saved.clear();
    this.savedRows.clear();
    this.savedIds.clear();
    this.dropped.clear();
    this.droppedParts.clear();
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
    if (ctx.undoable && !this.undoing) {
      this.undoing = true;
      this.startedBefore = this.started;
      for (const a of this.aggCols) a.journal();
    }
    const undoing = this.undoing;
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
    else this.lookupKeys(b, m);
    // 2. the touched groups, in order of first appearance
    const flag = this.touchedFlag;
    const touched = this.touched;
    let nTouched = 0;
    if (!this.started) {
      this.started = true;
      if (this.global) {
        flag[0] = 1;
        touched[nTouched++] = 0;
        if (undoing) this.saveGroup(0);
      }
    }
    const cnt = this.count;
    for (let k = 0; k < m; k++) {
      const i = order[k];
      const g = gids[i];
      if (flag[g] === 0) {
        flag[g] = 1;
        touched[nTouched++] = g;
        // a group that existed before this step has rows (or is the global one)
        if (undoing && (cnt[g] !== 0 || this.global)) this.saveGroup(g);
      }
      cnt[g] += w[i];
    }
    if (this.groupId !== null) this.addReps(b, m, nIns);
    // 3. the aggregates, one column at a time
    for (const a of this.aggCols) a.addRows(b, order, m, gids, nIns);
    const out = this.emit(nTouched);
    this.closing?.observe(out);
    return out;
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

  private lookupKeys(b: Batch, m: number): void {
    const gcols = this.spec.groupCols;
    const groupRow = (i: number) => gcols.map((c) => getValue(b.columns[c], i));
    const { gids, order, words } = this;
    for (let k = 0; k < m; k++) {
      const i = order[k];
      if (words !== null && !hasNullAt(b, i, gcols)) {
        words.wordsOfRow(b, gcols, i);
        const g = words.get();
        // (every group whose key has no NULL is in `words`: a miss is a new group)
        gids[i] = g >= 0 ? g : this.newGroup(this.groupKey(b, i), groupRow(i));
        continue;
      }
      const key = this.groupKey(b, i);
      let g = this.mapIndex!.get(key) ?? -1;
      if (g < 0) g = this.newGroup(key, this.groupId ? null : groupRow(i));
      gids[i] = g;
    }
  }

  /** Representations of the group columns: retractions first, so an updated row's moves behind the others (reps.ts). */
  private addReps(b: Batch, m: number, nIns: number): void {
    const gcols = this.spec.groupCols;
    const groupRow = (i: number) => gcols.map((c) => getValue(b.columns[c], i));
    const groupId = this.groupId!;
    const { gids, order } = this;
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

  /**
   * Checkpoint (state_io.ts), between steps. Group ids are kept as they are (the free list in
   * its order too), so the loaded operator numbers its next groups as this one would:
   *   u32 number of aggregates (checked on load), bool started, u32 next group id,
   *   i32s free ids, f64s row count of each live group (ascending ids);
   *   per live group: its key (a value); without representations its shown flag (the shown
   *   row is the group's row) and, under a Map index, its group column values; with them its
   *   representations (reps_state.ts, rows as ng values) and, when shown, the shown row's
   *   values and identity key;
   *   then each aggregate column's state for the live groups (agg_columns.ts).
   */
  saveState(w: StateWriter): void {
    if (this.undoing) throw internalError('aggregate checkpoint within an undoable step');
    const ng = this.spec.groupCols.length;
    const live = this.liveGids();
    w.u32(this.aggCols.length);
    w.bool(this.started);
    w.u32(this.nextGid);
    w.i32s(this.free);
    const counts = new Float64Array(live.length);
    for (let k = 0; k < live.length; k++) counts[k] = this.count[live[k]];
    w.f64s(counts);
    const rowsSaved = this.groupId === null && this.mapIndex !== null && !this.global;
    for (let k = 0; k < live.length; k++) {
      const g = live[k];
      w.value(this.keys[g] as KeyPart);
      const shown = this.shownRow[g];
      if (this.groupId === null) {
        if (shown !== null && shown !== this.rows[g]) throw internalError('aggregate checkpoint: a shown row that is not its group row');
        w.bool(shown !== null);
        if (rowsSaved) for (let c = 0; c < ng; c++) w.value(this.rows[g]![c]);
        continue;
      }
      saveReps(w, this.reps[g]!, (w, row) => {
        for (let c = 0; c < ng; c++) w.value(row[c]);
      });
      w.bool(shown !== null);
      if (shown !== null) {
        for (let c = 0; c < ng; c++) w.value(shown[c]);
        w.value(this.shownId[g] as KeyPart);
      }
    }
    for (const a of this.aggCols) a.saveState(w, live);
  }

  /** Read what saveState wrote, into an operator of the same spec that has run no step. */
  loadState(r: StateReader): void {
    if (this.started || this.nextGid !== (this.global ? 1 : 0) || this.undoing) throw internalError('aggregate checkpoint loaded into a used operator');
    this.closing?.restored();
    const ng = this.spec.groupCols.length;
    if (r.u32() !== this.aggCols.length) throw internalError('aggregate checkpoint of another shape');
    const started = r.bool();
    const nextGid = r.u32();
    const free = r.i32s();
    // forget the fresh global group: it is in the checkpoint
    this.mapIndex?.clear();
    this.words?.clear();
    this.nextGid = nextGid;
    this.free.length = 0;
    for (const g of free) this.free.push(g);
    if (nextGid > this.cap) this.grow(nextGid);
    const live = this.liveGids();
    const counts = r.f64s();
    if (counts.length !== live.length) throw internalError('aggregate checkpoint: group counts differ');
    const readRow = (r: StateReader): Row => {
      const row: Value[] = new Array(ng);
      for (let c = 0; c < ng; c++) row[c] = r.value();
      return row;
    };
    const rowsSaved = this.groupId === null && this.mapIndex !== null && !this.global;
    for (let k = 0; k < live.length; k++) {
      const g = live[k];
      const key = r.value();
      this.count[g] = counts[k];
      this.keys[g] = key;
      this.shownRow[g] = null;
      if (this.groupId === null) {
        const shown = r.bool();
        this.rows[g] = rowsSaved ? readRow(r) : this.global ? [] : [key];
        this.reps[g] = null;
        if (shown) this.shownRow[g] = this.rows[g];
      } else {
        this.rows[g] = [];
        const reps = (this.reps[g] = loadReps(r, readRow));
        if (r.bool()) {
          this.shownRow[g] = readRow(r);
          const id = (this.shownId[g] = r.value());
          // emit() compares the pick with the shown row as objects, then by identity key with
          // ===, which a NaN key fails: when the keys agree, show the pick's own object, as the
          // saved operator did (or a row of the very same representation, which acts alike).
          const picked = reps.pickedId;
          if (picked !== undefined && (picked === id || (picked !== picked && id !== id))) this.shownRow[g] = reps.pick();
        }
      }
      this.index(key, g);
    }
    this.live = live.length;
    this.started = started;
    for (const a of this.aggCols) a.loadState(r, live);
  }

  /** Ids of the groups that exist, ascending. */
  private liveGids(): Int32Array {
    const isFree = new Uint8Array(this.nextGid);
    for (const g of this.free) isFree[g] = 1;
    const out = new Int32Array(this.nextGid - this.free.length);
    let n = 0;
    for (let g = 0; g < this.nextGid; g++) if (isFree[g] === 0) out[n++] = g;
    if (n !== out.length) throw internalError('aggregate: free group ids out of step');
    return out;
  }
}
