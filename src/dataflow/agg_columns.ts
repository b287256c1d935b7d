// Aggregate state for all groups of an AggregateOp, one object per aggregate (not per group),
// indexed by dense group id. COUNT and integer SUM/AVG keep their state in typed arrays and
// read their input column straight from its typed storage — int8 through an Int32 view of the
// BigInt64Array, so no bigint is boxed while a value fits in a double exactly. Everything else
// wraps the per-group accumulators of accumulators.ts.

import type { Value } from '../expr/value.js';
import { Decimal } from '../expr/numeric.js';
import { getValue, LITTLE_ENDIAN, type Batch, type BatchBuilder, type Column } from './batch.js';
import { identityKeyFn, type KeyFn } from '../expr/compare.js';
import { NumberLog, RefLog } from './undo_log.js';
import { exactDouble } from './column_words.js';
import type { StateReader, StateWriter } from './state_io.js';
import { internalError } from '../errors.js';
import { DistinctCountColumn } from './distinct_count.js';
import { DEC_INT_LIMIT, DEC_SCALES } from './dec_column.js';
import { accFactory, intSumMode, intSumValue, retractionsFirst, type Acc, type AggSpec, type IntSumMode } from './accumulators.js';

export interface AggColumn {
  /** Group ids below cap are valid from now on. */
  reserve(cap: number): void;
  /** A new (or reused) group id starts from the empty state. */
  reset(gid: number): void;
  /**
   * Fold rows order[0..n) of b into groups gids[row], with the rows' weights. The first nIns
   * of order are the insertions, then come the retractions.
   */
  addRows(b: Batch, order: Int32Array, n: number, gids: Int32Array, nIns: number): void;
  result(gid: number): Value;
  /** Whether the current result differs (in representation) from the one last written out. */
  changed(gid: number): boolean;
  /**
   * Write the results of groups gids[0..n) into column c of out's rows at, at+1, …: the ones
   * last written out (to retract them), or the current ones, which then become the shown ones.
   */
  writeColumn(gids: Int32Array, n: number, current: boolean, out: BatchBuilder, c: number, at: number): void;
  /** An undoable step starts: save() keeps groups' states until rollback() or settle(). */
  journal(): void;
  /** Keep group gid's state (before the step changes it) for rollback(). */
  save(gid: number): void;
  /** Put back the saved states; false when some could not be (the view must be rebuilt). */
  rollback(): boolean;
  settle(): void;
  /**
   * Checkpoints (state_io.ts), outside an undoable step: write the state of groups gids, in
   * that order; loadState reads it into a fresh column for the same groups (reserved already).
   */
  saveState(w: StateWriter, gids: Int32Array): void;
  loadState(r: StateReader, gids: Int32Array): void;
}

/** a[gids[k]] for each k. */
function gather(a: Float64Array, gids: Int32Array): Float64Array {
  const out = new Float64Array(gids.length);
  for (let k = 0; k < gids.length; k++) out[k] = a[gids[k]];
  return out;
}

/** a[gids[k]] = the k-th of the numbers read. */
function scatter(r: StateReader, a: Float64Array, gids: Int32Array): void {
  const xs = r.f64s();
  if (xs.length !== gids.length) throw internalError('aggregate checkpoint: group counts differ');
  for (let k = 0; k < gids.length; k++) a[gids[k]] = xs[k];
}

export function aggColumn(spec: AggSpec): AggColumn {
  if (spec.distinct && spec.fn === 'count') return new DistinctCountColumn(spec);
  if (!spec.distinct) {
    if (spec.fn === 'count_star') return new CountColumn(-1);
    if (spec.fn === 'count') return new CountColumn(spec.arg);
    const t = spec.argType.id;
    if ((spec.fn === 'sum' || spec.fn === 'avg') && (t === 'int2' || t === 'int4' || (t === 'int8' && LITTLE_ENDIAN))) {
      return new IntSumColumn(spec.arg, intSumMode(spec));
    }
  }
  return new GenericColumn(spec);
}

/** a, or a copy at least cap long (doubling). */
export function grown(a: Float64Array<ArrayBuffer>, cap: number): Float64Array<ArrayBuffer> {
  if (a.length >= cap) return a;
  let n = Math.max(a.length * 2, 64);
  while (n < cap) n *= 2;
  const b = new Float64Array(n);
  b.set(a);
  return b;
}

