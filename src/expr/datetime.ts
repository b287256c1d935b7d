// date, timestamp and timestamptz: input, output and arithmetic on the proleptic Gregorian
// calendar with our own day-number arithmetic (JS Date is not used: its range and its
// year-0 handling differ from PostgreSQL's).
//
//   date         days since 1970-01-01, ±Infinity for 'infinity'
//   timestamp    bigint microseconds since 1970-01-01 00:00 (UTC for timestamptz)

import { SqlError, SQLSTATE, unsupported } from '../errors.js';
import { zoneWord } from './time_zones.js';
import { TS_NOBEGIN, TS_NOEND } from './value.js';
import { Interval, USECS_PER_DAY, USECS_PER_HOUR, USECS_PER_MINUTE, USECS_PER_SEC, fraction, pad2, rint } from './interval.js';

export { TS_NOBEGIN, TS_NOEND };

/** Session time zone. Only UTC is implemented; offsets are kept pluggable through this. */
export const SESSION_TIMEZONE = 'UTC';
export const SESSION_TZ_OFFSET_SECONDS = 0;

/** Julian day number of 1970-01-01. */
export const UNIX_EPOCH_JDATE = 2440588;
/** PostgreSQL's limits: 4714-11-24 BC (julian day 0) to 294276-12-31 for timestamps. */
const MIN_TIMESTAMP = -211813488000000000n + 946684800000000n;
const END_TIMESTAMP = 9223371331200000000n + 946684800000000n;
const DATE_MIN = -UNIX_EPOCH_JDATE;
const DATE_END = 2147483494 - UNIX_EPOCH_JDATE;

export function isFiniteTs(t: bigint): boolean {
  return t !== TS_NOBEGIN && t !== TS_NOEND;
}

export function timestampOutOfRange(): SqlError {
  return new SqlError(SQLSTATE.DATETIME_FIELD_OVERFLOW, 'timestamp out of range');
}

export function dateOutOfRange(): SqlError {
  return new SqlError(SQLSTATE.DATETIME_FIELD_OVERFLOW, 'date out of range');
}

export function checkTimestamp(t: bigint): bigint {
  if (t < MIN_TIMESTAMP || t >= END_TIMESTAMP) throw timestampOutOfRange();
  return t;
}

export function checkDate(d: number): number {
  if (d < DATE_MIN || d >= DATE_END) throw dateOutOfRange();
  return d;
}

// --- calendar (astronomical years: 0 = 1 BC) ---

export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const y = yoe + era * 400;
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [y + (m <= 2 ? 1 : 0), m, d];
}

export function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeap(y) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

/** Broken-down timestamp (astronomical year). */
export interface Tm {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  micro: number;
}

export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

export function tsToTm(t: bigint): Tm {
  const days = floorDiv(t, USECS_PER_DAY);
  let rem = t - days * USECS_PER_DAY;
  const [year, month, day] = civilFromDays(Number(days));
  const hour = Number(rem / USECS_PER_HOUR);
  rem %= USECS_PER_HOUR;
  const minute = Number(rem / USECS_PER_MINUTE);
  rem %= USECS_PER_MINUTE;
  return { year, month, day, hour, minute, second: Number(rem / USECS_PER_SEC), micro: Number(rem % USECS_PER_SEC) };
}

export function tmToTs(tm: Tm): bigint {
  const days = BigInt(daysFromCivil(tm.year, tm.month, tm.day));
  return (
    days * USECS_PER_DAY +
    BigInt(tm.hour) * USECS_PER_HOUR +
    BigInt(tm.minute) * USECS_PER_MINUTE +
    BigInt(tm.second) * USECS_PER_SEC +
    BigInt(tm.micro)
  );
}

// --- output ---

function yearStr(y: number): string {
  const ay = y > 0 ? y : 1 - y;
  return String(ay).padStart(4, '0');
}

export function formatDate(d: number): string {
  if (d === Infinity) return 'infinity';
  if (d === -Infinity) return '-infinity';
  const [y, m, day] = civilFromDays(d);
  return `${yearStr(y)}-${pad2(m)}-${pad2(day)}${y <= 0 ? ' BC' : ''}`;
}

