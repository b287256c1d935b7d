// Fast paths for the value texts that arrive most (SQL literals, COPY fields, db.insert strings,
// messages: Debezium's ZonedTimestamp, JSON producers): ISO 8601 timestamps and dates, plain
// decimal text and small base64 decimals. Each one reads only a narrow, regular form and
// returns undefined for anything else, which then goes through the general input function;
// where a fast path answers, it gives exactly what that function gives (tested against it).

import { SESSION_TZ_OFFSET_SECONDS, daysFromCivil, daysInMonth } from './datetime.js';
import { Decimal } from './numeric.js';

/** Two digits at s[i…] as a number, or -1. */
function two(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** YYYY-MM-DD at the start of s (a year from 0001 to 9999), as days since 1970-01-01, or -1e9. */
function isoDays(s: string): number {
  const hi = two(s, 0);
  const lo = two(s, 2);
  if (hi < 0 || lo < 0 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return -1e9;
  const y = hi * 100 + lo;
  const m = two(s, 5);
  const d = two(s, 8);
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return -1e9;
  return daysFromCivil(y, m, d);
}

/** 'YYYY-MM-DD' as days since the epoch. */
export function fastDate(s: string): number | undefined {
  if (s.length !== 10) return undefined;
  const days = isoDays(s);
  return days === -1e9 ? undefined : days;
}

/**
 * 'YYYY-MM-DD[T ]HH:MM:SS[.ffffff][Z|±HH[:MM]]' as microseconds since the epoch; the offset is
 * applied for timestamptz and ignored for timestamp, as PostgreSQL's input does.
 */
export function fastTimestamp(s: string, withTz: boolean): bigint | undefined {
  if (!readTimestamp(s, withTz)) return undefined;
  const us = tsSecs * 1e6 + tsFrac;
  return Number.isSafeInteger(us) ? BigInt(us) : BigInt(tsSecs) * 1_000_000n + BigInt(tsFrac);
}

/** fastTimestamp's microseconds as a number; NaN where it has no answer or the answer is not a safe integer (years before 1685 or after 2255). */
export function fastTimestampMicros(s: string, withTz: boolean): number {
  if (!readTimestamp(s, withTz)) return NaN;
  const us = tsSecs * 1e6 + tsFrac;
  return Number.isSafeInteger(us) ? us : NaN;
}

/** What readTimestamp read: seconds since the epoch and microseconds (variables, not an object per value). */
let tsSecs = 0;
let tsFrac = 0;

function readTimestamp(s: string, withTz: boolean): boolean {
  const n = s.length;
  if (n < 19) return false;
  const days = isoDays(s);
  const sep = s.charCodeAt(10);
  if (days === -1e9 || (sep !== 84 && sep !== 32) || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return false;
  const h = two(s, 11);
  const mi = two(s, 14);
  const se = two(s, 17);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 59) return false;
  let i = 19;
  let frac = 0;
  if (s.charCodeAt(i) === 46) {
    let digits = 0;
    for (i++; ; i++) {
      const d = s.charCodeAt(i) - 48;
      if (!(d >= 0 && d <= 9)) break;
      if (++digits > 6) return false; // rounding: the general path
      frac = frac * 10 + d;
    }
    if (digits === 0) return false;
    for (; digits < 6; digits++) frac *= 10;
  }
  let offset = SESSION_TZ_OFFSET_SECONDS;
  if (i < n) {
    const z = s.charCodeAt(i);
    if (z === 90 && i + 1 === n) offset = 0;
    else if (z === 43 || z === 45) {
      const oh = two(s, i + 1);
      let om = 0;
      if (i + 3 === n) om = 0;
      else if (i + 6 === n && s.charCodeAt(i + 3) === 58) om = two(s, i + 4);
      else if (i + 5 === n) om = two(s, i + 3);
      else return false;
      if (oh < 0 || oh > 14 || om < 0 || om > 59) return false;
      offset = (z === 45 ? -1 : 1) * (oh * 3600 + om * 60);
    } else return false;
  }
  const secs = days * 86400 + h * 3600 + mi * 60 + se - (withTz ? offset : 0);
  tsSecs = secs;
  tsFrac = frac;
  return true;
}

/** Plain integer text '-?D{1,15}' as a number (no sign on zero); else undefined. */
export function fastInt(s: string): number | undefined {
  const n = s.length;
  let i = s.charCodeAt(0) === 45 ? 1 : 0;
  if (n === i || n - i > 15) return undefined;
  let v = 0;
  for (; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return undefined;
    v = v * 10 + d;
  }
  return s.charCodeAt(0) === 45 && v !== 0 ? -v : v;
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16];

/**
 * Plain decimal text '-?D+(.D+)?' of at most 15 digits as numeric(precision, scale)
 * (scale < 0: as written), when no rounding is needed and it fits; else undefined.
 */
export function fastDecimal(s: string, precision: number, scale: number): Decimal | undefined {
  const c = fastDecimalCoef(s, precision, scale);
  return c === c ? Decimal.of(BigInt(c), fastScale) : undefined;
}

/** The scale of the last coefficient fastDecimalCoef or scaledCoef returned (a variable, not an object per value). */
export let fastScale = 0;

/** fastDecimal's answer as its coefficient (a safe integer; the scale in fastScale), or NaN. */
export function fastDecimalCoef(s: string, precision: number, scale: number): number {
  const n = s.length;
  let i = s.charCodeAt(0) === 45 ? 1 : 0;
  const neg = i === 1;
  let coef = 0;
  let digits = 0;
  let frac = -1; // digits after the point, -1 before it
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      coef = coef * 10 + (c - 48);
      digits++;
      if (frac >= 0) frac++;
    } else if (c === 46 && frac < 0 && digits > 0) frac = 0;
    else return NaN;
  }
  if (digits === 0 || digits > 15 || frac === 0) return NaN;
  const written = frac < 0 ? 0 : frac;
  return scaledCoef(neg ? -coef : coef, written, precision, scale);
}