/** Whether row i of column col is NULL. */
function isNull(col: Column, i: number): boolean {
  return col.kind === 'any' ? (col.data as Value[])[i] === null : col.nulls !== null && col.nulls[i] === 1;
}

class CountColumn implements AggColumn {
  private n = new Float64Array(0);
  private shown = new Float64Array(0);
  /** Triples (gid, n, shown) saved in an undoable step. */
  private readonly saved = new NumberLog();
  /** arg < 0: count(*). */
  constructor(private readonly arg: number) {}
  journal(): void {}
  save(gid: number): void {
    this.saved.push3(gid, this.n[gid], this.shown[gid]);
  }
  rollback(): boolean {
    const v = this.saved;
    for (let k = v.length - 3; k >= 0; k -= 3) {
      this.n[v.at(k)] = v.at(k + 1);
      this.shown[v.at(k)] = v.at(k + 2);
    }
    v.clear();
    return true;
  }
  settle(): void {
    this.saved.clear();
  }
  reserve(cap: number): void {
    this.n = grown(this.n, cap);
    this.shown = grown(this.shown, cap);
  }
  reset(gid: number): void {
    this.n[gid] = 0;
    this.shown[gid] = 0;
  }
  changed(gid: number): boolean {
    return this.n[gid] !== this.shown[gid];
  }
  writeColumn(gids: Int32Array, n: number, current: boolean, out: BatchBuilder, c: number, at: number): void {
    const shown = this.shown;
    const cur = this.n;
    for (let k = 0; k < n; k++) {
      const g = gids[k];
      if (current) shown[g] = cur[g];
      if (LITTLE_ENDIAN) out.setInt64At(c, at + k, shown[g]);
      else out.setAt(c, at + k, BigInt(shown[g]));
    }
  }
  addRows(b: Batch, order: Int32Array, len: number, gids: Int32Array): void {
    const n = this.n;
    const w = b.weights;
    if (this.arg < 0) {
      for (let k = 0; k < len; k++) {
        const i = order[k];
        n[gids[i]] += w[i];
      }
      return;
    }
    const col = b.columns[this.arg];
    for (let k = 0; k < len; k++) {
      const i = order[k];
      if (!isNull(col, i)) n[gids[i]] += w[i];
    }
  }
  result(gid: number): Value {
    return BigInt(this.n[gid]);
  }
  /** The counts and the shown counts, f64s each. */
  saveState(w: StateWriter, gids: Int32Array): void {
    w.f64s(gather(this.n, gids));
    w.f64s(gather(this.shown, gids));
  }
  loadState(r: StateReader, gids: Int32Array): void {
    scatter(r, this.n, gids);
    scatter(r, this.shown, gids);
  }
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Exact SUM/AVG of integers: a double per group while the running sum stays a safe integer,
 * spilling into a bigint (kept aside, per group) only when it would not.
 */
class IntSumColumn implements AggColumn {
  private sum = new Float64Array(0);
  private cnt = new Float64Array(0);
  private readonly big = new Map<number, bigint>();
  // the result last written out: its state and its value
  private shownSum = new Float64Array(0);
  private shownCnt = new Float64Array(0);
  private readonly shownBig = new Map<number, bigint>();
  private readonly shown: Value[] = [];
  /** Saved in an undoable step, per group: (id, sum, count, shown sum, shown count), the rest apart. */
  private readonly saved = new NumberLog();
  private readonly savedShown = new RefLog<Value>();
  /** (group id, sum's bigint part, shown sum's) for saved groups that have any. */
  private readonly savedBig = new RefLog<number | bigint | undefined>();
  constructor(
    private readonly arg: number,
    private readonly mode: IntSumMode,
  ) {}

