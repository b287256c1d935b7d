// Text output of every type, as PostgreSQL's output functions print it (DateStyle ISO,
// IntervalStyle postgres, extra_float_digits 1: shortest round-trip floats).

import { regOut } from './reg.js';
import type { SqlType } from '../sql/types.js';
import type { Value } from './value.js';
import type { Decimal } from './numeric.js';
import type { Interval } from './interval.js';
import type { Jsonb } from './jsonb.js';
import { formatDate, formatTimestamp } from './datetime.js';
import { formatArray, type PgArray } from './array.js';
import { formatRecord, type PgRecord } from './record.js';
import { elementType, isArrayType } from '../sql/types.js';

/**
 * Shortest round-trip digits in PostgreSQL's layout: fixed notation when the decimal
 * exponent is in [-4, maxFixedExp), otherwise d.ddde±XX.
 */
function formatShortest(x: number, digits: string, exp: number, maxFixedExp: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  if (x === 0) return sign + '0';
  if (exp >= -4 && exp < maxFixedExp) {
    if (exp < 0) return sign + '0.' + '0'.repeat(-exp - 1) + digits;
    if (digits.length <= exp + 1) return sign + digits + '0'.repeat(exp + 1 - digits.length);
    return sign + digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
  }
  const mant = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
  const e = Math.abs(exp);
  return sign + mant + 'e' + (exp < 0 ? '-' : '+') + (e < 10 ? '0' + e : String(e));
}

function splitExp(s: string): [string, number] {
  // s from toExponential / toPrecision in exponential form: "-1.2345e+17"
  const [m, e] = s.split('e');
  return [m.replace('-', '').replace('.', ''), Number(e)];
}

export function formatFloat8(x: number): string {
  if (!Number.isFinite(x) || x === 0) return formatShortest(x, '0', 0, 15);
  let [digits, exp] = splitExp(x.toExponential());
  // JS may pick a decimal exactly halfway to the neighbouring double; Ryu does not
  for (let p = digits.length + 1; p <= 17 && isDoubleMidpoint(digits, exp, x); p++) {
    const s = x.toExponential(p - 1);
    if (Number(s) === x) [digits, exp] = splitExp(s);
    digits = digits.replace(/0+$/, '') || '0';
  }
  return formatShortest(x, digits, exp, 15);
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Is digits×10^(exp-len+1) exactly the midpoint between x and a neighbour? (only possible for |x| >= 2^52) */
function isDoubleMidpoint(digits: string, exp: number, x: number): boolean {
  const ax = Math.abs(x);
  if (ax < 2 ** 52) return false;
  const k = exp - (digits.length - 1);
  if (k < -1) return false;
  let twoD = BigInt(digits) * 2n;
  if (k >= 0) twoD *= 10n ** BigInt(k);
  else if (twoD % 10n !== 0n) return false;
  else twoD /= 10n;
  f64[0] = ax;
  const e = ((u32[1] >>> 20) & 0x7ff) - 1023;
  const ulp = 2n ** BigInt(e - 52);
  const pow2 = u32[0] === 0 && (u32[1] & 0xfffff) === 0;
  const xb = BigInt(ax);
  return twoD === 2n * xb + ulp || twoD === 2n * xb - (pow2 ? ulp / 2n : ulp);
}

export function formatFloat4(x: number): string {
  if (!Number.isFinite(x) || x === 0) return formatShortest(x, '0', 0, 6);
  const f = Math.fround(x);
  let s = '';
  for (let p = 1; p <= 9; p++) {
    s = f.toExponential(p - 1);
    const d = Number(s);
    // like PostgreSQL's Ryu output, a decimal exactly halfway to the neighbour is not taken
    if (Math.fround(d) === f && (p === 9 || !isFloat32Midpoint(d, f))) {
      s = evenOnTie(s, f, p);
      break;
    }
  }
  const [digits, exp] = splitExp(s);
  return formatShortest(f, digits.replace(/0+$/, '') || '0', exp, 6);
}

/**
 * toExponential rounds a tie up; Ryu (PostgreSQL's float4 output) takes the even digit when
 * the value lies exactly halfway between two shortest candidates that both round-trip.
 */
function evenOnTie(s: string, f: number, p: number): string {
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const digits = m[2] + (m[3] ?? '');
  const last = digits.charCodeAt(digits.length - 1) - 48;
  if (last % 2 === 0) return s;
  const exact = Math.abs(f).toExponential(Math.min(100, p + 60));
  const rest = exact.replace(/e.*$/, '').replace('.', '').slice(p);
  if (!/^50*$/.test(rest)) return s;
  const lower = digits.slice(0, -1) + String(last - 1);
  const alt = `${m[1]}${lower[0]}${lower.length > 1 ? '.' + lower.slice(1) : ''}e${m[4]}`;
  return Math.fround(Number(alt)) === f ? alt : s;
}

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

function isFloat32Midpoint(d: number, f: number): boolean {
  if (d === f) return false;
  f32[0] = f;
  // step the bit pattern towards d to get the neighbouring float
  i32[0] += (d > f) === (f > 0) ? 1 : -1;
  const other = f32[0];
  return (d - f) * 2 === other - f;
}

export function formatValue(v: Value, t: SqlType): string | null {
  if (v === null) return null;
  if (isArrayType(t) && typeof v === 'object') {
    const et = elementType(t)!;
    return formatArray(v as PgArray, t.id.endsWith('vector'), (e) => formatValue(e, et)!);
  }
  switch (t.id) {
    case 'record':
      return formatRecord(v as PgRecord, t, formatValue);
    case 'bool':
      return v ? 't' : 'f';
    case 'int2':
    case 'int4':
    case 'int8':
      return String(v);
    case 'float8':
      return formatFloat8(v as number);
    case 'float4':
      return formatFloat4(v as number);
    case 'numeric':
      return (v as Decimal).toString();
    case 'date':
      return formatDate(v as number);
    case 'timestamp':
      return formatTimestamp(v as bigint, false);
    case 'timestamptz':
      return formatTimestamp(v as bigint, true);
    case 'interval':
      return (v as Interval).toString();
    case 'jsonb':
      return (v as Jsonb).toString();
    case 'regclass':
    case 'regtype':
    case 'regproc':
    case 'regnamespace':
    case 'regrole':
      return regOut(t.id, v as number);
    default:
      return String(v);
  }
}
