// Mathematical functions (PostgreSQL "Mathematical Functions and Operators").

import { SqlError, SQLSTATE, divisionByZero } from '../../errors.js';
import type { TypeId } from '../../sql/types.js';
import { Decimal } from '../numeric.js';
import { rint } from '../interval.js';
import type { Value } from '../value.js';
import { T, fn } from './core.js';
import { checkInt, checkInt8, dpow, floatCheck, intArith } from './arith.js';

const N = T.numeric;
const F = T.float8;
const D = (v: Value) => v as Decimal;
const X = (v: Value) => v as number;

// abs
fn('abs', { name: 'int2abs_f', args: [T.int2], returns: T.int2, eval: (v) => checkInt(Math.abs(X(v[0])), 'int2') });
fn('abs', { name: 'int4abs_f', args: [T.int4], returns: T.int4, eval: (v) => checkInt(Math.abs(X(v[0])), 'int4') });
fn('abs', {
  name: 'int8abs_f',
  args: [T.int8],
  returns: T.int8,
  eval: (v) => checkInt8((v[0] as bigint) < 0n ? -(v[0] as bigint) : (v[0] as bigint)),
});
fn('abs', { name: 'numeric_abs', args: [N], returns: N, eval: (v) => D(v[0]).abs() });
fn('abs', { name: 'float4abs_f', args: [T.float4], returns: T.float4, eval: (v) => Math.abs(X(v[0])) });
fn('abs', { name: 'float8abs_f', args: [F], returns: F, eval: (v) => Math.abs(X(v[0])) });

// rounding
fn('round', { name: 'numeric_round0', args: [N], returns: N, eval: (v) => D(v[0]).round(0) });
fn('round', { name: 'numeric_round', args: [N, T.int4], returns: N, eval: (v) => D(v[0]).round(X(v[1])) });
fn('round', { name: 'dround', args: [F], returns: F, eval: (v) => rint(X(v[0])) });
fn('trunc', { name: 'numeric_trunc0', args: [N], returns: N, eval: (v) => D(v[0]).trunc(0) });
fn('trunc', { name: 'numeric_trunc', args: [N, T.int4], returns: N, eval: (v) => D(v[0]).trunc(X(v[1])) });
fn('trunc', { name: 'dtrunc', args: [F], returns: F, eval: (v) => Math.trunc(X(v[0])) });
fn(['ceil', 'ceiling'], { name: 'numeric_ceil', args: [N], returns: N, eval: (v) => D(v[0]).ceil() });
fn(['ceil', 'ceiling'], { name: 'dceil', args: [F], returns: F, eval: (v) => Math.ceil(X(v[0])) });
fn('floor', { name: 'numeric_floor', args: [N], returns: N, eval: (v) => D(v[0]).floor() });
fn('floor', { name: 'dfloor', args: [F], returns: F, eval: (v) => Math.floor(X(v[0])) });
fn('sign', {
  name: 'numeric_sign',
  args: [N],
  returns: N,
  eval: (v) => {
    const s = D(v[0]).sign();
    return Number.isNaN(s) ? Decimal.NAN : Decimal.fromInt(s);
  },
});
fn('sign', { name: 'dsign', args: [F], returns: F, eval: (v) => (X(v[0]) > 0 ? 1 : X(v[0]) < 0 ? -1 : Number.isNaN(X(v[0])) ? NaN : 0) });

// mod / div
for (const id of ['int2', 'int4', 'int8'] as const) {
  const f = intArith('%', id);
  fn('mod', { name: id + 'mod_f', args: [T[id], T[id]], returns: T[id], eval: (v) => f(v[0] as number, v[1] as number) });
}
fn('mod', { name: 'numeric_mod_f', args: [N, N], returns: N, eval: (v) => D(v[0]).mod(D(v[1])) });
fn('div', {
  name: 'numeric_div_trunc',
  args: [N, N],
  returns: N,
  eval: (v) => {
    const a = D(v[0]);
    const b = D(v[1]);
    if (b.isZero()) throw divisionByZero();
    if (!a.isFinite() || !b.isFinite()) return a.div(b).trunc(0);
    return truncDiv(a, b);
  },
});

function truncDiv(a: Decimal, b: Decimal): Decimal {
  const s = Math.max(a.scale, b.scale);
  const ac = a.coef * 10n ** BigInt(s - a.scale);
  const bc = b.coef * 10n ** BigInt(s - b.scale);
  return Decimal.fromBigInt(ac / bc);
}

// powers, roots, logarithms
fn(['power', 'pow'], { name: 'dpow_f', args: [F, F], returns: F, eval: (v) => dpow(X(v[0]), X(v[1])) });
fn(['power', 'pow'], { name: 'numeric_power_f', args: [N, N], returns: N, eval: (v) => D(v[0]).power(D(v[1])) });
fn('sqrt', {
  name: 'dsqrt',
  args: [F],
  returns: F,
  eval: (v) => {
    if (X(v[0]) < 0) throw new SqlError('2201F', 'cannot take square root of a negative number');
    return Math.sqrt(X(v[0]));
  },
});
fn('sqrt', { name: 'numeric_sqrt', args: [N], returns: N, eval: (v) => D(v[0]).sqrt() });
fn('cbrt', { name: 'dcbrt', args: [F], returns: F, eval: (v) => Math.cbrt(X(v[0])) });
fn('exp', {
  name: 'dexp',
  args: [F],
  returns: F,
  eval: (v) => {
    const x = X(v[0]);
    const r = Math.exp(x);
    return Number.isFinite(x) ? floatCheck(r, false, false) : r;
  },
});
fn('exp', { name: 'numeric_exp', args: [N], returns: N, eval: (v) => D(v[0]).exp() });