  journal(): void {}
  save(g: number): void {
    this.saved.push5(g, this.sum[g], this.cnt[g], this.shownSum[g], this.shownCnt[g]);
    this.savedShown.push(this.shown[g]);
    if (this.big.size !== 0 || this.shownBig.size !== 0) {
      const big = this.big.get(g);
      const shownBig = this.shownBig.get(g);
      if (big !== undefined || shownBig !== undefined) {
        this.savedBig.push(g);
        this.savedBig.push(big);
        this.savedBig.push(shownBig);
      }
    }
  }
  rollback(): boolean {
    const v = this.saved;
    for (let k = this.savedShown.length - 1; k >= 0; k--) {
      const g = v.at(5 * k);
      this.sum[g] = v.at(5 * k + 1);
      this.cnt[g] = v.at(5 * k + 2);
      this.shownSum[g] = v.at(5 * k + 3);
      this.shownCnt[g] = v.at(5 * k + 4);
      this.shown[g] = this.savedShown.at(k);
      // bigint parts: none unless saved below
      if (this.big.size !== 0) this.big.delete(g);
      if (this.shownBig.size !== 0) this.shownBig.delete(g);
    }
    for (let k = 0; k < this.savedBig.length; k += 3) {
      const g = this.savedBig.at(k) as number;
      const big = this.savedBig.at(k + 1) as bigint | undefined;
      const shownBig = this.savedBig.at(k + 2) as bigint | undefined;
      if (big !== undefined) this.big.set(g, big);
      if (shownBig !== undefined) this.shownBig.set(g, shownBig);
    }
    this.settle();
    return true;
  }
  settle(): void {
    this.saved.clear();
    this.savedShown.clear();
    this.savedBig.clear();
  }
  reserve(cap: number): void {
    this.sum = grown(this.sum, cap);
    this.cnt = grown(this.cnt, cap);
    this.shownSum = grown(this.shownSum, cap);
    this.shownCnt = grown(this.shownCnt, cap);
  }
  reset(gid: number): void {
    this.sum[gid] = 0;
    this.cnt[gid] = 0;
    if (this.big.size !== 0) this.big.delete(gid);
    this.shownSum[gid] = 0;
    this.shownCnt[gid] = 0;
    if (this.shownBig.size !== 0) this.shownBig.delete(gid);
    this.shown[gid] = null;
  }

  changed(gid: number): boolean {
    const b = this.big.size === 0 ? undefined : this.big.get(gid);
    const sb = this.shownBig.size === 0 ? undefined : this.shownBig.get(gid);
    let sameTotal: boolean;
    if (b === undefined && sb === undefined) sameTotal = this.sum[gid] === this.shownSum[gid];
    else sameTotal = (b ?? 0n) + BigInt(this.sum[gid]) === (sb ?? 0n) + BigInt(this.shownSum[gid]);
    const sameCount = this.cnt[gid] === this.shownCnt[gid];
    if (this.mode !== 'avg') return !sameTotal || (this.cnt[gid] === 0) !== (this.shownCnt[gid] === 0);
    if (sameTotal && sameCount) return false;
    // different (sum, count) pairs can have the same average
    return !sameDecimal(this.result(gid), this.shown[gid]);
  }

  writeColumn(gids: Int32Array, n: number, current: boolean, out: BatchBuilder, c: number, at: number): void {
    const plain = this.mode !== 'avg';
    const dec = out.decColumn(c);
    const shownSum = this.shownSum;
    for (let k = 0; k < n; k++) {
      const g = gids[k];
      if (current) this.show(g);
      // a sum shown from its double alone: written without a Decimal or a bigint
      if (plain && this.shownCnt[g] !== 0 && (this.shownBig.size === 0 || !this.shownBig.has(g))) {
        const x = shownSum[g];
        if (dec !== null) {
          if (x < DEC_INT_LIMIT && x > -DEC_INT_LIMIT) dec[at + k] = x * DEC_SCALES;
          else out.setAt(c, at + k, Decimal.fromInt(x));
        } else if (LITTLE_ENDIAN) out.setInt64At(c, at + k, x);
        else out.setAt(c, at + k, BigInt(x));
      } else out.setAt(c, at + k, this.shown[g]);
    }
  }

  private show(gid: number): void {
    const b = this.big.size === 0 ? undefined : this.big.get(gid);
    // (a sum without a bigint part is written from shownSum: see writeColumn)
    this.shown[gid] = this.mode === 'avg' || b !== undefined ? this.result(gid) : null;
    this.shownSum[gid] = this.sum[gid];
    this.shownCnt[gid] = this.cnt[gid];
    if (b !== undefined) this.shownBig.set(gid, b);
    else if (this.shownBig.size !== 0) this.shownBig.delete(gid);
  }

