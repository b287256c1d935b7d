// Per-group aggregate accumulators with inverses: each add(v, w) adds value v with signed
// multiplicity w in O(1) (O(log n) for MIN/MAX), so a group is never re-scanned.
// NULL inputs are filtered by the caller (count(*) receives null for every row).

import type { SqlType } from '../sql/types.js';
import type { Value } from '../expr/value.js';
import { comparator, equalityKeyFn, identityKeyFn, type KeyFn } from '../expr/compare.js';
import { Decimal } from '../expr/numeric.js';
import { Interval } from '../expr/interval.js';
import { internalError, outOfRange, SqlError, SQLSTATE } from '../errors.js';
import { ExactFloatSum } from './exact_sum.js';
import { OrderedMultiset } from './ordered_multiset.js';

export type AggFn = 'count_star' | 'count' | 'sum' | 'avg' | 'min' | 'max' | 'bool_and' | 'bool_or';

export interface AggSpec {
  fn: AggFn;
  /** Input column (ignored for count_star). */
  arg: number;
  argType: SqlType;
  resultType: SqlType;
  distinct: boolean;
}

export interface Acc {
  add(v: Value, w: number): void;
  result(): Value;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

class CountAcc implements Acc {
  n = 0;
  add(_v: Value, w: number): void {
    this.n += w;
  }
  result(): Value {
    return BigInt(this.n);
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
}

/** Numeric sum/avg: Decimal sum of finite inputs, counts of NaN/±Infinity, count per scale. */
class NumericSumAcc implements Acc {
  private sum = Decimal.ZERO;
  private cnt = 0;
  private nan = 0;
  private pinf = 0;
  private ninf = 0;
  private readonly scales = new Map<number, number>();
  private maxScale = 0;
  constructor(private readonly avg: boolean) {}

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
}

class FloatSumAcc implements Acc {
  private readonly sum = new ExactFloatSum();
  private cnt = 0;
  constructor(private readonly mode: 'float4' | 'float8' | 'avg') {}

  add(v: Value, w: number): void {
    this.cnt += w;
    this.sum.add(v as number, w);
  }

  result(): Value {
    if (this.cnt === 0) return null;
    const s = this.sum.value();
    if (this.mode === 'avg') return s / this.cnt;
    if (this.mode === 'float8') return s;
    const f = Math.fround(s);
    if (!Number.isFinite(f) && Number.isFinite(s)) throw new SqlError(SQLSTATE.NUMERIC_VALUE_OUT_OF_RANGE, 'value out of range: overflow');
    return f;
  }
}

class IntervalSumAcc implements Acc {
  private sum: Interval | null = null;
  private cnt = 0;
  constructor(private readonly avg: boolean) {}

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
}

class MinMaxAcc implements Acc {
  private readonly set: OrderedMultiset<Value>;
  constructor(
    t: SqlType,
    private readonly isMax: boolean,
  ) {
    const cmp = comparator(t);
    const id = identityKeyFn(t);
    // ties (1.0 vs 1.00) broken by representation so each is counted separately
    this.set = new OrderedMultiset<Value>((a, b) => cmp(a, b) || tieBreak(id, a, b));
  }
  add(v: Value, w: number): void {
    this.set.add(v, w);
  }
  result(): Value {
    return (this.isMax ? this.set.max() : this.set.min()) ?? null;
  }
}

function tieBreak(id: KeyFn, a: Value, b: Value): number {
  const x = String(id(a));
  const y = String(id(b));
  return x < y ? -1 : x > y ? 1 : 0;
}

class BoolAcc implements Acc {
  private t = 0;
  private f = 0;
  constructor(private readonly isAnd: boolean) {}
  add(v: Value, w: number): void {
    if (v === true) this.t += w;
    else this.f += w;
  }
  result(): Value {
    if (this.t + this.f === 0) return null;
    return this.isAnd ? this.f === 0 : this.t > 0;
  }
}

/** DISTINCT: feeds the inner accumulator one copy of each distinct (SQL-equal) value. */
class DistinctAcc implements Acc {
  private readonly seen = new Map<unknown, { v: Value; n: number }>();
  constructor(
    private readonly inner: Acc,
    private readonly key: KeyFn,
  ) {}
  add(v: Value, w: number): void {
    const k = this.key(v);
    const e = this.seen.get(k);
    if (e === undefined) {
      if (w < 0) throw internalError('DISTINCT aggregate: negative count');
      this.seen.set(k, { v, n: w });
      this.inner.add(v, 1);
      return;
    }
    e.n += w;
    if (e.n === 0) {
      this.seen.delete(k);
      this.inner.add(e.v, -1);
    } else if (e.n < 0) throw internalError('DISTINCT aggregate: negative count');
  }
  result(): Value {
    return this.inner.result();
  }
}

/** A factory of fresh accumulators for one aggregate. */
export function accFactory(spec: AggSpec): () => Acc {
  const base = baseFactory(spec);
  if (!spec.distinct || spec.fn === 'count_star' || spec.fn === 'min' || spec.fn === 'max') return base;
  const key = equalityKeyFn(spec.argType);
  return () => new DistinctAcc(base(), key);
}

function baseFactory(spec: AggSpec): () => Acc {
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
          return () => new FloatSumAcc(avg ? 'avg' : 'float4');
        case 'float8':
          return () => new FloatSumAcc(avg ? 'avg' : 'float8');
        case 'interval':
          return () => new IntervalSumAcc(avg);
        default:
          throw internalError(`${spec.fn}(${t}) is not an aggregate`);
      }
    }
    case 'min':
    case 'max':
      return () => new MinMaxAcc(spec.argType, spec.fn === 'max');
    case 'bool_and':
    case 'bool_or':
      return () => new BoolAcc(spec.fn === 'bool_and');
  }
}