function logCheck(x: number): void {
  if (x === 0) throw new SqlError(SQLSTATE.INVALID_ARGUMENT_FOR_LOG, 'cannot take logarithm of zero');
  if (x < 0) throw new SqlError(SQLSTATE.INVALID_ARGUMENT_FOR_LOG, 'cannot take logarithm of a negative number');
}
fn('ln', { name: 'dlog1', args: [F], returns: F, eval: (v) => (logCheck(X(v[0])), Math.log(X(v[0]))) });
fn('ln', { name: 'numeric_ln', args: [N], returns: N, eval: (v) => D(v[0]).ln() });
fn(['log', 'log10'], { name: 'dlog10', args: [F], returns: F, eval: (v) => (logCheck(X(v[0])), Math.log10(X(v[0]))) });
fn(['log', 'log10'], { name: 'numeric_log10', args: [N], returns: N, eval: (v) => D(v[0]).log(Decimal.fromInt(10)) });
fn('log', { name: 'numeric_log', args: [N, N], returns: N, eval: (v) => D(v[1]).log(D(v[0])) });

// trigonometry and constants
const RADIANS_PER_DEGREE = 0.0174532925199432957692;
fn('pi', { name: 'dpi', args: [], returns: F, eval: () => Math.PI });
fn('degrees', { name: 'degrees', args: [F], returns: F, eval: (v) => X(v[0]) / RADIANS_PER_DEGREE });
fn('radians', { name: 'radians', args: [F], returns: F, eval: (v) => X(v[0]) * RADIANS_PER_DEGREE });

function trig(name: string, f: (x: number) => number, domain?: (x: number) => boolean): void {
  fn(name, {
    name: 'd' + name,
    args: [F],
    returns: F,
    eval: (v) => {
      const x = X(v[0]);
      if (Number.isNaN(x)) return NaN;
      if ((domain && !domain(x)) || (!domain && !Number.isFinite(x))) {
        throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, 'input is out of range');
      }
      return f(x);
    },
  });
}
trig('sin', Math.sin);
trig('cos', Math.cos);
trig('tan', Math.tan);
trig('cot', (x) => 1 / Math.tan(x));
trig('asin', Math.asin, (x) => x >= -1 && x <= 1);
trig('acos', Math.acos, (x) => x >= -1 && x <= 1);
trig('atan', Math.atan, () => true);
trig('sinh', Math.sinh, () => true);
trig('cosh', Math.cosh, () => true);
trig('tanh', Math.tanh, () => true);
fn('atan2', { name: 'datan2', args: [F, F], returns: F, eval: (v) => Math.atan2(X(v[0]), X(v[1])) });

fn('random', { name: 'drandom', args: [], returns: F, volatile: true, eval: () => Math.random() });

// numeric scale inspection
fn('scale', { name: 'numeric_scale', args: [N], returns: T.int4, eval: (v) => (D(v[0]).isFinite() ? D(v[0]).scale : null) });
fn('min_scale', { name: 'numeric_min_scale', args: [N], returns: T.int4, eval: (v) => (D(v[0]).isFinite() ? D(v[0]).minScale() : null) });
fn('trim_scale', { name: 'numeric_trim_scale', args: [N], returns: N, eval: (v) => D(v[0]).trunc(D(v[0]).minScale()) });

// gcd / lcm
function gcdBig(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b) [a, b] = [b, a % b];
  return a;
}
for (const id of ['int4', 'int8'] as TypeId[]) {
  const wrap = (x: bigint): Value => (id === 'int8' ? checkInt8(x) : checkInt(Number(x), 'int4'));
  fn('gcd', { name: id + '_gcd', args: [T[id], T[id]], returns: T[id], eval: (v) => wrap(gcdBig(BigInt(v[0] as number), BigInt(v[1] as number))) });
  fn('lcm', {
    name: id + '_lcm',
    args: [T[id], T[id]],
    returns: T[id],
    eval: (v) => {
      const a = BigInt(v[0] as number);
      const b = BigInt(v[1] as number);
      if (a === 0n || b === 0n) return wrap(0n);
      const r = (a / gcdBig(a, b)) * b;
      return wrap(r < 0n ? -r : r);
    },
  });
}

// factorial(bigint) → numeric (numeric_fac); PostgreSQL 14 removed the ! and !! operators
function productRange(lo: bigint, hi: bigint): bigint {
  // split in halves so the big multiplications are balanced
  if (hi - lo < 16n) {
    let p = 1n;
    for (let k = lo; k <= hi; k++) p *= k;
    return p;
  }
  const mid = (lo + hi) / 2n;
  return productRange(lo, mid) * productRange(mid + 1n, hi);
}
fn('factorial', {
  name: 'numeric_fac',
  args: [T.int8],
  returns: N,
  eval: (v) => {
    const n = BigInt(v[0] as number);
    if (n < 0n) throw new SqlError(SQLSTATE.NUMERIC_VALUE_OUT_OF_RANGE, 'factorial of a negative number is undefined');
    if (n <= 1n) return Decimal.ONE;
    if (n > 32177n) throw new SqlError(SQLSTATE.NUMERIC_VALUE_OUT_OF_RANGE, 'value overflows numeric format');
    return Decimal.fromBigInt(productRange(2n, n));
  },
});
