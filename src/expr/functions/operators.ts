// Operators over our types, mirroring pg_operator: same-type and cross-type integer and
// float arithmetic and comparisons, numeric, date/time arithmetic, text concatenation.
// Pattern-matching and jsonb operators live in string.ts and jsonb.ts.

import { SqlError, divisionByZero } from '../../errors.js';
import type { SqlType, TypeId } from '../../sql/types.js';
import { comparator } from '../compare.js';
import { Decimal } from '../numeric.js';
import { Interval } from '../interval.js';
import type { Value } from '../value.js';
import {
  dateMinusDate, datePlusDays, dateToTimestamp, timestampMinus, timestampMinusInterval, timestampPlusInterval,
} from '../datetime.js';
import { formatValue } from '../format.js';
import { ANY, T, op } from './core.js';
import { checkInt, checkInt8, dpow, floatArith, intArith, widerInt, type IntId } from './arith.js';
import { bytesPerUnit, checkStringLength } from '../limits.js';

const INTS: IntId[] = ['int2', 'int4', 'int8'];
const SHORT: Record<string, string> = { int2: '2', int4: '4', int8: '8', float4: '4', float8: '8' };
const ARITH = [['+', 'pl'], ['-', 'mi'], ['*', 'mul'], ['/', 'div']] as const;

function t(id: TypeId): SqlType {
  return T[id];
}

// --- integer arithmetic ---
for (const a of INTS) {
  for (const b of INTS) {
    const r = widerInt(a, b);
    const name = a === b ? a : `int${SHORT[a]}${SHORT[b]}`;
    for (const [sym, suf] of ARITH) {
      const f = intArith(sym, r);
      const eval2 = (x: Value, y: Value) => f(x as number, y as number);
      op(sym, { name: name + suf, args: [t(a), t(b)], returns: t(r), eval: (v) => eval2(v[0], v[1]), eval2 });
    }
  }
  const mod = intArith('%', a);
  const mod2 = (x: Value, y: Value) => mod(x as number, y as number);
  op('%', { name: a + 'mod', args: [t(a), t(a)], returns: t(a), eval: (v) => mod2(v[0], v[1]), eval2: mod2 });
  const neg =
    a === 'int8'
      ? (v: Value[]) => checkInt8(-(v[0] as bigint))
      : (v: Value[]) => checkInt(-(v[0] as number), a as 'int2' | 'int4');
  op('-', { name: a + 'um', args: [t(a)], returns: t(a), eval: neg });
  op('+', { name: a + 'up', args: [t(a)], returns: t(a), eval: (v) => v[0] });
  const absf =
    a === 'int8'
      ? (v: Value[]) => checkInt8((v[0] as bigint) < 0n ? -(v[0] as bigint) : (v[0] as bigint))
      : (v: Value[]) => checkInt(Math.abs(v[0] as number), a as 'int2' | 'int4');
  op('@', { name: a + 'abs', args: [t(a)], returns: t(a), eval: absf });
  // bitwise
  const big = a === 'int8';
  const wrap = (x: bigint): Value => (big ? BigInt.asIntN(64, x) : a === 'int4' ? Number(BigInt.asIntN(32, x)) : Number(BigInt.asIntN(16, x)));
  const B = (x: Value) => BigInt(x as number | bigint);
  op('&', { name: a + 'and', args: [t(a), t(a)], returns: t(a), eval: (v) => wrap(B(v[0]) & B(v[1])) });
  op('|', { name: a + 'or', args: [t(a), t(a)], returns: t(a), eval: (v) => wrap(B(v[0]) | B(v[1])) });
  op('#', { name: a + 'xor', args: [t(a), t(a)], returns: t(a), eval: (v) => wrap(B(v[0]) ^ B(v[1])) });
  op('~', { name: a + 'not', args: [t(a)], returns: t(a), eval: (v) => wrap(~B(v[0])) });
  const bits = big ? 64 : a === 'int4' ? 32 : 16;
  op('<<', { name: a + 'shl', args: [t(a), T.int4], returns: t(a), eval: (v) => wrap(B(v[0]) << BigInt(((v[1] as number) % bits + bits) % bits)) });
  op('>>', { name: a + 'shr', args: [t(a), T.int4], returns: t(a), eval: (v) => wrap(B(v[0]) >> BigInt(((v[1] as number) % bits + bits) % bits)) });
}