/** coef × 10^-from as numeric(precision, scale) when that needs no rounding (scale < 0: keep `from`). */
export function scaledExactly(coef: number, from: number, precision: number, scale: number): Decimal | undefined {
  const c = scaledCoef(coef, from, precision, scale);
  return c === c ? Decimal.of(BigInt(c), fastScale) : undefined;
}

/** scaledExactly's answer as its coefficient (the scale in fastScale), or NaN. */
function scaledCoef(coef: number, from: number, precision: number, scale: number): number {
  if (scale < 0) {
    fastScale = from;
    return coef + 0; // no -0
  }
  if (from > scale || scale - from > 16) return NaN;
  const c = coef * POW10[scale - from];
  if (!Number.isSafeInteger(c)) return NaN;
  // numeric(p,s): fewer than p - s digits before the point, i.e. |c| < 10^p
  if (precision <= 15 && Math.abs(c) >= POW10[precision]) return NaN;
  fastScale = scale;
  return c + 0;
}

/**
 * The double v as numeric(precision, scale) when c = round(v × 10^scale) has at most 15 digits
 * and c / 10^scale is v again; else undefined. Then c × 10^-scale is the value of v's shortest
 * text, and whatever token JSON.parse made v of rounds to it at `scale` places: the token and
 * c × 10^-scale are both within half a double's step of v, and that step is below a quarter
 * of 10^-scale (|v| < 2^50 × 10^-scale).
 */
export function decimalOfDouble(v: number, precision: number, scale: number): Decimal | undefined {
  if (scale < 0 || scale > 15) return undefined;
  const m = POW10[scale];
  const c = Math.round(v * m);
  if (!(Math.abs(c) < 1e15) || c / m !== v) return undefined;
  return scaledExactly(c, scale, precision, scale);
}

const B64 = new Int8Array(128).fill(-1);
for (let k = 0; k < 64; k++) B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(k)] = k;

/** Base64 (padded) of 1 to 6 bytes, as their big-endian two's-complement integer; else undefined. */
export function smallBase64Int(s: string): number | undefined {
  const n = s.length;
  if (n !== 4 && n !== 8) return undefined;
  let pad = 0;
  if (s.charCodeAt(n - 1) === 61) pad = s.charCodeAt(n - 2) === 61 ? 2 : 1;
  let bits = 0;
  for (let i = 0; i < n - pad; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? B64[c] : -1;
    if (v < 0) return undefined;
    bits = bits * 64 + v;
  }
  const bytes = (n / 4) * 3 - pad;
  // the unused low bits of a padded group must be zero, as Buffer's strict reading has them
  const spare = pad === 0 ? 0 : pad === 1 ? 2 : 4;
  const low = bits % 2 ** spare;
  if (low !== 0) return undefined;
  let v = (bits - low) / 2 ** spare;
  if (v >= 2 ** (8 * bytes - 1)) v -= 2 ** (8 * bytes);
  return v;
}
