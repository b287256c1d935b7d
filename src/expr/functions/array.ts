// Array functions and operators (one-dimensional arrays, expr/array.ts), registered per array
// type so that resolution and its errors follow PostgreSQL's for concrete types; plus the
// internal constructors the binder inserts for ARRAY[...], subscripts and `op ANY/ALL (array)`.

import { arrayTypeIds, elementType, T, type as mkType, type SqlType, type TypeId } from '../../sql/types.js';
import { PgArray } from '../array.js';
import { checkArraySize } from '../limits.js';
import { formatValue } from '../format.js';
import { comparator, equalityKeyFn } from '../compare.js';
import type { Value } from '../value.js';
import { fn, impls, op, err, SQLSTATE, type FunctionImpl } from './core.js';
import { getFunctionImpl } from './registry.js';

const A = (v: Value) => v as PgArray;

for (const id of arrayTypeIds()) {
  const at = mkType(id);
  const et = elementType(at)!;
  const out = (e: Value) => formatValue(e, et)!;
  fn('array_to_string', {
    name: `array_to_string${id}`,
    args: [at, T.text],
    returns: T.text,
    eval: (v) => A(v[0]).elems.filter((x) => x !== null).map(out).join(v[1] as string),
  });
  fn('array_to_string', {
    name: `array_to_string_null${id}`,
    args: [at, T.text, T.text],
    returns: T.text,
    strict: false,
    eval: (v) => {
      if (v[0] === null || v[1] === null) return null;
      return A(v[0]).elems.filter((x) => x !== null || v[2] !== null).map((x) => (x === null ? (v[2] as string) : out(x))).join(v[1] as string);
    },
  });
  const dim = (v: Value[], f: (a: PgArray) => number): Value => (A(v[0]).length === 0 || v[1] !== 1 ? null : f(A(v[0])));
  fn('array_length', { name: `array_length${id}`, args: [at, T.int4], returns: T.int4, eval: (v) => dim(v, (a) => a.length) });
  fn('array_lower', { name: `array_lower${id}`, args: [at, T.int4], returns: T.int4, eval: (v) => dim(v, (a) => a.lower) });
  fn('array_upper', { name: `array_upper${id}`, args: [at, T.int4], returns: T.int4, eval: (v) => dim(v, (a) => a.lower + a.length - 1) });
  fn('array_ndims', { name: `array_ndims${id}`, args: [at], returns: T.int4, eval: (v) => (A(v[0]).length === 0 ? null : 1) });
  fn('cardinality', { name: `cardinality${id}`, args: [at], returns: T.int4, eval: (v) => A(v[0]).length });
  // array || array (array_cat keeps the non-NULL side); array || element and element ||
  // array are bound by the binder (bind_expr.ts bindArrayConcat) with PostgreSQL's
  // anycompatible rules, which concrete per-type operators would not reproduce
  const cat: FunctionImpl['eval'] = (v) => {
    if (v[0] === null) return v[1];
    if (v[1] === null) return v[0];
    const a = A(v[0]);
    const b = A(v[1]);
    if (a.length === 0) return b;
    checkArraySize(a.length + b.length);
    return new PgArray([...a.elems, ...b.elems], a.lower);
  };
  op('||', { name: `array_cat${id}`, args: [at, at], returns: at, strict: false, eval: cat });
  fn('array_cat', { name: `array_cat${id}`, args: [at, at], returns: at, strict: false, eval: cat });
  const append: FunctionImpl['eval'] = (v) => {
    if (v[0] === null) return new PgArray([v[1]]);
    checkArraySize(A(v[0]).length + 1);
    return new PgArray([...A(v[0]).elems, v[1]], A(v[0]).lower);
  };
  // array_prepend keeps the array's lower bound ('[0:1]={1,2}' gives '[0:2]={0,1,2}')
  const prepend: FunctionImpl['eval'] = (v) => {
    if (v[1] === null) return new PgArray([v[0]]);
    checkArraySize(A(v[1]).length + 1);
    return new PgArray([v[0], ...A(v[1]).elems], A(v[1]).lower);
  };
  fn('array_append', { name: `array_append${id}`, args: [at, et], returns: at, strict: false, eval: append });
  fn('array_prepend', { name: `array_prepend${id}`, args: [et, at], returns: at, strict: false, eval: prepend });

  const cmp = comparator(at);
  const key = equalityKeyFn(at);
  op('=', { name: `array_eq${id}`, args: [at, at], returns: T.bool, eval: (v) => key(v[0]) === key(v[1]) });
  op('<>', { name: `array_ne${id}`, args: [at, at], returns: T.bool, eval: (v) => key(v[0]) !== key(v[1]) });
  op('<', { name: `array_lt${id}`, args: [at, at], returns: T.bool, eval: (v) => cmp(v[0], v[1]) < 0 });
  op('>', { name: `array_gt${id}`, args: [at, at], returns: T.bool, eval: (v) => cmp(v[0], v[1]) > 0 });
  op('<=', { name: `array_le${id}`, args: [at, at], returns: T.bool, eval: (v) => cmp(v[0], v[1]) <= 0 });
  op('>=', { name: `array_ge${id}`, args: [at, at], returns: T.bool, eval: (v) => cmp(v[0], v[1]) >= 0 });
  fn('array_position', {
    name: `array_position${id}`,
    args: [at, et],
    returns: T.int4,
    strict: false,
    eval: (v) => {
      if (v[0] === null) return null;
      const ek = equalityKeyFn(et);
      const k = v[1] === null ? null : ek(v[1]);
      const i = A(v[0]).elems.findIndex((e) => (e === null ? k === null : k !== null && ek(e) === k));
      return i < 0 ? null : i + A(v[0]).lower;
    },
  });
}

// --- internal implementations the binder inserts (no SQL name) ---

/** ARRAY[a, b, …]: NULL elements are kept. */
export const ARRAY_CONSTRUCT = 'array_construct';
impls.set(ARRAY_CONSTRUCT, { name: ARRAY_CONSTRUCT, argTypes: [], variadic: true, returns: T.unknown, strict: false, eval: (v) => new PgArray(v.slice()) });

/** a[i]: NULL outside the bounds. */
export const ARRAY_SUBSCRIPT = 'array_subscript';
impls.set(ARRAY_SUBSCRIPT, { name: ARRAY_SUBSCRIPT, argTypes: [], returns: T.unknown, strict: true, eval: (v) => A(v[0]).at(v[1] as number) });

/**
 * `x op ANY (array)` / `x op ALL (array)` over the resolved operator implementation `opImpl`
 * (ScalarArrayOpExpr): ANY is true if some comparison is true, else NULL if some was NULL;
 * ALL is false if some comparison is false, else NULL if some was NULL.
 */
export function scalarArrayOp(opImpl: string, all: boolean): string {
  const name = `${all ? 'all' : 'any'}:${opImpl}`;
  if (!impls.has(name)) {
    const f = getFunctionImpl(opImpl);
    impls.set(name, {
      name,
      argTypes: [],
      returns: T.bool,
      strict: false,
      eval: (v) => {
        if (v[1] === null) return null;
        const x = v[0];
        let sawNull = false;
        for (const e of A(v[1]).elems) {
          const r = x === null || (e === null && f.strict) ? null : f.eval([x, e]);
          if (r === null) sawNull = true;
          else if (r !== all) return !all;
        }
        return sawNull ? null : all;
      },
    });
  }
  return name;
}

void SQLSTATE;
void err;
export type { SqlType, TypeId };