// --- float arithmetic (float4 op float8 is computed in float8) ---
const FLOATS = ['float4', 'float8'] as const;
for (const a of FLOATS) {
  for (const b of FLOATS) {
    const single = a === 'float4' && b === 'float4';
    const r = single ? 'float4' : 'float8';
    const name = a === b ? a : `float${SHORT[a]}${SHORT[b]}`;
    for (const [sym, suf] of ARITH) {
      const f = floatArith(sym, single);
      op(sym, { name: name + suf, args: [t(a), t(b)], returns: t(r), eval: (v) => f(v[0] as number, v[1] as number) });
    }
  }
  op('-', { name: a + 'um', args: [t(a)], returns: t(a), eval: (v) => -(v[0] as number) });
  op('+', { name: a + 'up', args: [t(a)], returns: t(a), eval: (v) => v[0] });
  op('@', { name: a + 'abs', args: [t(a)], returns: t(a), eval: (v) => Math.abs(v[0] as number) });
}
op('^', { name: 'dpow', args: [T.float8, T.float8], returns: T.float8, eval: (v) => dpow(v[0] as number, v[1] as number) });
op('|/', {
  name: 'dsqrt_op',
  args: [T.float8],
  returns: T.float8,
  eval: (v) => {
    const x = v[0] as number;
    if (x < 0) throw new SqlError('2201F', 'cannot take square root of a negative number');
    return Math.sqrt(x);
  },
});
op('||/', { name: 'dcbrt_op', args: [T.float8], returns: T.float8, eval: (v) => Math.cbrt(v[0] as number) });

// --- numeric ---
const N = T.numeric;
const D = (v: Value) => v as Decimal;
op('+', { name: 'numeric_add', args: [N, N], returns: N, eval: (v) => D(v[0]).add(D(v[1])) });
op('-', { name: 'numeric_sub', args: [N, N], returns: N, eval: (v) => D(v[0]).sub(D(v[1])) });
op('*', { name: 'numeric_mul', args: [N, N], returns: N, eval: (v) => D(v[0]).mul(D(v[1])) });
op('/', { name: 'numeric_div', args: [N, N], returns: N, eval: (v) => D(v[0]).div(D(v[1])) });
op('%', { name: 'numeric_mod', args: [N, N], returns: N, eval: (v) => D(v[0]).mod(D(v[1])) });
op('^', { name: 'numeric_power', args: [N, N], returns: N, eval: (v) => D(v[0]).power(D(v[1])) });
op('-', { name: 'numeric_uminus', args: [N], returns: N, eval: (v) => D(v[0]).neg() });
op('+', { name: 'numeric_uplus', args: [N], returns: N, eval: (v) => v[0] });
op('@', { name: 'numeric_abs_op', args: [N], returns: N, eval: (v) => D(v[0]).abs() });

// --- comparisons ---
type Cmp = (a: Value, b: Value) => number;
type Test = (a: Value, b: Value) => boolean;

/**
 * `cmp` null: JavaScript's operators compare these values exactly (integers, as numbers or
 * bigints in any mix), so no comparator is needed. `==` is meant: 1 == 1n.
 */
