// Text output of every type, as PostgreSQL's output functions print it (DateStyle ISO,
// IntervalStyle postgres, extra_float_digits 1: shortest round-trip floats).

import type { SqlType } from '../sql/types.js';
import type { Value } from './value.js';
import type { Decimal } from './numeric.js';
import type { Interval } from './interval.js';
import type { Jsonb } from './jsonb.js';
import { formatDate, formatTimestamp } from './datetime.js';

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
  const [digits, exp] = splitExp(x.toExponential());
  return formatShortest(x, digits, exp, 15);
}

export function formatFloat4(x: number): string {
  if (!Number.isFinite(x) || x === 0) return formatShortest(x, '0', 0, 6);
  const f = Math.fround(x);
  let s = '';
  for (let p = 1; p <= 9; p++) {
    s = f.toExponential(p - 1);
    if (Math.fround(Number(s)) === f) break;
  }
  const [digits, exp] = splitExp(s);
  return formatShortest(f, digits.replace(/0+$/, '') || '0', exp, 6);
}

export function formatValue(v: Value, t: SqlType): string | null {
  if (v === null) return null;
  switch (t.id) {
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
    default:
      return String(v);
  }
}
