// Interval field restrictions and precision: `interval minute`, `interval day to second(3)`,
// `interval(2)`, and the literals written with them (`INTERVAL '30' MINUTE`). The typmod is
// PostgreSQL's: (range mask << 16) | precision, where precision 0xFFFF means full. A value is
// truncated to its range's last field, and its seconds rounded to the precision
// (AdjustIntervalForTypmod); a bare number in a literal counts in the range's last field.

import { SqlError, SQLSTATE } from '../errors.js';
import { Interval, parseInterval, USECS_PER_HOUR, USECS_PER_MINUTE } from './interval.js';

// datetime.h's field numbers, as bits of the range mask
const MONTH = 1 << 1;
const YEAR = 1 << 2;
const DAY = 1 << 3;
const HOUR = 1 << 10;
const MINUTE = 1 << 11;
const SECOND = 1 << 12;
export const FULL_RANGE = 0x7fff;
export const FULL_PRECISION = 0xffff;
const MAX_PRECISION = 6;

/** The ranges PostgreSQL's grammar gives, with their names and the unit of a bare number. */
const RANGES = new Map<number, { name: string; unit: string }>([
  [YEAR, { name: 'year', unit: 'year' }],
  [MONTH, { name: 'month', unit: 'month' }],
  [DAY, { name: 'day', unit: 'day' }],
  [HOUR, { name: 'hour', unit: 'hour' }],
  [MINUTE, { name: 'minute', unit: 'minute' }],
  [SECOND, { name: 'second', unit: 'second' }],
  [YEAR | MONTH, { name: 'year to month', unit: 'month' }],
  [DAY | HOUR, { name: 'day to hour', unit: 'hour' }],
  [DAY | HOUR | MINUTE, { name: 'day to minute', unit: 'minute' }],
  [DAY | HOUR | MINUTE | SECOND, { name: 'day to second', unit: 'second' }],
  [HOUR | MINUTE, { name: 'hour to minute', unit: 'minute' }],
  [HOUR | MINUTE | SECOND, { name: 'hour to second', unit: 'second' }],
  [MINUTE | SECOND, { name: 'minute to second', unit: 'second' }],
  [FULL_RANGE, { name: '', unit: 'second' }],
]);

/** The typmod of `interval <fields> (p)` from the grammar's modifiers; -1 when it restricts nothing. */
export function intervalTypmod(mods: readonly number[], position?: number): number {
  const range = mods.length > 0 ? mods[0] : FULL_RANGE;
  if (!RANGES.has(range)) throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, 'invalid INTERVAL type modifier', { position });
  let precision = mods.length > 1 ? mods[1] : FULL_PRECISION;
  if (mods.length > 2) throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, 'invalid INTERVAL type modifier', { position });
  if (precision !== FULL_PRECISION) {
    if (precision < 0) throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `INTERVAL(${precision}) precision must not be negative`, { position });
    // PostgreSQL warns and goes on
    if (precision > MAX_PRECISION) precision = MAX_PRECISION;
  }
  return range === FULL_RANGE && precision === FULL_PRECISION ? -1 : (range << 16) | precision;
}

/** `interval day to second(3)`'s part after "interval": " day to second(3)". */
export function formatIntervalTypmod(typmod: number): string {
  const range = RANGES.get(typmod >>> 16);
  const precision = typmod & 0xffff;
  return `${range?.name ? ` ${range.name}` : ''}${precision !== FULL_PRECISION ? `(${precision})` : ''}`;
}

const BARE_NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)\s*$/;
const MINUTES_SECONDS = /^\s*([+-]?)(\d+):(\d+(\.\d*)?)\s*$/;

/** An interval literal read under a typmod, then adjusted to it. */
export function parseIntervalTyped(text: string, typmod: number): Interval {
  if (typmod < 0) return parseInterval(text);
  const range = typmod >>> 16;
  let s = text;
  if (BARE_NUMBER.test(s)) s = `${s.trim()} ${RANGES.get(range)?.unit ?? 'second'}`;
  else if (range === (MINUTE | SECOND)) {
    // 'a:b' is minutes and seconds here, hours and minutes elsewhere (PostgreSQL's DecodeTime)
    const m = MINUTES_SECONDS.exec(s);
    if (m) s = `${m[1]}00:${m[2]}:${m[3]}`;
  }
  return adjustInterval(parseInterval(s), typmod);
}

const SCALES = [1000000n, 100000n, 10000n, 1000n, 100n, 10n, 1n];

/** PostgreSQL's AdjustIntervalForTypmod: drop the fields below the range, round the seconds. */
export function adjustInterval(iv: Interval, typmod: number): Interval {
  if (typmod < 0) return iv;
  const range = typmod >>> 16;
  const precision = typmod & 0xffff;
  let { months, days, micros } = iv;
  // C's division truncates towards zero, as BigInt's does
  if (range === YEAR) {
    months = Math.trunc(months / 12) * 12;
    days = 0;
    micros = 0n;
  } else if (range === MONTH || range === (YEAR | MONTH)) {
    days = 0;
    micros = 0n;
  } else if (range === DAY) micros = 0n;
  else if (range === HOUR || range === (DAY | HOUR)) micros = (micros / USECS_PER_HOUR) * USECS_PER_HOUR;
  else if (range === MINUTE || range === (HOUR | MINUTE) || range === (DAY | HOUR | MINUTE)) micros = (micros / USECS_PER_MINUTE) * USECS_PER_MINUTE;
  if (precision !== FULL_PRECISION) {
    const scale = SCALES[precision];
    const half = scale / 2n;
    micros = micros >= 0n ? ((micros + half) / scale) * scale : -(((-micros + half) / scale) * scale);
  }
  return months === iv.months && days === iv.days && micros === iv.micros ? iv : new Interval(months, days, micros);
}