function cmpOps(prefix: string, a: SqlType, b: SqlType, cmp: Cmp | null): void {
  const ops: [string, string, Test][] = cmp === null
    ? [
        ['=', 'eq', (x, y) => x == y],
        ['<>', 'ne', (x, y) => x != y],
        ['<', 'lt', (x, y) => (x as number) < (y as number)],
        ['<=', 'le', (x, y) => (x as number) <= (y as number)],
        ['>', 'gt', (x, y) => (x as number) > (y as number)],
        ['>=', 'ge', (x, y) => (x as number) >= (y as number)],
      ]
    : [
        ['=', 'eq', (x, y) => cmp(x, y) === 0],
        ['<>', 'ne', (x, y) => cmp(x, y) !== 0],
        ['<', 'lt', (x, y) => cmp(x, y) < 0],
        ['<=', 'le', (x, y) => cmp(x, y) <= 0],
        ['>', 'gt', (x, y) => cmp(x, y) > 0],
        ['>=', 'ge', (x, y) => cmp(x, y) >= 0],
      ];
  for (const [sym, suf, test] of ops) {
    const def = { name: prefix + suf, args: [a, b], returns: T.bool, eval: (v: Value[]) => test(v[0], v[1]), eval2: test };
    op(sym, def);
    if (sym === '<>') op('!=', def);
  }
}

const SAME: TypeId[] = ['bool', 'int2', 'int4', 'int8', 'numeric', 'float4', 'float8', 'text', 'bpchar', 'date', 'timestamp', 'timestamptz', 'interval', 'jsonb'];
const PREFIX: Partial<Record<TypeId, string>> = {
  bool: 'bool', numeric: 'numeric_', text: 'text', bpchar: 'bpchar', date: 'date_', timestamp: 'timestamp_',
  timestamptz: 'timestamptz_', interval: 'interval_', jsonb: 'jsonb_',
};
for (const id of SAME) cmpOps(PREFIX[id] ?? id, t(id), t(id), (INTS as TypeId[]).includes(id) ? null : comparator(t(id)));
// system-catalog types: oid (the reg* types compare as oids through their implicit casts),
// name and "char" (both compare bytewise, as the C collation does)
cmpOps('oid', T.oid, T.oid, comparator(T.oid));
cmpOps('name', T.name, T.name, comparator(T.text));
cmpOps('char', T.char, T.char, comparator(T.text));

for (const a of INTS) for (const b of INTS) if (a !== b) cmpOps(`int${SHORT[a]}${SHORT[b]}`, t(a), t(b), null);
const cmpF = comparator(T.float8);
cmpOps('float48', T.float4, T.float8, cmpF);
cmpOps('float84', T.float8, T.float4, cmpF);

// date vs timestamp(tz): the date is widened to midnight
const toTs = (v: Value): bigint => (typeof v === 'number' ? dateToTimestampNoErr(v) : (v as bigint));
function dateToTimestampNoErr(d: number): bigint {
  try {
    return dateToTimestamp(d);
  } catch {
    return d < 0 ? -(2n ** 63n) : 2n ** 63n - 1n;
  }
}
const cmpTs: Cmp = (x, y) => {
  const a = toTs(x);
  const b = toTs(y);
  return a < b ? -1 : a > b ? 1 : 0;
};
cmpOps('date_ts', T.date, T.timestamp, cmpTs);
cmpOps('ts_date', T.timestamp, T.date, cmpTs);
cmpOps('date_tstz', T.date, T.timestamptz, cmpTs);
cmpOps('tstz_date', T.timestamptz, T.date, cmpTs);
cmpOps('ts_tstz', T.timestamp, T.timestamptz, cmpTs);
cmpOps('tstz_ts', T.timestamptz, T.timestamp, cmpTs);

