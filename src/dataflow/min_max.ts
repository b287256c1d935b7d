// MIN/MAX accumulators under inserts and deletes: an ordered multiset of the values, O(log n)
// per change and O(1) to read.
//
// Ties between values that are equal but print differently (numeric 1.5 and 1.50, float 0 and
// -0, interval '1 day' and '24 hours') are decided as PostgreSQL's transition functions decide
// them: numeric_larger, float8smaller, interval_larger, … return their second (new) argument on
// a tie, so the result is the tie scanned last; bpchar_larger/bpchar_smaller return the first.
// Rows arrive in scan order (creation order: an UPDATE writes a new version at the end), so
// "scanned last" is the representation inserted most recently, and "scanned first" the one
// present longest. A deletion does not move a representation: with several copies of it, the
// deleted copy is assumed not to be the deciding one (rows carry no creation time).

import type { SqlType } from '../sql/types.js';
import type { Value } from '../expr/value.js';
import { comparator, compareFloat, identityKeyFn, type KeyFn } from '../expr/compare.js';
import { OrderedMultiset } from './ordered_multiset.js';
import { identityIsEquality } from './reps.js';
import type { Acc } from './accumulators.js';
import type { StateReader, StateWriter } from './state_io.js';
import { internalError } from '../errors.js';

export function minMaxAcc(t: SqlType, isMax: boolean, insertOnly = false): () => Acc {
  if (insertOnly) {
    const cmp = t.id === 'float4' || t.id === 'float8' ? (compareFloat as (a: Value, b: Value) => number) : comparator(t);
    // PostgreSQL's *_larger/*_smaller keep the new value on a tie, bpchar's the old one
    const latest = t.id !== 'bpchar';
    return () => new ExtremeAcc(cmp, isMax, latest);
  }
  if (t.id === 'float4' || t.id === 'float8') return () => new FloatMinMaxAcc(isMax);
  if (identityIsEquality(t)) {
    const cmp = comparator(t);
    return () => new PlainMinMaxAcc(cmp, isMax);
  }
  const cmp = comparator(t);
  const id = identityKeyFn(t);
  const latest = t.id !== 'bpchar';
  return () => new RepMinMaxAcc(cmp, id, isMax, latest);
}

/**
 * Over an input that never retracts: only the extreme so far (no multiset: a value a later row
 * cannot take away need not be kept). A retraction here is an internal error.
 */
class ExtremeAcc implements Acc {
  private best: Value = null;
  constructor(
    private readonly cmp: (a: Value, b: Value) => number,
    private readonly isMax: boolean,
    private readonly latest: boolean,
  ) {}
  add(v: Value, w: number): void {
    if (w < 0) throw internalError('a value was taken back from a MIN/MAX over an input that only inserts');
    if (w === 0 || v === null) return;
    if (this.best === null) {
      this.best = v;
      return;
    }
    const c = this.cmp(v, this.best);
    if ((this.isMax ? c > 0 : c < 0) || (c === 0 && this.latest)) this.best = v;
  }
  result(): Value {
    return this.best;
  }
  clone(): Acc {
    return Object.assign(Object.create(ExtremeAcc.prototype), this);
  }
  /** A marker first: the state of a MIN/MAX that keeps a multiset (a count first) is refused, never misread. */
  saveState(w: StateWriter): void {
    w.u32(EXTREME_MARK);
    w.value(this.best);
  }
  loadState(r: StateReader): void {
    if (r.u32() !== EXTREME_MARK) throw internalError('a checkpoint holds another kind of MIN/MAX state');
    this.best = r.value();
  }
}

const EXTREME_MARK = 0xe7e7e7e7;