  addRows(b: Batch, order: Int32Array, len: number, gids: Int32Array): void {
    const col = b.columns[this.arg];
    const nulls = col.nulls;
    const w = b.weights;
    const sum = this.sum;
    const cnt = this.cnt;
    if (col.kind === 'i32') {
      const d = col.data as Int32Array;
      for (let k = 0; k < len; k++) {
        const i = order[k];
        if (nulls !== null && nulls[i] === 1) continue;
        const g = gids[i];
        cnt[g] += w[i];
        this.addNumber(sum, g, d[i], w[i]);
      }
      return;
    }
    const d64 = col.data as BigInt64Array;
    // little-endian halves: [lo, hi] per value
    const halves = new Int32Array(d64.buffer, d64.byteOffset, d64.length * 2);
    for (let k = 0; k < len; k++) {
      const i = order[k];
      if (nulls !== null && nulls[i] === 1) continue;
      const g = gids[i];
      cnt[g] += w[i];
      const x = exactDouble(halves, i);
      if (x === x) this.addNumber(sum, g, x, w[i]);
      else this.addBig(g, d64[i] * BigInt(w[i]));
    }
  }

  private addNumber(sum: Float64Array, g: number, v: number, w: number): void {
    const p = v * w;
    const s = sum[g] + p;
    if (s <= MAX_SAFE && s >= -MAX_SAFE && p <= MAX_SAFE && p >= -MAX_SAFE) sum[g] = s;
    else this.addBig(g, BigInt(v) * BigInt(w));
  }

  private addBig(g: number, v: bigint): void {
    this.big.set(g, (this.big.get(g) ?? 0n) + v);
  }

  result(gid: number): Value {
    if (this.cnt[gid] === 0) return null;
    const extra = this.big.size === 0 ? undefined : this.big.get(gid);
    const s = BigInt(this.sum[gid]);
    return intSumValue(extra === undefined ? s : extra + s, this.cnt[gid], this.mode);
  }

