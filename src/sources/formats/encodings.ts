// The numeric encodings of Kafka Connect and Debezium: base64 decimals, integer counts of
// days or (milli|micro|nano)seconds, times of day. Exact: integers are bigints from the
// number's text, never from a rounded double.

import { Decimal } from '../../expr/numeric.js';
import { TS_NOBEGIN, TS_NOEND } from '../../expr/value.js';
import { MessageError } from '../types.js';
import { isRecord, JsonNumber, type Json } from './json_text.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** numeric's limits (PostgreSQL: 131072 digits before the point, 16383 after). */
const MAX_DECIMAL_BYTES = 60_000;
const MAX_SCALE = 16383;

/** The big-endian two's-complement integer in base64 `s` (Connect's Decimal and VariableScaleDecimal). */
export function bigIntFromBase64(s: string): bigint {
  if (s.length === 0 || !BASE64.test(s)) throw new MessageError(`invalid base64 decimal "${clip(s)}"`);
  const buf = Buffer.from(s, 'base64');
  if (buf.length > MAX_DECIMAL_BYTES) throw new MessageError('base64 decimal is too long');
  if (buf.length <= 6) return BigInt(buf.readIntBE(0, buf.length));
  let v = BigInt('0x' + buf.toString('hex'));
  if (buf[0] & 0x80) v -= 1n << BigInt(buf.length * 8);
  return v;
}

const BIG = 10n ** 30n;

/** unscaled × 10^-scale, within numeric's limits. */
export function scaledDecimal(unscaled: bigint, scale: number): Decimal {
  if (!Number.isInteger(scale) || Math.abs(scale) > MAX_SCALE) throw new MessageError(`invalid decimal scale ${scale}`);
  // Decimal.parse checks numeric's limits (and takes a negative scale)
  if (scale < 0 || unscaled > BIG || unscaled < -BIG) return Decimal.parse(`${unscaled}e${-scale}`);
  return Decimal.of(unscaled, scale);
}

export function decimalFromBase64(s: string, scale: number): Decimal {
  return scaledDecimal(bigIntFromBase64(s), scale);
}

/** io.debezium.data.VariableScaleDecimal's payload {scale: int, value: base64}. */
export function decimalFromStruct(v: Json): Decimal | null {
  if (!isRecord(v) || typeof v.value !== 'string') return null;
  const scale = v.scale;
  if (typeof scale !== 'number' || !Number.isInteger(scale)) return null;
  return decimalFromBase64(v.value, scale);
}

/** The exact integer value of a JSON number, or null when it has a fraction. */
export function integerOf(v: number | JsonNumber): bigint | null {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) return null;
    // the token had at most 15 significant digits (json_text.ts), so String(v) is its value
    return Number.isSafeInteger(v) ? BigInt(v) : BigInt(Decimal.parse(String(v)).toString());
  }
  if (/^-?[0-9]+$/.test(v.text)) return BigInt(v.text);
  const d = Decimal.parse(v.text);
  const r = d.trunc(0);
  if (r.compare(d) !== 0) return null;
  return BigInt(r.toString());
}

/** The text of a JSON number, as written when known. */
export function numberText(v: number | JsonNumber): string {
  return typeof v === 'number' ? String(v) : v.text;
}

// Debezium's PostgreSQL connector sends ±infinity timestamps as these microsecond counts
// (pgjdbc's DATE_POSITIVE/NEGATIVE_INFINITY read as microseconds): finite-looking, but not.
const DEBEZIUM_PLUS_INFINITY = 9223372036825200000n;
const DEBEZIUM_MINUS_INFINITY = -9223372036832400000n;

/** A count of `unit` since the epoch, in microseconds (nanoseconds rounded half to even, as PostgreSQL rounds). */
export function epochMicros(n: bigint, unit: 'millis' | 'micros' | 'nanos'): bigint {
  let us: bigint;
  if (unit === 'micros') us = n;
  else if (unit === 'millis') us = n * 1000n;
  else us = divRoundHalfEven(n, 1000n);
  if (us === DEBEZIUM_PLUS_INFINITY) return TS_NOEND;
  if (us === DEBEZIUM_MINUS_INFINITY) return TS_NOBEGIN;
  return us;
}

export function divRoundHalfEven(n: bigint, d: bigint): bigint {
  let q = n / d;
  let r = n % d;
  if (r < 0n) {
    q -= 1n;
    r += d;
  }
  const twice = 2n * r;
  if (twice > d || (twice === d && q % 2n !== 0n)) q += 1n;
  return q;
}

const USECS_PER_DAY = 86_400_000_000n;

/** A time of day in microseconds since midnight; PostgreSQL's time allows 24:00:00 itself. */
export function timeOfDayMicros(n: bigint, unit: 'millis' | 'micros' | 'nanos'): bigint {
  const us = unit === 'micros' ? n : unit === 'millis' ? n * 1000n : divRoundHalfEven(n, 1000n);
  if (us < 0n || us > USECS_PER_DAY) throw new MessageError(`time of day ${n} ${unit} is out of range`);
  return us;
}

/** time_out's text: HH:MM:SS[.ffffff], trailing zeros of the fraction dropped. */
export function timeOfDayText(us: bigint): string {
  const secs = Number(us / 1_000_000n);
  const frac = Number(us % 1_000_000n);
  const two = (n: number) => String(n).padStart(2, '0');
  let s = `${two(Math.floor(secs / 3600))}:${two(Math.floor(secs / 60) % 60)}:${two(secs % 60)}`;
  if (frac !== 0) s += '.' + String(frac).padStart(6, '0').replace(/0+$/, '');
  return s;
}

function clip(s: string): string {
  return s.length > 40 ? s.slice(0, 40) + '…' : s;
}