export function formatTimestamp(t: bigint, withTz = false): string {
  if (t === TS_NOEND) return 'infinity';
  if (t === TS_NOBEGIN) return '-infinity';
  const tm = tsToTm(t + BigInt(withTz ? SESSION_TZ_OFFSET_SECONDS : 0) * USECS_PER_SEC);
  const s =
    `${yearStr(tm.year)}-${pad2(tm.month)}-${pad2(tm.day)} ${pad2(tm.hour)}:${pad2(tm.minute)}:${pad2(tm.second)}` +
    fraction(BigInt(tm.micro));
  return s + (withTz ? formatOffset(SESSION_TZ_OFFSET_SECONDS) : '') + (tm.year <= 0 ? ' BC' : '');
}

function formatOffset(secs: number): string {
  const sign = secs < 0 ? '-' : '+';
  const a = Math.abs(secs);
  const h = Math.floor(a / 3600);
  const m = Math.floor((a % 3600) / 60);
  const s = a % 60;
  return sign + pad2(h) + (m || s ? ':' + pad2(m) : '') + (s ? ':' + pad2(s) : '');
}

// --- input ---

const MONTHS: Record<string, number> = {
  jan: 1, january: 1, feb: 2, february: 2, mar: 3, march: 3, apr: 4, april: 4, may: 5,
  jun: 6, june: 6, jul: 7, july: 7, aug: 8, august: 8, sep: 9, sept: 9, september: 9,
  oct: 10, october: 10, nov: 11, november: 11, dec: 12, december: 12,
};

function badFormat(typeName: string, text: string): SqlError {
  return new SqlError(SQLSTATE.INVALID_DATETIME_FORMAT, `invalid input syntax for type ${typeName}: "${text}"`);
}

function fieldOverflow(text: string, badMonth = false): SqlError {
  // a month out of range may be a day and month written in the other order
  const hint = badMonth ? 'Perhaps you need a different "datestyle" setting.' : undefined;
  return new SqlError(SQLSTATE.DATETIME_FIELD_OVERFLOW, `date/time field value out of range: "${text}"`, { hint });
}

interface Parsed {
  special?: 'infinity' | '-infinity' | 'epoch' | 'now' | 'today' | 'tomorrow' | 'yesterday';
  year: number; // astronomical
  month: number;
  day: number;
  micros: bigint; // time of day
  tzSeconds: number | null;
}

/** Current time: volatile, used by now() and 'now' input. */
export function currentTimestamp(): bigint {
  return BigInt(Date.now()) * 1000n;
}

