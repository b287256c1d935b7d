// Checked arithmetic kernels shared by operators and functions: integer overflow and float
// overflow/underflow raise as PostgreSQL's int.c / float.c do.

import { SqlError, SQLSTATE, divisionByZero, outOfRange } from '../../errors.js';
import type { SqlType } from '../../sql/types.js';

export type IntId = 'int2' | 'int4' | 'int8';

const BOUNDS: Record<IntId, [number, number, string]> = {
  int2: [-32768, 32767, 'smallint'],
  int4: [-2147483648, 2147483647, 'integer'],
  int8: [0, 0, 'bigint'],
};
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

export function checkInt(x: number, id: 'int2' | 'int4'): number {
  const [min, max, name] = BOUNDS[id];
  if (x < min || x > max) throw outOfRange(name);
  return x === 0 ? 0 : x; // no -0
}

export function checkInt8(x: bigint): bigint {
  if (x < I64_MIN || x > I64_MAX) throw outOfRange('bigint');
  return x;
}

export function intName(id: IntId): string {
  return BOUNDS[id][2];
}

/** Integer arithmetic on the result type `r` (inputs already widened to it). */
export function intArith(opch: '+' | '-' | '*' | '/' | '%', r: IntId): (a: number | bigint, b: number | bigint) => number | bigint {
  if (r === 'int8') {
    return (x, y) => {
      const a = BigInt(x);
      const b = BigInt(y);
      switch (opch) {
        case '+':
          return checkInt8(a + b);
        case '-':
          return checkInt8(a - b);
        case '*':
          return checkInt8(a * b);
        case '/':
          if (b === 0n) throw divisionByZero();
          return checkInt8(a / b);
        case '%':
          if (b === 0n) throw divisionByZero();
          return a % b;
      }
    };
  }
  return (x, y) => {
    const a = x as number;
    const b = y as number;
    switch (opch) {
      case '+':
        return checkInt(a + b, r);
      case '-':
        return checkInt(a - b, r);
      case '*':
        return checkInt(a * b, r);
      case '/':
        if (b === 0) throw divisionByZero();
        return checkInt(Math.trunc(a / b), r);
      case '%':
        if (b === 0) throw divisionByZero();
        return (a % b) + 0;
    }
  };
}

function overflow(): SqlError {
  return new SqlError(SQLSTATE.NUMERIC_VALUE_OUT_OF_RANGE, 'value out of range: overflow');
}
function underflow(): SqlError {
  return new SqlError(SQLSTATE.NUMERIC_VALUE_OUT_OF_RANGE, 'value out of range: underflow');
}

export function floatCheck(r: number, infOk: boolean, zeroOk: boolean): number {
  if (r === Infinity || r === -Infinity) {
    if (!infOk) throw overflow();
  } else if (r === 0 && !zeroOk) throw underflow();
  return r;
}

/** float4 results are rounded to single precision and checked against its range. */
export function floatArith(opch: '+' | '-' | '*' | '/', single: boolean): (a: number, b: number) => number {
  const rnd = single ? Math.fround : (x: number) => x;
  const inf = (x: number) => x === Infinity || x === -Infinity;
  switch (opch) {
    case '+':
      return (a, b) => floatCheck(rnd(a + b), inf(a) || inf(b), true);
    case '-':
      return (a, b) => floatCheck(rnd(a - b), inf(a) || inf(b), true);
    case '*':
      return (a, b) => floatCheck(rnd(a * b), inf(a) || inf(b), a === 0 || b === 0);
    case '/':
      return (a, b) => {
        if (b === 0 && !Number.isNaN(a)) throw divisionByZero();
        return floatCheck(rnd(a / b), inf(a), a === 0 || inf(b));
      };
  }
}

/** PostgreSQL's dpow. */
export function dpow(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) || b !== 0 ? NaN : 1;
  if (Number.isNaN(b)) return a !== 1 ? NaN : 1;
  if (a === 0 && b < 0) throw new SqlError('2201F', 'zero raised to a negative power is undefined');
  if (a < 0 && Number.isFinite(b) && Math.floor(b) !== b) {
    throw new SqlError('2201F', 'a negative number raised to a non-integer power yields a complex result');
  }
  if (b === Infinity || b === -Infinity) {
    const aa = Math.abs(a);
    if (aa === 1) return 1;
    if (aa > 1) return b > 0 ? Infinity : 0;
    return b > 0 ? 0 : Infinity;
  }
  const r = Math.pow(a, b);
  const finiteIn = Number.isFinite(a) && Number.isFinite(b);
  if (!Number.isFinite(r) && finiteIn) throw overflow();
  if (r === 0 && a !== 0 && finiteIn) throw underflow();
  return r;
}

/** Widening order among integer types. */
export function widerInt(a: IntId, b: IntId): IntId {
  const o = { int2: 0, int4: 1, int8: 2 };
  return o[a] >= o[b] ? a : b;
}

export function isIntId(t: SqlType | string): t is IntId {
  const id = typeof t === 'string' ? t : t.id;
  return id === 'int2' || id === 'int4' || id === 'int8';
}