// --- date / time arithmetic ---
const I = (v: Value) => v as Interval;
op('+', { name: 'date_pli', args: [T.date, T.int4], returns: T.date, eval: (v) => datePlusDays(v[0] as number, v[1] as number) });
op('+', { name: 'integer_pl_date', args: [T.int4, T.date], returns: T.date, eval: (v) => datePlusDays(v[1] as number, v[0] as number) });
op('-', { name: 'date_mii', args: [T.date, T.int4], returns: T.date, eval: (v) => datePlusDays(v[0] as number, -(v[1] as number)) });
op('-', { name: 'date_mi', args: [T.date, T.date], returns: T.int4, eval: (v) => dateMinusDate(v[0] as number, v[1] as number) });
op('+', { name: 'date_pl_interval', args: [T.date, T.interval], returns: T.timestamp, eval: (v) => timestampPlusInterval(dateToTimestamp(v[0] as number), I(v[1])) });
op('+', { name: 'interval_pl_date', args: [T.interval, T.date], returns: T.timestamp, eval: (v) => timestampPlusInterval(dateToTimestamp(v[1] as number), I(v[0])) });
op('-', { name: 'date_mi_interval', args: [T.date, T.interval], returns: T.timestamp, eval: (v) => timestampMinusInterval(dateToTimestamp(v[0] as number), I(v[1])) });
for (const ts of ['timestamp', 'timestamptz'] as const) {
  op('+', { name: ts + '_pl_interval', args: [t(ts), T.interval], returns: t(ts), eval: (v) => timestampPlusInterval(v[0] as bigint, I(v[1])) });
  op('+', { name: 'interval_pl_' + ts, args: [T.interval, t(ts)], returns: t(ts), eval: (v) => timestampPlusInterval(v[1] as bigint, I(v[0])) });
  op('-', { name: ts + '_mi_interval', args: [t(ts), T.interval], returns: t(ts), eval: (v) => timestampMinusInterval(v[0] as bigint, I(v[1])) });
  op('-', { name: ts + '_mi', args: [t(ts), t(ts)], returns: T.interval, eval: (v) => timestampMinus(v[0] as bigint, v[1] as bigint) });
}
op('+', { name: 'interval_pl', args: [T.interval, T.interval], returns: T.interval, eval: (v) => I(v[0]).add(I(v[1])) });
op('-', { name: 'interval_mi', args: [T.interval, T.interval], returns: T.interval, eval: (v) => I(v[0]).sub(I(v[1])) });
op('-', { name: 'interval_um', args: [T.interval], returns: T.interval, eval: (v) => I(v[0]).neg() });
op('*', { name: 'interval_mul', args: [T.interval, T.float8], returns: T.interval, eval: (v) => I(v[0]).mul(v[1] as number) });
op('*', { name: 'mul_d_interval', args: [T.float8, T.interval], returns: T.interval, eval: (v) => I(v[1]).mul(v[0] as number) });
op('/', {
  name: 'interval_div',
  args: [T.interval, T.float8],
  returns: T.interval,
  eval: (v) => {
    if (v[1] === 0) throw divisionByZero();
    return I(v[0]).div(v[1] as number);
  },
});

// --- text concatenation: text || text, and anynonarray || text / text || anynonarray ---
/** Text output of a value of type ty as a cast to text gives it. */
export function anyTextFn(ty: SqlType): (v: Value) => string {
  if (ty.id === 'bool') return (v) => (v ? 'true' : 'false');
  if (ty.id === 'bpchar') return (v) => (v as string).replace(/ +$/, '');
  return (v) => formatValue(v, ty) as string;
}
/**
 * a || b. A long result is checked against the heap first: JS builds it as a rope, but it is
 * flattened (allocated whole) as soon as it is read.
 */
function cat(a: string, b: string): string {
  if (a.length + b.length >= BIG_TEXT) checkStringLength(a.length + b.length, bytesPerUnit(a, b));
  return a + b;
}
const BIG_TEXT = 1 << 22;
op('||', { name: 'textcat', args: [T.text, T.text], returns: T.text, eval: (v) => cat(v[0] as string, v[1] as string) });
op('||', {
  name: 'anytextcat',
  args: [ANY, T.text],
  returns: T.text,
  eval: () => {
    throw new Error('anytextcat must be specialised');
  },
  evalFor: (ts) => {
    const f = anyTextFn(ts[0]);
    return (v) => cat(f(v[0]), v[1] as string);
  },
});
op('||', {
  name: 'textanycat',
  args: [T.text, ANY],
  returns: T.text,
  eval: () => {
    throw new Error('textanycat must be specialised');
  },
  evalFor: (ts) => {
    const f = anyTextFn(ts[1]);
    return (v) => cat(v[0] as string, f(v[1]));
  },
});