function parseDateTime(text: string, typeName: string, allowTime: boolean): Parsed {
  const s = text.trim().toLowerCase();
  const specials = ['infinity', '+infinity', '-infinity', 'epoch', 'now', 'today', 'tomorrow', 'yesterday'];
  if (specials.includes(s)) {
    return { special: (s === '+infinity' ? 'infinity' : s) as Parsed['special'], year: 0, month: 0, day: 0, micros: 0n, tzSeconds: null };
  }
  let rest = s;
  let bc = false;
  const era = /\s*\b(bc|ad)$/.exec(rest);
  if (era) {
    bc = era[1] === 'bc';
    rest = rest.slice(0, era.index);
  }
  let y: number, m: number, d: number;
  let mm: RegExpExecArray | null;
  if ((mm = /^(\d{1,})-(\d{1,2})-(\d{1,2})(?=$|[ t])/.exec(rest)) && mm[1].length >= 3) {
    [y, m, d] = [Number(mm[1]), Number(mm[2]), Number(mm[3])];
  } else if ((mm = /^(\d{4})(\d{2})(\d{2})(?=$|[ t])/.exec(rest))) {
    [y, m, d] = [Number(mm[1]), Number(mm[2]), Number(mm[3])];
  } else if ((mm = /^(\d{1,2})[/-](\d{1,2})[/-](\d{1,})(?=$| )/.exec(rest))) {
    // DateStyle MDY
    [m, d, y] = [Number(mm[1]), Number(mm[2]), Number(mm[3])];
    if (mm[3].length <= 2) y += y < 70 ? 2000 : 1900;
  } else if ((mm = /^(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?=$| )/.exec(rest))) {
    [y, m, d] = [Number(mm[1]), Number(mm[2]), Number(mm[3])];
  } else if ((mm = /^([a-z]+)[ -]+(\d{1,2})(?:st|nd|rd|th)?,?[ -]+(\d{3,})(?=$| )/.exec(rest)) && MONTHS[mm[1]]) {
    [m, d, y] = [MONTHS[mm[1]], Number(mm[2]), Number(mm[3])];
  } else if ((mm = /^(\d{1,2})[ -]+([a-z]+)[ -]+(\d{3,})(?=$| )/.exec(rest)) && MONTHS[mm[2]]) {
    [d, m, y] = [Number(mm[1]), MONTHS[mm[2]], Number(mm[3])];
  } else {
    throw badFormat(typeName, text);
  }
  rest = rest.slice(mm[0].length);
  let micros = 0n;
  let tzSeconds: number | null = null;
  const tm = /^(?:t|\s+t?)(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d*))?)?/.exec(rest);
  if (tm) {
    const h = Number(tm[1]);
    const mi = Number(tm[2]);
    const sec = tm[3] ? Number(tm[3]) : 0;
    const frac = tm[4] ? rint(Number('0.' + tm[4]) * 1e6) : 0;
    if (mi > 59 || sec > 60 || h > 24 || (h === 24 && (mi > 0 || sec > 0 || frac > 0))) throw fieldOverflow(text);
    micros = BigInt(h) * USECS_PER_HOUR + BigInt(mi) * USECS_PER_MINUTE + BigInt(sec) * USECS_PER_SEC + BigInt(frac);
    rest = rest.slice(tm[0].length);
  }
  let zoneUnsupported = false;
  if (rest.length) {
    const z = /^\s*(?:([a-z][a-z0-9_/+:-]*)|([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?)$/.exec(rest);
    if (!z || (!tm && !allowTime)) throw badFormat(typeName, text);
    if (z[1]) {
      const w = zoneWord(z[1]);
      if (!w) throw badFormat(typeName, text);
      if (w.kind === 'unrecognized') {
        throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `time zone "${z[1]}" not recognized`);
      }
      if (w.kind === 'offset') tzSeconds = w.seconds;
      else zoneUnsupported = true;
    } else {
      tzSeconds = (Number(z[3]) * 3600 + Number(z[4] ?? 0) * 60 + Number(z[5] ?? 0)) * (z[2] === '-' ? -1 : 1);
      if (Math.abs(tzSeconds) > 15 * 3600 + 59 * 60 + 59) {
        throw new SqlError(SQLSTATE.INVALID_DATETIME_FORMAT, `time zone displacement out of range: "${text}"`);
      }
    }
  }
  if (bc) {
    if (y === 0) throw fieldOverflow(text);
    y = 1 - y;
  } else if (y === 0) throw fieldOverflow(text);
  if (m < 1 || m > 12) throw fieldOverflow(text, true);
  if (d < 1 || d > daysInMonth(y, m)) throw fieldOverflow(text);
  if (zoneUnsupported && typeName === 'timestamp with time zone') {
    throw unsupported(`time zone "${rest.trim()}" in timestamp with time zone input`);
  }
  return { year: y, month: m, day: d, micros, tzSeconds };
}

function todayDays(): number {
  return Number(floorDiv(currentTimestamp(), USECS_PER_DAY));
}

