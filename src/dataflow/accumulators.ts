// Per-group aggregate accumulators with inverses: each add(v, w) adds value v with signed
// multiplicity w in O(1) (O(log n) for MIN/MAX), so a group is never re-scanned.
// NULL inputs are filtered by the caller (count(*) receives null for every row).

import type { SqlType } from '../sql/types.js';
import type { Value } from '../expr/value.js';
import { equalityKeyFn, identityKeyFn, type KeyFn, type KeyPart } from '../expr/compare.js';
import { Decimal } from '../expr/numeric.js';
import { Interval } from '../expr/interval.js';
import { internalError, outOfRange, SqlError, SQLSTATE } from '../errors.js';
import { ExactFloatSum } from './exact_sum.js';
import { minMaxAcc } from './min_max.js';
import { Reps, identityIsEquality } from './reps.js';
import type { StateReader, StateWriter } from './state_io.js';
import { loadReps, saveReps } from './reps_state.js';

export type AggFn = 'count_star' | 'count' | 'sum' | 'avg' | 'min' | 'max' | 'bool_and' | 'bool_or';

export interface AggSpec {
  fn: AggFn;
  /** Input column (ignored for count_star). */
  arg: number;
  argType: SqlType;
  resultType: SqlType;
  distinct: boolean;
  /** The input never retracts (plan/insert_only.ts): MIN/MAX keep only the extreme. */
  insertOnly?: boolean;
}

export interface Acc {
  add(v: Value, w: number): void;
  result(): Value;
  /**
   * Undo support (a commit may fail after its step changed the accumulator): a small one
   * gives an independent copy, which the step changes instead of the original; a big one logs
   * its changes from journal() on, until rollback() or commitStep().
   */
  clone?(): Acc;
  journal?(): void;
  rollback?(): void;
  commitStep?(): void;
  /**
   * Checkpoints (state_io.ts): write the data the accumulator holds, outside an undoable step;
   * loadState reads it into a fresh accumulator of the same factory, which has its
   * configuration (mode, comparators, key functions) already.
   */
  saveState(w: StateWriter): void;
  loadState(r: StateReader): void;
}