/** Types whose equal values are identical: no tie to decide. */
class PlainMinMaxAcc implements Acc {
  private readonly set: OrderedMultiset<Value>;
  /** In an undoable step: (value, weight) of each change. */
  private log: Value[] | null = null;
  constructor(
    cmp: (a: Value, b: Value) => number,
    private readonly isMax: boolean,
  ) {
    this.set = new OrderedMultiset<Value>(cmp);
  }
  add(v: Value, w: number): void {
    this.set.add(v, w);
    this.log?.push(v, w);
  }
  journal(): void {
    this.log = [];
  }
  rollback(): void {
    const log = this.log ?? [];
    for (let k = log.length - 2; k >= 0; k -= 2) this.set.add(log[k], -(log[k + 1] as number));
    this.log = null;
  }
  commitStep(): void {
    this.log = null;
  }
  result(): Value {
    return (this.isMax ? this.set.max() : this.set.min()) ?? null;
  }
  /** The values in order (as values), then their counts. */
  saveState(w: StateWriter): void {
    w.u32(this.set.size);
    const counts = new Float64Array(this.set.size);
    let k = 0;
    for (const [v, n] of this.set.entries()) {
      w.value(v);
      counts[k++] = n;
    }
    w.f64s(counts);
  }
  loadState(r: StateReader): void {
    const vs: Value[] = [];
    for (let k = r.u32(); k > 0; k--) vs.push(r.value());
    this.set.loadSorted(vs, r.f64s());
  }
}

/** float4/float8: only zero has two representations, tracked beside the multiset. */
class FloatMinMaxAcc implements Acc {
  private readonly set = new OrderedMultiset<number>(compareFloat);
  private posZeros = 0;
  private negZeros = 0;
  /** Insertion clock values of the latest +0 and -0. */
  private posStamp = 0;
  private negStamp = 0;
  private clock = 0;
  /** In an undoable step: the scalars before it, then (value, weight) of each change. */
  private log: number[] | null = null;
  constructor(private readonly isMax: boolean) {}

  journal(): void {
    this.log = [this.posZeros, this.negZeros, this.posStamp, this.negStamp, this.clock];
  }
  rollback(): void {
    const log = this.log;
    this.log = null;
    if (log === null) return;
    for (let k = log.length - 2; k >= 5; k -= 2) this.set.add(log[k], -log[k + 1]);
    [this.posZeros, this.negZeros, this.posStamp, this.negStamp, this.clock] = log;
  }
  commitStep(): void {
    this.log = null;
  }

  add(v: Value, w: number): void {
    const x = v as number;
    this.log?.push(x === 0 ? 0 : x, w);
    if (x === 0) {
      if (1 / x < 0) {
        this.negZeros += w;
        if (w > 0) this.negStamp = ++this.clock;
      } else {
        this.posZeros += w;
        if (w > 0) this.posStamp = ++this.clock;
      }
      this.set.add(0, w);
    } else this.set.add(x, w);
  }

  result(): Value {
    const x = this.isMax ? this.set.max() : this.set.min();
    if (x === undefined) return null;
    if (x !== 0) return x;
    if (this.negZeros > 0 && (this.posZeros === 0 || this.negStamp > this.posStamp)) return -0;
    return 0;
  }

  /** The values in order and their counts (f64s each), then the zeros' counts and stamps and the clock. */
  saveState(w: StateWriter): void {
    const n = this.set.size;
    const vs = new Float64Array(n);
    const counts = new Float64Array(n);
    let k = 0;
    for (const [v, c] of this.set.entries()) {
      vs[k] = v;
      counts[k++] = c;
    }
    w.f64s(vs);
    w.f64s(counts);
    w.f64s([this.posZeros, this.negZeros, this.posStamp, this.negStamp, this.clock]);
  }
  loadState(r: StateReader): void {
    const vs = r.f64s();
    this.set.loadSorted(Array.from(vs), r.f64s());
    [this.posZeros, this.negZeros, this.posStamp, this.negStamp, this.clock] = r.f64s();
  }
}

interface RepEntry {
  v: Value;
  count: number;
  stamp: number;
}

/**
 * One multiset element per representation, ordered by value and then by stamp so that the
 * deciding tie sits at the end read: the latest insertion (or, for bpchar, the representation
 * present longest).
 */