  /**
   * Sums, counts, shown sums and shown counts (f64s each), then the bigint parts of the sums
   * and of the shown sums: their number, then (position in gids, value) each. The shown result
   * is computed again from its state, as show() computed it.
   */
  saveState(w: StateWriter, gids: Int32Array): void {
    if (this.saved.length !== 0) throw internalError('aggregate checkpoint within an undoable step');
    w.f64s(gather(this.sum, gids));
    w.f64s(gather(this.cnt, gids));
    w.f64s(gather(this.shownSum, gids));
    w.f64s(gather(this.shownCnt, gids));
    for (const big of [this.big, this.shownBig]) {
      let n = 0;
      for (let k = 0; k < gids.length; k++) if (big.has(gids[k])) n++;
      w.u32(n);
      if (n === 0) continue;
      for (let k = 0; k < gids.length; k++) {
        const b = big.get(gids[k]);
        if (b === undefined) continue;
        w.u32(k);
        w.value(b);
      }
    }
  }
  loadState(r: StateReader, gids: Int32Array): void {
    scatter(r, this.sum, gids);
    scatter(r, this.cnt, gids);
    scatter(r, this.shownSum, gids);
    scatter(r, this.shownCnt, gids);
    for (const big of [this.big, this.shownBig]) {
      big.clear();
      for (let n = r.u32(); n > 0; n--) {
        const k = r.u32();
        big.set(gids[k], r.value() as bigint);
      }
    }
    for (let k = 0; k < gids.length; k++) {
      const g = gids[k];
      if (this.shownCnt[g] === 0) this.shown[g] = null;
      else {
        const extra = this.shownBig.get(g);
        const s = BigInt(this.shownSum[g]);
        this.shown[g] = intSumValue(extra === undefined ? s : extra + s, this.shownCnt[g], this.mode);
      }
    }
  }
}

/** Any other aggregate: one accumulator object per group (tests check the others against it). */
export class GenericColumn implements AggColumn {
  private readonly accs: Acc[] = [];
  private readonly shown: Value[] = [];
  private readonly make: () => Acc;
  private readonly id: KeyFn;
  private readonly retractionsFirst: boolean;
  /** Saved in an undoable step, per group: (id, 1 when the accumulator logs its changes), the accumulator as it was, its shown result. */
  private readonly saved = new NumberLog();
  private readonly savedAccs = new RefLog<Acc>();
  private readonly savedShown = new RefLog<Value>();
  private exact = true;
  constructor(private readonly spec: AggSpec) {
    this.make = accFactory(spec);
    this.id = identityKeyFn(spec.resultType);
    this.retractionsFirst = retractionsFirst(spec);
  }
  journal(): void {
    this.exact = true;
  }
  /**
   * Small accumulators are copied: the step changes the copy and rollback puts the original
   * back. Big ones (MIN/MAX's ordered values) log their own changes instead.
   */
  save(g: number): void {
    const acc = this.accs[g];
    if (acc.clone !== undefined) this.accs[g] = acc.clone();
    else if (acc.journal !== undefined) acc.journal();
    else {
      this.exact = false;
      return;
    }
    this.saved.push2(g, acc.clone !== undefined ? 0 : 1);
    this.savedAccs.push(acc);
    this.savedShown.push(this.shown[g]);
  }
  rollback(): boolean {
    for (let k = this.savedAccs.length - 1; k >= 0; k--) {
      const g = this.saved.at(2 * k);
      const acc = this.savedAccs.at(k);
      if (this.saved.at(2 * k + 1) === 1) acc.rollback!();
      this.accs[g] = acc;
      this.shown[g] = this.savedShown.at(k);
    }
    this.clearSaved();
    return this.exact;
  }
  settle(): void {
    for (let k = 0; k < this.savedAccs.length; k++) if (this.saved.at(2 * k + 1) === 1) this.savedAccs.at(k).commitStep!();
    this.clearSaved();
  }
  private clearSaved(): void {
    this.saved.clear();
    this.savedAccs.clear();
    this.savedShown.clear();
  }
  reserve(_cap: number): void {}
  reset(gid: number): void {
    this.accs[gid] = this.make();
    this.shown[gid] = null;
  }
  changed(gid: number): boolean {
    const x = this.result(gid);
    const y = this.shown[gid];
    if (Object.is(x, y)) return false; // -0 is not 0 here
    if (x === null || y === null) return true;
    if (x instanceof Decimal && y instanceof Decimal) return !sameDecimal(x, y);
    return this.id(x) !== this.id(y);
  }
  writeColumn(gids: Int32Array, n: number, current: boolean, out: BatchBuilder, c: number, at: number): void {
    for (let k = 0; k < n; k++) {
      const g = gids[k];
      if (current) this.shown[g] = this.result(g);
      out.setAt(c, at + k, this.shown[g]);
    }
  }
  addRows(b: Batch, order: Int32Array, len: number, gids: Int32Array, nIns: number): void {
    const w = b.weights;
    const accs = this.accs;
    if (this.spec.fn === 'count_star') {
      for (let k = 0; k < len; k++) accs[gids[order[k]]].add(null, w[order[k]]);
      return;
    }
    if (this.retractionsFirst) {
      this.addRange(b, order, nIns, len, gids);
      this.addRange(b, order, 0, nIns, gids);
    } else this.addRange(b, order, 0, len, gids);
  }
  private addRange(b: Batch, order: Int32Array, from: number, to: number, gids: Int32Array): void {
    const w = b.weights;
    const accs = this.accs;
    const col = b.columns[this.spec.arg];
    for (let k = from; k < to; k++) {
      const i = order[k];
      const v = getValue(col, i);
      if (v !== null) accs[gids[i]].add(v, w[i]);
    }
  }
  result(gid: number): Value {
    return this.accs[gid].result();
  }

  /**
   * The shown result of each group, then (in a section of its own) each group's accumulator.
   * The shown results are the view's contents, so a restore loads them at once; the
   * accumulators (MIN/MAX keep every value) only the next step needs, so they may load later.
   */
  saveState(w: StateWriter, gids: Int32Array): void {
    if (this.savedAccs.length !== 0) throw internalError('aggregate checkpoint within an undoable step');
    for (let k = 0; k < gids.length; k++) w.value(this.shown[gids[k]]);
    w.section((w) => {
      for (let k = 0; k < gids.length; k++) this.accs[gids[k]].saveState(w);
    });
  }
  /** Each group's accumulator comes from the factory (its functions), then gets its data. */
  loadState(r: StateReader, gids: Int32Array): void {
    for (let k = 0; k < gids.length; k++) this.shown[gids[k]] = r.value();
    const accs = r.section();
    const self = this;
    r.later(`${this.spec.fn} accumulators`, function* () {
      for (let k = 0; k < gids.length; k++) {
        const acc = self.make();
        acc.loadState(accs);
        self.accs[gids[k]] = acc;
        yield; // a group's values can be many (MIN/MAX)
      }
    });
  }
}

/** Same digits and same display scale (1.0 and 1.00 are equal but print differently). */
function sameDecimal(x: Value, y: Value): boolean {
  if (!(x instanceof Decimal) || !(y instanceof Decimal)) return x === y;
  return x.coef === y.coef && x.scale === y.scale && x.special === y.special;
}