/** A shallow copy with the same prototype: for accumulators whose fields are all immutable. */
function copyOf<T extends object>(a: T): T {
  return Object.assign(Object.create(Object.getPrototypeOf(a)), a);
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

class CountAcc implements Acc {
  n = 0;
  clone(): Acc {
    return copyOf(this);
  }
  add(_v: Value, w: number): void {
    this.n += w;
  }
  result(): Value {
    return BigInt(this.n);
  }
  saveState(w: StateWriter): void {
    w.f64(this.n);
  }
  loadState(r: StateReader): void {
    this.n = r.f64();
  }
}

export type IntSumMode = 'int8' | 'numeric' | 'avg';

/** How sum/avg of an int2/int4/int8 argument is typed (PostgreSQL: int8, numeric, numeric). */
export function intSumMode(spec: AggSpec): IntSumMode {
  return spec.fn === 'avg' ? 'avg' : spec.argType.id === 'int8' ? 'numeric' : 'int8';
}

/** The value of an exact integer sum of `count` (> 0) inputs, as its result type. */
export function intSumValue(total: bigint, count: number, mode: IntSumMode): Value {
  if (mode === 'int8') {
    if (total > INT8_MAX || total < INT8_MIN) throw outOfRange('bigint');
    return total;
  }
  const d = Decimal.fromBigInt(total);
  return mode === 'numeric' ? d : d.div(Decimal.fromInt(count));
}

/** Exact integer sum: a JS number while it stays safe, spilling into a bigint otherwise. */
class IntSumAcc implements Acc {
  n = 0;
  cnt = 0;
  big = 0n;
  constructor(private readonly mode: IntSumMode) {}

  clone(): Acc {
    return copyOf(this);
  }

  add(v: Value, w: number): void {
    this.cnt += w;
    if (typeof v === 'number') this.addNumber(v, w);
    else if ((v as bigint) <= 9007199254740991n && (v as bigint) >= -9007199254740991n) this.addNumber(Number(v), w);
    else this.big += (v as bigint) * BigInt(w);
  }

  private addNumber(v: number, w: number): void {
    const p = v * w;
    const s = this.n + p;
    if (s <= MAX_SAFE && s >= -MAX_SAFE && p <= MAX_SAFE && p >= -MAX_SAFE) this.n = s;
    else {
      this.big += BigInt(this.n) + BigInt(v) * BigInt(w);
      this.n = 0;
    }
  }

  total(): bigint {
    return this.big + BigInt(this.n);
  }

  result(): Value {
    return this.cnt === 0 ? null : intSumValue(this.total(), this.cnt, this.mode);
  }

  /** n and cnt as doubles, big as a value (it may pass int8's range). */
  saveState(w: StateWriter): void {
    w.f64(this.n);
    w.f64(this.cnt);
    w.value(this.big);
  }
  loadState(r: StateReader): void {
    this.n = r.f64();
    this.cnt = r.f64();
    this.big = r.value() as bigint;
  }
}

/** Numeric sum/avg: Decimal sum of finite inputs, counts of NaN/±Infinity, count per scale. */
class NumericSumAcc implements Acc {
  private sum = Decimal.ZERO;
  private cnt = 0;
  private nan = 0;
  private pinf = 0;
  private ninf = 0;
  private scales = new Map<number, number>();
  private maxScale = 0;
  constructor(private readonly avg: boolean) {}

  clone(): Acc {
    const c = copyOf(this);
    c.scales = new Map(this.scales);
    return c;
  }

  add(v: Value, w: number): void {
    const d = v as Decimal;
    this.cnt += w;
    if (d.special !== null) {
      if (d.special === 'nan') this.nan += w;
      else if (d.special === 'inf') this.pinf += w;
      else this.ninf += w;
      return;
    }
    this.sum = this.sum.add(w === 1 ? d : w === -1 ? d.neg() : d.mul(Decimal.fromInt(w)));
    const c = (this.scales.get(d.scale) ?? 0) + w;
    if (c === 0) {
      this.scales.delete(d.scale);
      if (d.scale === this.maxScale) {
        this.maxScale = 0;
        for (const s of this.scales.keys()) if (s > this.maxScale) this.maxScale = s;
      }
    } else {
      this.scales.set(d.scale, c);
      if (d.scale > this.maxScale) this.maxScale = d.scale;
    }
  }

  result(): Value {
    if (this.cnt === 0) return null;
    if (this.nan > 0 || (this.pinf > 0 && this.ninf > 0)) return Decimal.NAN;
    if (this.pinf > 0) return Decimal.INFINITY;
    if (this.ninf > 0) return Decimal.NEG_INFINITY;
    const s = this.sum.round(this.maxScale);
    return this.avg ? s.div(Decimal.fromInt(this.cnt)) : s;
  }

  /** The sum as a value (its scale too), the counts, then the scale counts in map order. */
  saveState(w: StateWriter): void {
    w.value(this.sum);
    w.f64(this.cnt);
    w.f64(this.nan);
    w.f64(this.pinf);
    w.f64(this.ninf);
    w.i32(this.maxScale);
    w.u32(this.scales.size);
    for (const [scale, n] of this.scales) {
      w.i32(scale);
      w.f64(n);
    }
  }
  loadState(r: StateReader): void {
    this.sum = r.value() as Decimal;
    this.cnt = r.f64();
    this.nan = r.f64();
    this.pinf = r.f64();
    this.ninf = r.f64();
    this.maxScale = r.i32();
    this.scales = new Map();
    for (let k = r.u32(); k > 0; k--) {
      const scale = r.i32();
      this.scales.set(scale, r.f64());
    }
  }
}

/**
 * Float sum/avg. PostgreSQL adds in scan order (float8pl/float4pl from the first value; avg's
 * float8_accum from 0, with its Youngs-Cramer Sxx), so the last bits and even an overflow
 * error depend on the order of the rows. While a group has only gained rows since it was last
 * empty, this replays exactly that arithmetic in arrival order, which for a table's rows is
 * scan order (creation order). After a retraction no order can be replayed: the result is the
 * correctly rounded sum of the current multiset (ExactFloatSum), and a sum is -0 exactly when
 * every value is -0, as float8pl gives. See docs/compatibility.md.
 */
class FloatSumAcc implements Acc {
  private exact = new ExactFloatSum();
  private cnt = 0;
  private negZeros = 0;
  /** Whether the group has only gained rows, in order: then the replayed state is current. */
  private ordered: boolean;
  private n = 0;
  private sx = 0;
  private sxx = 0;
  private overflow = false;
  constructor(
    private readonly mode: 'float4' | 'float8' | 'avg',
    private readonly replay = true,
  ) {
    this.ordered = replay;
  }

  clone(): Acc {
    const c = copyOf(this);
    c.exact = this.exact.clone();
    return c;
  }

  add(v: Value, w: number): void {
    const x = v as number;
    if (this.ordered) {
      if (w > 0 && w <= 1024) for (let k = 0; k < w; k++) this.replayAdd(x);
      else this.ordered = false;
    }
    this.cnt += w;
    this.exact.add(x, w);
    if (x === 0 && 1 / x < 0) this.negZeros += w;
    if (this.cnt === 0) {
      this.ordered = this.replay;
      this.n = this.sx = this.sxx = 0;
      this.overflow = false;
    }
  }

  /** One step of float8pl / float4pl (sum) or float8_accum (avg), overflow check included. */
  private replayAdd(x: number): void {
    const prev = this.sx;
    const n = ++this.n;
    if (this.mode !== 'avg') {
      if (n === 1) this.sx = x;
      else {
        const r = this.mode === 'float4' ? Math.fround(prev + x) : prev + x;
        if (isInf(r) && !isInf(prev) && !isInf(x)) this.overflow = true;
        this.sx = r;
      }
      return;
    }
    this.sx = prev + x;
    if (n > 1) {
      const tmp = x * n - this.sx;
      this.sxx += (tmp * tmp) / (n * (n - 1));
      if (isInf(this.sx) || isInf(this.sxx)) {
        if (!isInf(prev) && !isInf(x)) this.overflow = true;
        this.sxx = NaN;
      }
    } else if (!Number.isFinite(x)) this.sxx = NaN;
  }

  result(): Value {
    if (this.cnt === 0) return null;
    if (this.ordered) {
      if (this.overflow) throw new SqlError(SQLSTATE.NUMERIC_VALUE_OUT_OF_RANGE, 'value out of range: overflow');
      return this.mode === 'avg' ? this.sx / this.n : this.sx;
    }
    const s = this.exact.value();
    if (this.mode === 'avg') return (s + 0) / this.cnt; // float8_accum starts from 0: never -0 from -0s
    if (this.negZeros === this.cnt) return -0;
    if (this.mode === 'float8') return s;
    const f = Math.fround(s);
    if (!Number.isFinite(f) && Number.isFinite(s)) throw new SqlError(SQLSTATE.NUMERIC_VALUE_OUT_OF_RANGE, 'value out of range: overflow');
    return f;
  }

  /** The exact sum, the counts, then the replayed scan-order state bit for bit. */
  saveState(w: StateWriter): void {
    this.exact.saveState(w);
    w.f64(this.cnt);
    w.f64(this.negZeros);
    w.bool(this.ordered);
    w.f64(this.n);
    w.f64(this.sx);
    w.f64(this.sxx);
    w.bool(this.overflow);
  }
  loadState(r: StateReader): void {
    this.exact.loadState(r);
    this.cnt = r.f64();
    this.negZeros = r.f64();
    this.ordered = r.bool();
    this.n = r.f64();
    this.sx = r.f64();
    this.sxx = r.f64();
    this.overflow = r.bool();
  }
}

function isInf(x: number): boolean {
  return x === Infinity || x === -Infinity;
}

class IntervalSumAcc implements Acc {
  private sum: Interval | null = null;
  private cnt = 0;
  constructor(private readonly avg: boolean) {}

  clone(): Acc {
    return copyOf(this);
  }

  add(v: Value, w: number): void {
    const iv = v as Interval;
    this.cnt += w;
    let s = this.sum ?? Interval.ZERO;
    for (let k = 0; k < Math.abs(w); k++) s = w > 0 ? s.add(iv) : s.sub(iv);
    this.sum = s;
    if (this.cnt === 0) this.sum = null;
  }

  result(): Value {
    if (this.cnt === 0 || this.sum === null) return null;
    return this.avg ? this.sum.div(this.cnt) : this.sum;
  }

  saveState(w: StateWriter): void {
    w.value(this.sum);
    w.f64(this.cnt);
  }
  loadState(r: StateReader): void {
    this.sum = r.value() as Interval | null;
    this.cnt = r.f64();
  }
}

class BoolAcc implements Acc {
  private t = 0;
  private f = 0;
  constructor(private readonly isAnd: boolean) {}
  clone(): Acc {
    return copyOf(this);
  }
  add(v: Value, w: number): void {
    if (v === true) this.t += w;
    else this.f += w;
  }
  result(): Value {
    if (this.t + this.f === 0) return null;
    return this.isAnd ? this.f === 0 : this.t > 0;
  }
  saveState(w: StateWriter): void {
    w.f64(this.t);
    w.f64(this.f);
  }
  loadState(r: StateReader): void {
    this.t = r.f64();
    this.f = r.f64();
  }
}

/**
 * DISTINCT: feeds the inner accumulator one value per class of SQL-equal values. PostgreSQL
 * sorts a group's values and keeps the first of each run of equal ones; its sort is stable on
 * small inputs, so that is the representation of the earliest-created row. Where values can be
 * equal but print differently, each class keeps its representations in a Reps and feeds the
 * chosen one, swapping it (−old, +new) when the chosen one leaves; counts may then dip below
 * zero within a step, as the caller applies retractions first (see reps.ts).
 */
class DistinctAcc implements Acc {
  private readonly classes = new Map<unknown, DistinctClass>();
  private dirty: DistinctClass[] = [];
  /** In an undoable step (journal() to commitStep() or rollback()). */
  private journaling = false;
  /** The number of the undoable step under way: a class logged in it carries it in `savedAt`. */
  private epoch = 0;
  /**
   * Flat, LOG_WIDTH slots a class, the step's classes as they were before it first changed
   * them: the class, its key, then its n (CREATED: the step made it), fed, fedId, reps (a copy)
   * and dirty. Reused from step to step: groups are journaled by the thousand each step.
   */
  private readonly log: unknown[] = [];
  /** The dirty list before the step (null: it was empty). */
  private dirtyBefore: DistinctClass[] | null = null;
  /** The inner accumulator before the step (when it is copied rather than logged). */
  private innerBefore: Acc | null = null;
  constructor(
    private inner: Acc,
    private readonly key: KeyFn,
    /** Identity key, when representations can differ. */
    private readonly id: KeyFn | null,
  ) {}

  journal(): void {
    this.journaling = true;
    this.epoch++;
    this.dirtyBefore = this.dirty.length === 0 ? null : this.dirty.slice();
    for (const c of this.dirty) this.keep(c);
    if (this.inner.clone !== undefined) {
      this.innerBefore = this.inner;
      this.inner = this.inner.clone();
    } else this.inner.journal!();
  }

  rollback(): void {
    const log = this.log;
    for (let j = log.length - LOG_WIDTH; j >= 0; j -= LOG_WIDTH) {
      const c = log[j] as DistinctClass;
      const key = log[j + 1];
      if (log[j + 2] === CREATED) {
        if (this.classes.get(key) === c) this.classes.delete(key);
        continue;
      }
      c.n = log[j + 2] as number;
      c.fed = log[j + 3] as Value | undefined;
      c.fedId = log[j + 4];
      c.reps = log[j + 5] as Reps<Value> | null;
      c.dirty = log[j + 6] as boolean;
      this.classes.set(key, c);
    }
    this.dirty = this.dirtyBefore ?? [];
    if (this.innerBefore !== null) this.inner = this.innerBefore;
    else this.inner.rollback!();
    this.commitStep();
  }

  commitStep(): void {
    if (this.innerBefore === null && this.journaling) this.inner.commitStep!();
    this.journaling = false;
    this.log.length = 0;
    this.dirtyBefore = null;
    this.innerBefore = null;
  }

  /** Before the step first changes class c: keep what it was. */
  private keep(c: DistinctClass): void {
    if (c.savedAt === this.epoch) return;
    c.savedAt = this.epoch;
    this.log.push(c, c.key, c.n, c.fed, c.fedId, c.reps?.clone() ?? null, c.dirty);
  }

  /** A class created in an undoable step. */
  private created(c: DistinctClass): void {
    c.savedAt = this.epoch;
    this.log.push(c, c.key, CREATED, undefined, undefined, null, false);
  }

  add(v: Value, w: number): void {
    const k = this.key(v);
    let c = this.classes.get(k);
    if (c !== undefined && this.journaling) this.keep(c);
    if (this.id === null) {
      if (c === undefined) {
        if (w < 0) throw internalError('DISTINCT aggregate: negative count');
        const fresh = { key: k, n: w, fed: v, reps: null, dirty: false };
        this.classes.set(k, fresh);
        if (this.journaling) this.created(fresh);
        this.inner.add(v, 1);
        return;
      }
      c.n += w;
      if (c.n === 0) {
        this.classes.delete(k);
        this.inner.add(c.fed as Value, -1);
      } else if (c.n < 0) throw internalError('DISTINCT aggregate: negative count');
      return;
    }
    if (c === undefined) {
      c = { key: k, n: 0, fed: undefined, fedId: undefined, reps: new Reps<Value>(), dirty: false };
      this.classes.set(k, c);
      if (this.journaling) this.created(c);
    }
    c.n += w;
    c.reps!.add(this.id(v), () => v, w);
    if (!c.dirty) {
      c.dirty = true;
      this.dirty.push(c);
    }
  }

  /** Bring the inner accumulator up to date with the classes changed since the last call. */
  private flush(): void {
    for (const c of this.dirty) {
      c.dirty = false;
      if (c.n < 0) throw internalError('DISTINCT aggregate: negative count');
      const next = c.n > 0 ? c.reps!.pick() : null;
      const nextId = c.reps!.pickedId;
      if (c.fed !== undefined && (next === null || nextId !== c.fedId)) {
        this.inner.add(c.fed, -1);
        c.fed = undefined;
      }
      if (next !== null && c.fed === undefined) {
        this.inner.add(next, 1);
        c.fed = next;
        c.fedId = nextId;
      }
      if (c.n === 0) this.classes.delete(c.key);
    }
    this.dirty.length = 0;
  }

  result(): Value {
    if (this.dirty.length > 0) this.flush();
    return this.inner.result();
  }

  /**
   * The classes in map order (key, row count, the value fed and its identity, the
   * representations in their order of arrival), the classes not yet fed to the inner
   * accumulator (by position), then the inner accumulator. Nothing is flushed: a result that
   * would throw must throw after loading as it would have before.
   */
  saveState(w: StateWriter): void {
    if (this.journaling) throw internalError('DISTINCT aggregate: checkpoint within an undoable step');
    const at = new Map<DistinctClass, number>();
    w.u32(this.classes.size);
    for (const c of this.classes.values()) {
      at.set(c, at.size);
      w.value(c.key as KeyPart);
      w.f64(c.n);
      w.bool(c.dirty);
      w.bool(c.fed !== undefined);
      if (c.fed !== undefined) {
        w.value(c.fed);
        if (this.id !== null) w.value(c.fedId as KeyPart);
      }
      if (this.id !== null) saveReps(w, c.reps!, writeValue);
    }
    w.u32(this.dirty.length);
    for (const c of this.dirty) {
      const k = at.get(c);
      if (k === undefined) throw internalError('DISTINCT aggregate: a changed class is not in the group');
      w.u32(k);
    }
    this.inner.saveState(w);
  }

  loadState(r: StateReader): void {
    const byPos: DistinctClass[] = [];
    this.classes.clear();
    for (let k = r.u32(); k > 0; k--) {
      const key = r.value();
      const n = r.f64();
      const dirty = r.bool();
      const hasFed = r.bool();
      const fed = hasFed ? r.value() : undefined;
      const c: DistinctClass = { key, n, fed, reps: null, dirty };
      if (hasFed && this.id !== null) c.fedId = r.value();
      if (this.id !== null) c.reps = loadReps(r, readValue);
      this.classes.set(key, c);
      byPos.push(c);
    }
    this.dirty = [];
    for (let k = r.u32(); k > 0; k--) this.dirty.push(byPos[r.u32()]);
    this.inner.loadState(r);
  }
}

const writeValue = (w: StateWriter, v: Value): void => w.value(v);
const readValue = (r: StateReader): Value => r.value();

const LOG_WIDTH = 7;
const CREATED = Symbol('created');

interface DistinctClass {
  key: unknown;
  /** The undoable step that logged the class (DistinctAcc's epoch). */
  savedAt?: number;
  /** Number of rows of the class. */
  n: number;
  /** The value fed to the inner accumulator (undefined: none). */
  fed: Value | undefined;
  fedId?: unknown;
  reps: Reps<Value> | null;
  dirty: boolean;
}

/** A factory of fresh accumulators for one aggregate. */
export function accFactory(spec: AggSpec): () => Acc {
  if (!spec.distinct || spec.fn === 'count_star') return baseFactory(spec);
  // PostgreSQL sums DISTINCT values in sorted order, which an incremental sum cannot replay
  const base = baseFactory(spec, false);
  const key = equalityKeyFn(spec.argType);
  // count(DISTINCT) shows no value, so which representation is counted does not matter
  const id = spec.fn === 'count' || identityIsEquality(spec.argType) ? null : identityKeyFn(spec.argType);
  return () => new DistinctAcc(base(), key, id);
}

/**
 * Whether the accumulators of spec want a step's retractions before its insertions: those
 * that show the representation present longest (DISTINCT, bpchar's min/max), so that an
 * updated row's moves behind the others. The rest want insertions first, so that per-value
 * counts never dip below zero on unconsolidated deltas.
 */
export function retractionsFirst(spec: AggSpec): boolean {
  if (identityIsEquality(spec.argType)) return false;
  if (spec.distinct) return spec.fn !== 'count_star' && spec.fn !== 'count';
  return (spec.fn === 'min' || spec.fn === 'max') && spec.argType.id === 'bpchar';
}

function baseFactory(spec: AggSpec, replay = true): () => Acc {
  const t = spec.argType.id;
  switch (spec.fn) {
    case 'count_star':
    case 'count':
      return () => new CountAcc();
    case 'sum':
    case 'avg': {
      const avg = spec.fn === 'avg';
      switch (t) {
        case 'int2':
        case 'int4':
        case 'int8': {
          const mode = intSumMode(spec);
          return () => new IntSumAcc(mode);
        }
        case 'numeric':
          return () => new NumericSumAcc(avg);
        case 'float4':
          return () => new FloatSumAcc(avg ? 'avg' : 'float4', replay);
        case 'float8':
          return () => new FloatSumAcc(avg ? 'avg' : 'float8', replay);
        case 'interval':
          return () => new IntervalSumAcc(avg);
        default:
          throw internalError(`${spec.fn}(${t}) is not an aggregate`);
      }
    }
    case 'min':
    case 'max':
      return minMaxAcc(spec.argType, spec.fn === 'max', spec.insertOnly ?? false);
    case 'bool_and':
    case 'bool_or':
      return () => new BoolAcc(spec.fn === 'bool_and');
  }
}