class RepMinMaxAcc implements Acc {
  private readonly set: OrderedMultiset<RepEntry>;
  private readonly byId = new Map<unknown, RepEntry>();
  private clock = 0;
  /** In an undoable step: each change, with what the entry was before it. */
  private log: { k: unknown; e: RepEntry; existed: boolean; count: number; stamp: number; clock: number }[] | null = null;
  constructor(
    cmp: (a: Value, b: Value) => number,
    private readonly id: KeyFn,
    private readonly isMax: boolean,
    private readonly latest: boolean,
  ) {
    // the winning tie must be the extreme element: last for max, first for min
    const dir = isMax === latest ? 1 : -1;
    this.set = new OrderedMultiset<RepEntry>((a, b) => cmp(a.v, b.v) || dir * (a.stamp - b.stamp));
  }

  journal(): void {
    this.log = [];
  }
  /** Undo newest first: an entry is in the set with its count exactly while the count is positive. */
  rollback(): void {
    const log = this.log ?? [];
    this.log = null;
    for (let j = log.length - 1; j >= 0; j--) {
      const { k, e, existed, count, stamp, clock } = log[j];
      if (e.count > 0) this.set.add(e, -e.count);
      e.count = count;
      e.stamp = stamp;
      if (count > 0) this.set.add(e, count);
      if (!existed) this.byId.delete(k);
      else this.byId.set(k, e);
      this.clock = clock;
    }
  }
  commitStep(): void {
    this.log = null;
  }

  add(v: Value, w: number): void {
    const k = this.id(v);
    let e = this.byId.get(k);
    const existed = e !== undefined;
    if (e === undefined) {
      e = { v, count: 0, stamp: 0 };
      this.byId.set(k, e);
    }
    this.log?.push({ k, e, existed, count: e.count, stamp: e.stamp, clock: this.clock });
    // the multiset holds the representations present (count > 0); counts may dip below zero
    // within a step, as bpchar's callers apply retractions first (an update moves a row last)
    const before = e.count;
    const after = (e.count += w);
    // (already the latest insertion: nothing to move)
    const restamp = before <= 0 || (this.latest && w > 0 && e.stamp !== this.clock);
    if (before > 0 && (after <= 0 || restamp)) this.set.add(e, -before); // its key may change
    if (after > 0) {
      if (restamp) {
        e.stamp = ++this.clock;
        this.set.add(e, after);
      } else this.set.add(e, w);
    } else if (after === 0) this.byId.delete(k);
  }

  result(): Value {
    const e = this.isMax ? this.set.max() : this.set.min();
    return e === undefined ? null : e.v;
  }

  /**
   * The clock, then every representation (value, count, stamp): those present in the order
   * of the multiset, then any whose count is not positive. Its identity key is computed again
   * on load.
   */
  saveState(w: StateWriter): void {
    w.f64(this.clock);
    w.u32(this.byId.size);
    let n = 0;
    for (const [e, count] of this.set.entries()) {
      if (count !== e.count) throw internalError('MIN/MAX: a representation is held with another count');
      this.writeEntry(w, e);
      n++;
    }
    for (const e of this.byId.values()) {
      if (e.count > 0) continue;
      this.writeEntry(w, e);
      n++;
    }
    if (n !== this.byId.size) throw internalError('MIN/MAX: representations out of step with their multiset');
  }
  private writeEntry(w: StateWriter, e: RepEntry): void {
    w.value(e.v);
    w.f64(e.count);
    w.f64(e.stamp);
  }
  loadState(r: StateReader): void {
    this.clock = r.f64();
    // those present come first, in the multiset's order
    const present: RepEntry[] = [];
    const counts: number[] = [];
    for (let k = r.u32(); k > 0; k--) {
      const v = r.value();
      const e: RepEntry = { v, count: r.f64(), stamp: r.f64() };
      this.byId.set(this.id(v), e);
      if (e.count > 0) {
        present.push(e);
        counts.push(e.count);
      }
    }
    this.set.loadSorted(present, counts);
  }
}
