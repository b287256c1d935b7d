// Ordering, equality and hash keys of values, per type, with PostgreSQL's semantics:
// - numeric 1.0 = 1.00 (equal, same group), though they print differently;
// - float: NaN equals NaN and sorts above every other value; -0 = 0;
// - bpchar: trailing blanks are insignificant; text compares by code point (C collation);
// - interval: compared as a span with 1 month = 30 days and 1 day = 24 hours.
//
// Two key kinds: an *equality key* (SQL equality: grouping, joins, DISTINCT) and an
// *identity key* (exact representation: Z-set consolidation must not merge 1.0 and 1.00).

import type { SqlType } from '../sql/types.js';
import type { Value } from './value.js';
import type { Decimal } from './numeric.js';
import type { Interval } from './interval.js';
import type { Jsonb } from './jsonb.js';
import { arrayKey, type PgArray } from './array.js';
import { elementType } from '../sql/types.js';
import { recordDescriptor, type PgRecord } from './record.js';

export type Comparator = (a: Value, b: Value) => number;

/** Compare two non-null values of type t: negative, zero or positive. */
export function comparator(t: SqlType): Comparator {
  const et = elementType(t);
  if (et) {
    // array_cmp: element by element (NULL above every value), then length, then lower bound
    const ec = comparator(et);
    return (a, b) => {
      const x = a as PgArray;
      const y = b as PgArray;
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const p = x.elems[i];
        const q = y.elems[i];
        if (p === null || q === null) {
          if (p !== q) return p === null ? 1 : -1;
          continue;
        }
        const c = ec(p, q);
        if (c !== 0) return c;
      }
      return x.length !== y.length ? x.length - y.length : x.lower - y.lower;
    };
  }
  if (t.id === 'record') {
    // record_cmp: field by field, NULL above every value
    const d = recordDescriptor(t);
    const cmps = d ? d.types.map(comparator) : [];
    return (a, b) => {
      const x = (a as PgRecord).fields;
      const y = (b as PgRecord).fields;
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const p = x[i];
        const q = y[i];
        if (p === null || q === null) {
          if (p !== q) return p === null ? 1 : -1;
          continue;
        }
        const c = (cmps[i] ?? compareText)(p, q);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    };
  }
  switch (t.id) {
    case 'int2':
    case 'int4':
    case 'date':
    case 'oid':
    case 'regclass':
    case 'regtype':
    case 'regproc':
    case 'regnamespace':
    case 'regrole':
      return (a, b) => ((a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0);
    case 'int8':
    case 'timestamp':
    case 'timestamptz':
      return (a, b) => ((a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0);
    case 'float4':
    case 'float8':
      return compareFloat as Comparator;
    case 'bool':
      return (a, b) => (a === b ? 0 : a ? 1 : -1);
    case 'numeric':
      return (a, b) => (a as Decimal).compare(b as Decimal);
    case 'interval':
      return (a, b) => (a as Interval).compare(b as Interval);
    case 'bpchar':
      return (a, b) => compareText(rtrim(a as string), rtrim(b as string));
    case 'jsonb':
      return (a, b) => (a as Jsonb).compare(b as Jsonb);
    default:
      return compareText as Comparator;
  }
}

export function compareFloat(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  // at least one NaN: NaN sorts last and equals NaN
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  return an === bn ? 0 : an ? 1 : -1;
}

/** Code-point order, as PostgreSQL's C collation (UTF-8 byte order) gives. */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (astral code points) are above all BMP code points in UTF-8 order,
      // but UTF-16 code units put them below U+E000..U+FFFF.
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1;
      return x < y ? -1 : 1;
    }
  }
  return a.length - b.length;
}

function rtrim(s: string): string {
  let e = s.length;
  while (e > 0 && s.charCodeAt(e - 1) === 32) e--;
  return e === s.length ? s : s.slice(0, e);
}

export type KeyFn = (v: Value) => string | number | bigint | boolean | null;

/** A Map key such that equalityKey(a) === equalityKey(b) iff a = b in SQL (both non-null). */
export function equalityKeyFn(t: SqlType): KeyFn {
  if (t.id === 'record') {
    const d = recordDescriptor(t);
    const keys = d ? d.types.map(equalityKeyFn) : [];
    return (v) => (v === null ? null : JSON.stringify((v as PgRecord).fields.map((f, i) => { const k = f === null ? null : keys[i](f); return typeof k === 'bigint' ? `${k}n` : k; })));
  }
  const et = elementType(t);
  if (et) {
    const ek = equalityKeyFn(et);
    return (v) => (v === null ? null : arrayKey(v as PgArray, ek));
  }
  switch (t.id) {
    case 'float4':
    case 'float8':
      // -0 and 0 are the same Map key already (SameValueZero), and so are NaN and NaN
      return (v) => v as number;
    case 'numeric':
      return (v) => (v === null ? null : (v as Decimal).normalizedKey());
    case 'interval':
      return (v) => (v === null ? null : (v as Interval).equalityKey());
    case 'bpchar':
      return (v) => (v === null ? null : rtrim(v as string));
    case 'jsonb':
      return (v) => (v === null ? null : (v as Jsonb).key());
    default:
      return (v) => v as string | number | bigint | boolean | null;
  }
}

/** A Map key for the exact representation of a value (consolidation, row identity). */
export function identityKeyFn(t: SqlType): KeyFn {
  if (t.id === 'record') {
    const d = recordDescriptor(t);
    const keys = d ? d.types.map(identityKeyFn) : [];
    return (v) => (v === null ? null : JSON.stringify((v as PgRecord).fields.map((f, i) => { const k = f === null ? null : keys[i](f); return typeof k === 'bigint' ? `${k}n` : k; })));
  }
  const et = elementType(t);
  if (et) {
    const ek = identityKeyFn(et);
    return (v) => (v === null ? null : arrayKey(v as PgArray, ek));
  }
  switch (t.id) {
    case 'float4':
    case 'float8':
      // keep -0 apart from 0 (they print differently); NaN is one key
      return (v) => (v === 0 && 1 / (v as number) < 0 ? '-0' : (v as number));
    case 'numeric':
      return (v) => (v === null ? null : (v as Decimal).toString());
    case 'interval':
      return (v) => (v === null ? null : (v as Interval).identityKey());
    case 'jsonb':
      // its text: 1.0 and 1.00 are equal but print differently
      return (v) => (v === null ? null : (v as Jsonb).toString());
    default:
      return (v) => v as string | number | bigint | boolean | null;
  }
}

/**
 * Key of a whole row (or of several key columns) as one string, built from per-column keys.
 * Single-column keys are returned unencoded (number/string/bigint) for speed.
 */
export function compositeKeyFn(types: readonly SqlType[], kind: 'equality' | 'identity'): (vals: readonly Value[]) => unknown {
  const fns = types.map(kind === 'equality' ? equalityKeyFn : identityKeyFn);
  if (fns.length === 1) {
    const f = fns[0];
    return (vals) => f(vals[0]);
  }
  return (vals) => {
    let s = '';
    for (let i = 0; i < fns.length; i++) s += encodePart(fns[i](vals[i]));
    return s;
  };
}

/** Unambiguous string encoding of one key part (type-tagged, length-prefixed strings). */
export function encodePart(k: string | number | bigint | boolean | null): string {
  switch (typeof k) {
    case 'number':
      return 'n' + k + ';';
    case 'bigint':
      return 'b' + k + ';';
    case 'boolean':
      return k ? 't;' : 'f;';
    case 'string':
      return 's' + k.length + ':' + k;
    default:
      return 'N;';
  }
}