export function parseDate(text: string): number {
  const p = parseDateTime(text, 'date', true);
  switch (p.special) {
    case 'infinity':
      return Infinity;
    case '-infinity':
      return -Infinity;
    case 'epoch':
      return 0;
    case 'now':
    case 'today':
      return todayDays();
    case 'tomorrow':
      return todayDays() + 1;
    case 'yesterday':
      return todayDays() - 1;
  }
  const d = daysFromCivil(p.year, p.month, p.day);
  if (d < DATE_MIN || d >= DATE_END) throw new SqlError(SQLSTATE.DATETIME_FIELD_OVERFLOW, `date out of range: "${text}"`);
  return d;
}

export function parseTimestamp(text: string, withTz: boolean): bigint {
  const typeName = withTz ? 'timestamp with time zone' : 'timestamp';
  const p = parseDateTime(text, typeName, true);
  switch (p.special) {
    case 'infinity':
      return TS_NOEND;
    case '-infinity':
      return TS_NOBEGIN;
    case 'epoch':
      return 0n;
    case 'now':
      return currentTimestamp();
    case 'today':
      return BigInt(todayDays()) * USECS_PER_DAY;
    case 'tomorrow':
      return BigInt(todayDays() + 1) * USECS_PER_DAY;
    case 'yesterday':
      return BigInt(todayDays() - 1) * USECS_PER_DAY;
  }
  let t = BigInt(daysFromCivil(p.year, p.month, p.day)) * USECS_PER_DAY + p.micros;
  if (withTz) t -= BigInt(p.tzSeconds ?? SESSION_TZ_OFFSET_SECONDS) * USECS_PER_SEC;
  if (t < MIN_TIMESTAMP || t >= END_TIMESTAMP) {
    throw new SqlError(SQLSTATE.DATETIME_FIELD_OVERFLOW, `timestamp out of range: "${text}"`);
  }
  return t;
}

// --- conversions ---

export function dateToTimestamp(d: number): bigint {
  if (d === Infinity) return TS_NOEND;
  if (d === -Infinity) return TS_NOBEGIN;
  return checkTimestamp(BigInt(d) * USECS_PER_DAY);
}

export function timestampToDate(t: bigint): number {
  if (t === TS_NOEND) return Infinity;
  if (t === TS_NOBEGIN) return -Infinity;
  return Number(floorDiv(t, USECS_PER_DAY));
}

// --- arithmetic ---

export function datePlusDays(d: number, n: number): number {
  if (!Number.isFinite(d)) return d;
  return checkDate(d + n);
}

export function dateMinusDate(a: number, b: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b)) {
    throw new SqlError(SQLSTATE.DATETIME_FIELD_OVERFLOW, 'cannot subtract infinite dates');
  }
  return a - b;
}

/** timestamp + interval: months first (clamping the day of month), then days, then time. */
export function timestampPlusInterval(t: bigint, iv: Interval): bigint {
  if (!isFiniteTs(t)) return t;
  if (iv.months !== 0) {
    const tm = tsToTm(t);
    let mon = tm.month - 1 + iv.months;
    tm.year += Math.floor(mon / 12);
    mon = ((mon % 12) + 12) % 12;
    tm.month = mon + 1;
    const dim = daysInMonth(tm.year, tm.month);
    if (tm.day > dim) tm.day = dim;
    t = tmToTs(tm);
    checkTimestamp(t);
  }
  if (iv.days !== 0) t = checkTimestamp(t + BigInt(iv.days) * USECS_PER_DAY);
  return checkTimestamp(t + iv.micros);
}

export function timestampMinusInterval(t: bigint, iv: Interval): bigint {
  return timestampPlusInterval(t, iv.neg());
}

/** timestamp - timestamp, justified into days and time as PostgreSQL's timestamp_mi. */
export function timestampMinus(a: bigint, b: bigint): Interval {
  if (!isFiniteTs(a) || !isFiniteTs(b)) {
    throw new SqlError(SQLSTATE.DATETIME_FIELD_OVERFLOW, 'cannot subtract infinite timestamps');
  }
  return justifyHours(new Interval(0, 0, a - b));
}

export function justifyHours(iv: Interval): Interval {
  let time = iv.micros;
  const whole = time / USECS_PER_DAY;
  time -= whole * USECS_PER_DAY;
  let days = iv.days + Number(whole);
  if (days > 0 && time < 0n) {
    time += USECS_PER_DAY;
    days--;
  } else if (days < 0 && time > 0n) {
    time -= USECS_PER_DAY;
    days++;
  }
  return new Interval(iv.months, days, time);
}

export function justifyDays(iv: Interval): Interval {
  const whole = Math.trunc(iv.days / 30);
  let days = iv.days - whole * 30;
  let months = iv.months + whole;
  if (months > 0 && days < 0) {
    days += 30;
    months--;
  } else if (months < 0 && days > 0) {
    days -= 30;
    months++;
  }
  return new Interval(months, days, iv.micros);
}

export function justifyInterval(iv: Interval): Interval {
  let months = iv.months;
  let days = iv.days;
  let time = iv.micros;
  const wholeMonths = Math.trunc(days / 30);
  days -= wholeMonths * 30;
  months += wholeMonths;
  const wholeDays = time / USECS_PER_DAY;
  time -= wholeDays * USECS_PER_DAY;
  days += Number(wholeDays);
  if (months > 0 && (days < 0 || (days === 0 && time < 0n))) {
    days += 30;
    months--;
  } else if (months < 0 && (days > 0 || (days === 0 && time > 0n))) {
    days -= 30;
    months++;
  }
  if (days > 0 && time < 0n) {
    time += USECS_PER_DAY;
    days--;
  } else if (days < 0 && time > 0n) {
    time -= USECS_PER_DAY;
    days++;
  }
  return new Interval(months, days, time);
}

/** age(a, b): symbolic difference in years, months and days (timestamp_age). */
export function age(a: bigint, b: bigint): Interval {
  if (!isFiniteTs(a) || !isFiniteTs(b)) {
    throw new SqlError(SQLSTATE.DATETIME_FIELD_OVERFLOW, 'cannot subtract infinite timestamps');
  }
  const t1 = tsToTm(a);
  const t2 = tsToTm(b);
  let fsec = t1.micro - t2.micro;
  let sec = t1.second - t2.second;
  let min = t1.minute - t2.minute;
  let hour = t1.hour - t2.hour;
  let mday = t1.day - t2.day;
  let mon = t1.month - t2.month;
  let year = t1.year - t2.year;
  const flip = a < b;
  if (flip) [fsec, sec, min, hour, mday, mon, year] = [-fsec, -sec, -min, -hour, -mday, -mon, -year];
  while (fsec < 0) { fsec += 1000000; sec--; }
  while (sec < 0) { sec += 60; min--; }
  while (min < 0) { min += 60; hour--; }
  while (hour < 0) { hour += 24; mday--; }
  while (mday < 0) {
    const ref = flip ? t1 : t2;
    mday += daysInMonth(ref.year, ref.month);
    mon--;
  }
  while (mon < 0) { mon += 12; year--; }
  if (flip) [fsec, sec, min, hour, mday, mon, year] = [-fsec, -sec, -min, -hour, -mday, -mon, -year];
  const time = ((BigInt(hour) * 60n + BigInt(min)) * 60n + BigInt(sec)) * USECS_PER_SEC + BigInt(fsec);
  return new Interval(year * 12 + mon, mday, time);
}

export function makeDate(y: number, m: number, d: number): number {
  const text = `${y}-${m}-${d}`;
  if (y === 0) throw new SqlError(SQLSTATE.DATETIME_FIELD_OVERFLOW, `date field value out of range: ${y}-${pad2(m)}-${pad2(d)}`);
  const ay = y < 0 ? y + 1 : y;
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(ay, m)) {
    throw new SqlError(SQLSTATE.DATETIME_FIELD_OVERFLOW, `date field value out of range: ${y}-${pad2(m)}-${pad2(d)}`);
  }
  const days = daysFromCivil(ay, m, d);
  if (days < DATE_MIN || days >= DATE_END) throw new SqlError(SQLSTATE.DATETIME_FIELD_OVERFLOW, `date out of range: ${text}`);
  return days;
}
