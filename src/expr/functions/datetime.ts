// Date/time functions: extract/date_part (PG14+: extract returns numeric, date_part
// float8), date_trunc, date_bin, make_date/make_interval, age, justify_*, now() and friends.

import { SqlError, SQLSTATE } from '../../errors.js';
import type { SqlType } from '../../sql/types.js';
import type { Value } from '../value.js';
import { Decimal } from '../numeric.js';
import { Interval, USECS_PER_DAY, USECS_PER_HOUR, USECS_PER_MINUTE, USECS_PER_SEC, rint } from '../interval.js';
import {
  TS_NOBEGIN, TS_NOEND, UNIX_EPOCH_JDATE, age, checkTimestamp, civilFromDays, currentTimestamp, daysFromCivil,
  floorDiv, isFiniteTs, justifyDays, justifyHours, justifyInterval, makeDate, timestampToDate, tmToTs, tsToTm, type Tm,
} from '../datetime.js';
import { T, fn } from './core.js';
import { activeSessionInfo } from './session_info.js';

type Unit =
  | 'epoch' | 'us' | 'ms' | 's' | 'min' | 'h' | 'd' | 'w' | 'mon' | 'q' | 'y' | 'dec' | 'c' | 'mil'
  | 'dow' | 'isodow' | 'doy' | 'isoyear' | 'julian' | 'tz' | 'tz_h' | 'tz_m';

const UNIT_NAMES: Record<string, Unit> = {
  epoch: 'epoch',
  microsecon: 'us', us: 'us', usec: 'us', usecs: 'us', usecond: 'us', useconds: 'us',
  millisecon: 'ms', ms: 'ms', msec: 'ms', msecs: 'ms', msecond: 'ms', mseconds: 'ms',
  second: 's', s: 's', sec: 's', secs: 's', seconds: 's',
  minute: 'min', m: 'min', min: 'min', mins: 'min', minutes: 'min',
  hour: 'h', h: 'h', hr: 'h', hrs: 'h', hours: 'h',
  day: 'd', d: 'd', days: 'd',
  week: 'w', w: 'w', weeks: 'w',
  month: 'mon', mon: 'mon', mons: 'mon', months: 'mon',
  quarter: 'q', qtr: 'q',
  year: 'y', y: 'y', yr: 'y', yrs: 'y', years: 'y',
  decade: 'dec', dec: 'dec', decades: 'dec', decs: 'dec',
  century: 'c', c: 'c', cent: 'c', centuries: 'c',
  millennium: 'mil', mil: 'mil', millennia: 'mil', mils: 'mil',
  dow: 'dow', isodow: 'isodow', doy: 'doy', isoyear: 'isoyear', julian: 'julian', j: 'julian', jd: 'julian',
  timezone: 'tz', timezone_h: 'tz_h', timezone_m: 'tz_m',
};

function typeLabel(t: SqlType): string {
  return t.id === 'timestamp' ? 'timestamp without time zone' : t.id === 'timestamptz' ? 'timestamp with time zone' : t.id;
}

function lookupUnit(text: string, t: SqlType): Unit {
  const u = UNIT_NAMES[text.toLowerCase().slice(0, 10)];
  if (!u) throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `unit "${text.toLowerCase()}" not recognized for type ${typeLabel(t)}`);
  return u;
}

function notSupported(text: string, t: SqlType): SqlError {
  return new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, `unit "${text.toLowerCase()}" not supported for type ${typeLabel(t)}`);
}

const dayNum = (tm: Tm) => daysFromCivil(tm.year, tm.month, tm.day);
const dowOf = (d: number) => (((d + 4) % 7) + 7) % 7;

/** date2isoweek / date2isoyear on a day number. */
function isoWeek(y: number, d: number): [number, number] {
  const start = (yy: number) => {
    const day4 = daysFromCivil(yy, 1, 4);
    return day4 - dowOf(day4 - 1); // Monday of the week containing Jan 4
  };
  let year = y;
  let s = start(year);
  if (d < s) {
    year--;
    s = start(year);
  }
  let week = Math.trunc((d - s) / 7) + 1;
  if (week >= 52) {
    const next = start(year + 1);
    if (d >= next) {
      year++;
      week = Math.trunc((d - next) / 7) + 1;
    }
  }
  return [week, year];
}

function bcYear(y: number): number {
  return y > 0 ? y : y - 1;
}

/** Integer-valued calendar fields shared by timestamp and date extraction. */
function calendarField(u: Unit, tm: Tm, d: number): number | null {
  const y = tm.year;
  switch (u) {
    case 'd':
      return tm.day;
    case 'mon':
      return tm.month;
    case 'q':
      return Math.trunc((tm.month - 1) / 3) + 1;
    case 'w':
      return isoWeek(y, d)[0];
    case 'y':
      return bcYear(y);
    case 'dec':
      return y >= 0 ? Math.trunc(y / 10) : -Math.trunc((8 - (y - 1)) / 10);
    case 'c':
      return y > 0 ? Math.trunc((y + 99) / 100) : -Math.trunc((99 - (y - 1)) / 100);
    case 'mil':
      return y > 0 ? Math.trunc((y + 999) / 1000) : -Math.trunc((999 - (y - 1)) / 1000);
    case 'dow':
      return dowOf(d);
    case 'isodow':
      return dowOf(d) === 0 ? 7 : dowOf(d);
    case 'doy':
      return d - daysFromCivil(y, 1, 1) + 1;
    case 'isoyear': {
      const iy = isoWeek(y, d)[1];
      return iy <= 0 ? iy - 1 : iy;
    }
    default:
      return null;
  }
}

const MONOTONIC: ReadonlySet<Unit> = new Set(['y', 'dec', 'c', 'mil', 'julian', 'isoyear', 'epoch']);

function infinitePart(u: Unit, negative: boolean, numeric: boolean): Value {
  if (!MONOTONIC.has(u)) return null;
  if (numeric) return negative ? Decimal.NEG_INFINITY : Decimal.INFINITY;
  return negative ? -Infinity : Infinity;
}

function timestampPart(unitText: string, t: bigint, ty: SqlType, numeric: boolean): Value {
  const u = lookupUnit(unitText, ty);
  const tz = ty.id === 'timestamptz';
  if (!isFiniteTs(t)) return infinitePart(u, t === TS_NOBEGIN, numeric);
  if ((u === 'tz' || u === 'tz_h' || u === 'tz_m') && !tz) throw notSupported(unitText, ty);
  const tm = tsToTm(t);
  const d = dayNum(tm);
  const secMicros = tm.second * 1_000_000 + tm.micro;
  const num = (x: number | bigint, scale = 0): Value => (numeric ? Decimal.of(BigInt(x), scale) : Number(x) / 10 ** scale);
  switch (u) {
    case 'us':
      return num(secMicros);
    case 'ms':
      return numeric ? Decimal.of(BigInt(secMicros), 3) : tm.second * 1000 + tm.micro / 1000;
    case 's':
      return numeric ? Decimal.of(BigInt(secMicros), 6) : tm.second + tm.micro / 1e6;
    case 'min':
      return num(tm.minute);
    case 'h':
      return num(tm.hour);
    case 'epoch':
      return numeric ? Decimal.of(t, 6) : Number(t) / 1e6;
    case 'julian': {
      const j = d + UNIX_EPOCH_JDATE;
      const dayMicros = ((tm.hour * 60 + tm.minute) * 60 + tm.second) * 1_000_000 + tm.micro;
      if (numeric) return Decimal.fromInt(j).add(Decimal.fromInt(dayMicros).div(Decimal.fromBigInt(USECS_PER_DAY)));
      return j + ((tm.hour * 60 + tm.minute) * 60 + tm.second + tm.micro / 1e6) / 86400;
    }
    case 'tz':
    case 'tz_h':
    case 'tz_m':
      return num(0);
    default:
      return num(calendarField(u, tm, d)!);
  }
}

function datePart(unitText: string, d: number): Value {
  const u = lookupUnit(unitText, T.date);
  if (!Number.isFinite(d)) {
    if (!['d', 'mon', 'q', 'w', 'y', 'dec', 'c', 'mil', 'julian', 'isoyear', 'dow', 'isodow', 'doy', 'epoch'].includes(u)) {
      throw notSupported(unitText, T.date);
    }
    return infinitePart(u, d < 0, true);
  }
  if (u === 'epoch') return Decimal.fromBigInt(BigInt(d) * 86400n);
  if (u === 'julian') return Decimal.fromInt(d + UNIX_EPOCH_JDATE);
  const [year, month, day] = civilFromDays(d);
  const v = calendarField(u, { year, month, day, hour: 0, minute: 0, second: 0, micro: 0 }, d);
  if (v === null) throw notSupported(unitText, T.date);
  return Decimal.fromInt(v);
}

function intervalPart(unitText: string, iv: Interval, numeric: boolean): Value {
  const u = lookupUnit(unitText, T.interval);
  const year = Math.trunc(iv.months / 12);
  const mon = iv.months % 12;
  const time = iv.micros;
  const hour = time / USECS_PER_HOUR;
  const min = (time % USECS_PER_HOUR) / USECS_PER_MINUTE;
  const secMicros = time % USECS_PER_MINUTE;
  const num = (x: number | bigint, scale = 0): Value => (numeric ? Decimal.of(BigInt(x), scale) : Number(x) / 10 ** scale + 0);
  switch (u) {
    case 'us':
      return num(secMicros);
    case 'w':
      return num(Math.trunc(iv.days / 7));
    case 'ms':
      return num(secMicros, 3);
    case 's':
      return num(secMicros, 6);
    case 'min':
      return num(min);
    case 'h':
      return num(hour);
    case 'd':
      return num(iv.days);
    case 'mon':
      return num(mon);
    case 'q':
      return num(iv.months >= 0 ? Math.trunc(mon / 3) + 1 : -(Math.trunc(-mon / 3) + 1));
    case 'y':
      return num(year);
    case 'dec':
      return num(Math.trunc(year / 10));
    case 'c':
      return num(Math.trunc(year / 100));
    case 'mil':
      return num(Math.trunc(year / 1000));
    case 'epoch': {
      const secs =
        (BigInt(Math.trunc(iv.months / 12)) * 1461n + BigInt(iv.months % 12) * 120n + BigInt(iv.days) * 4n) * (86400n / 4n);
      const total = secs * USECS_PER_SEC + time;
      return numeric ? Decimal.of(total, 6) : Number(total) / 1e6;
    }
    default:
      throw notSupported(unitText, T.interval);
  }
}

const S = (v: Value) => v as string;
for (const ts of [T.timestamp, T.timestamptz]) {
  fn('extract', { name: `extract_${ts.id}`, args: [T.text, ts], returns: T.numeric, eval: (v) => timestampPart(S(v[0]), v[1] as bigint, ts, true) });
  fn('date_part', { name: `${ts.id}_part`, args: [T.text, ts], returns: T.float8, eval: (v) => timestampPart(S(v[0]), v[1] as bigint, ts, false) });
}
fn('extract', { name: 'extract_date', args: [T.text, T.date], returns: T.numeric, eval: (v) => datePart(S(v[0]), v[1] as number) });
fn('extract', { name: 'extract_interval', args: [T.text, T.interval], returns: T.numeric, eval: (v) => intervalPart(S(v[0]), v[1] as Interval, true) });
fn('date_part', { name: 'interval_part', args: [T.text, T.interval], returns: T.float8, eval: (v) => intervalPart(S(v[0]), v[1] as Interval, false) });

// --- date_trunc ---

function truncTm(u: Unit, tm: Tm, unitText: string, ty: SqlType): Tm {
  const r = { ...tm };
  switch (u) {
    case 'w': {
      const d = dayNum(tm);
      const monday = d - ((dowOf(d) + 6) % 7);
      const [y, m, dd] = civilFromDays(monday);
      return { year: y, month: m, day: dd, hour: 0, minute: 0, second: 0, micro: 0 };
    }
    case 'mil':
      r.year = r.year > 0 ? Math.trunc((r.year + 999) / 1000) * 1000 - 999 : -Math.trunc((999 - (r.year - 1)) / 1000) * 1000 + 1;
      break;
    case 'c':
      r.year = r.year > 0 ? Math.trunc((r.year + 99) / 100) * 100 - 99 : -Math.trunc((99 - (r.year - 1)) / 100) * 100 + 1;
      break;
    case 'dec':
      r.year = r.year > 0 ? Math.trunc(r.year / 10) * 10 : -Math.trunc((8 - (r.year - 1)) / 10) * 10;
      break;
  }
  const order: Unit[] = ['mil', 'c', 'dec', 'y', 'q', 'mon', 'd', 'h', 'min', 's', 'ms', 'us'];
  const i = order.indexOf(u);
  if (i < 0) throw notSupported(unitText, ty);
  if (i <= 3) r.month = 1;
  if (i <= 4) r.month = 3 * Math.trunc((r.month - 1) / 3) + 1;
  if (i <= 5) r.day = 1;
  if (i <= 6) r.hour = 0;
  if (i <= 7) r.minute = 0;
  if (i <= 8) r.second = 0;
  if (i <= 9) r.micro = 0;
  if (i === 10) r.micro = Math.trunc(r.micro / 1000) * 1000;
  return r;
}

/** Units a timestamp without time zone is truncated to by plain arithmetic: a fixed length. */
const FIXED_UNIT_USECS: Partial<Record<Unit, number>> = { d: 86_400_000_000, h: 3_600_000_000, min: 60_000_000, s: 1_000_000, ms: 1000, us: 1 };

for (const ts of [T.timestamp, T.timestamptz]) {
  // the unit is usually a constant: its text is looked up once
  let lastText: string | null = null;
  let lastUnit: Unit = 'us';
  const trunc = (unit: Value, value: Value): Value => {
    const text = S(unit);
    if (text !== lastText) {
      lastUnit = lookupUnit(text, ts);
      lastText = text;
    }
    const t = value as bigint;
    if (!isFiniteTs(t)) return t;
    // without a time zone, a day or less is a fixed number of microseconds (in doubles while
    // exact: years 1685 to 2255)
    const step = ts.id === 'timestamp' ? FIXED_UNIT_USECS[lastUnit] : undefined;
    if (step !== undefined) {
      const x = Number(t);
      if (Number.isSafeInteger(x)) return BigInt(x - (((x % step) + step) % step));
    }
    return checkTimestamp(tmToTs(truncTm(lastUnit, tsToTm(t), text, ts)));
  };
  fn('date_trunc', {
    name: `${ts.id}_trunc`,
    args: [T.text, ts],
    returns: ts,
    eval: (v) => trunc(v[0], v[1]),
    eval2: trunc,
  });
}
// --- date_bin (PostgreSQL 15's timestamp_bin, overflow checks included) ---

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const fitsI64 = (x: bigint) => x >= I64_MIN && x <= I64_MAX;

/** The start of the bin of width `stride` (days and time only), counted from `origin`, that holds `t`. */
export function dateBin(stride: Interval, t: bigint, origin: bigint): bigint {
  if (!isFiniteTs(t)) return t;
  if (!isFiniteTs(origin)) throw new SqlError(SQLSTATE.DATETIME_FIELD_OVERFLOW, 'origin out of range');
  if (stride.months !== 0) throw new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, 'timestamps cannot be binned into intervals containing months or years');
  const strideUsecs = BigInt(stride.days) * USECS_PER_DAY + stride.micros;
  if (!fitsI64(strideUsecs)) throw new SqlError(SQLSTATE.DATETIME_FIELD_OVERFLOW, 'interval out of range');
  if (strideUsecs <= 0n) throw new SqlError(SQLSTATE.DATETIME_FIELD_OVERFLOW, 'stride must be greater than zero');
  const diff = t - origin;
  if (!fitsI64(diff)) throw new SqlError(SQLSTATE.DATETIME_FIELD_OVERFLOW, 'interval out of range');
  const modulo = diff % strideUsecs; // truncating, as C's %
  let result = origin + (diff - modulo);
  // towards -infinity when t is before origin and not on a bin boundary
  if (modulo < 0n) result = checkTimestamp(result - strideUsecs);
  return result;
}

for (const ts of [T.timestamp, T.timestamptz]) {
  fn('date_bin', {
    name: `${ts.id}_bin`,
    args: [T.interval, ts, ts],
    returns: ts,
    eval: (v) => dateBin(v[0] as Interval, v[1] as bigint, v[2] as bigint),
  });
}

fn('date_trunc', {
  name: 'interval_trunc',
  args: [T.text, T.interval],
  returns: T.interval,
  eval: (v) => {
    const unitText = S(v[0]);
    const u = lookupUnit(unitText, T.interval);
    const iv = v[1] as Interval;
    let year = Math.trunc(iv.months / 12);
    let mon = iv.months % 12;
    let day = iv.days;
    let time = iv.micros;
    const order: Unit[] = ['mil', 'c', 'dec', 'y', 'q', 'mon', 'd', 'h', 'min', 's', 'ms', 'us'];
    const i = order.indexOf(u);
    if (u === 'w') {
      throw new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, `unit "${unitText.toLowerCase()}" not supported for type interval`, {
        detail: 'Months usually have fractional weeks.',
      });
    }
    if (i < 0) throw notSupported(unitText, T.interval);
    if (u === 'mil') year = Math.trunc(year / 1000) * 1000;
    if (u === 'c') year = Math.trunc(year / 100) * 100;
    if (u === 'dec') year = Math.trunc(year / 10) * 10;
    if (i <= 3) mon = 0;
    if (i === 4) mon = 3 * Math.trunc(mon / 3);
    if (i <= 5) day = 0;
    const unitMicros = [0n, 0n, 0n, 0n, 0n, 0n, 0n, USECS_PER_HOUR, USECS_PER_MINUTE, USECS_PER_SEC, 1000n, 1n][i];
    if (i <= 6) time = 0n;
    else time = (time / unitMicros) * unitMicros;
    return new Interval(year * 12 + mon, day, time);
  },
});

// --- constructors ---

fn('make_date', { name: 'make_date', args: [T.int4, T.int4, T.int4], returns: T.date, eval: (v) => makeDate(v[0] as number, v[1] as number, v[2] as number) });
fn('make_timestamp', {
  name: 'make_timestamp',
  args: [T.int4, T.int4, T.int4, T.int4, T.int4, T.float8],
  returns: T.timestamp,
  eval: (v) => {
    const [y, m, d, h, mi] = v.slice(0, 5) as number[];
    const sec = v[5] as number;
    const day = makeDate(y, m, d);
    if (h < 0 || h > 24 || mi < 0 || mi > 59 || !(sec >= 0 && sec <= 60) || (h === 24 && (mi > 0 || sec > 0))) {
      throw new SqlError(SQLSTATE.DATETIME_FIELD_OVERFLOW, `date/time field value out of range: ${h}:${String(mi).padStart(2, '0')}:${sec}`);
    }
    const micros = BigInt(h) * USECS_PER_HOUR + BigInt(mi) * USECS_PER_MINUTE + BigInt(rint(sec * 1e6));
    return checkTimestamp(BigInt(day) * USECS_PER_DAY + micros);
  },
});

const MI_ARGS = [T.int4, T.int4, T.int4, T.int4, T.int4, T.int4, T.float8];
for (let n = 0; n <= 7; n++) {
  fn('make_interval', {
    name: `make_interval${n}`,
    args: MI_ARGS.slice(0, n),
    returns: T.interval,
    eval: (v) => {
      const a = [0, 0, 0, 0, 0, 0, 0].map((z, i) => (i < v.length ? (v[i] as number) : z));
      const [years, months, weeks, days, hours, mins, secs] = a;
      if (!Number.isFinite(secs)) throw new SqlError(SQLSTATE.DATETIME_FIELD_OVERFLOW, 'interval out of range');
      const time = BigInt(hours) * USECS_PER_HOUR + BigInt(mins) * USECS_PER_MINUTE + BigInt(rint(secs * 1e6));
      return new Interval(years * 12 + months, weeks * 7 + days, time);
    },
  });
}

fn('to_timestamp', {
  name: 'float8_timestamptz',
  args: [T.float8],
  returns: T.timestamptz,
  eval: (v) => {
    const s = v[0] as number;
    if (Number.isNaN(s)) throw new SqlError(SQLSTATE.DATETIME_FIELD_OVERFLOW, 'timestamp cannot be NaN');
    if (s === Infinity) return TS_NOEND;
    if (s === -Infinity) return TS_NOBEGIN;
    const r = rint((s - 946684800) * 1e6);
    if (!Number.isFinite(r) || Math.abs(r) > 9.2e18) {
      throw new SqlError(SQLSTATE.DATETIME_FIELD_OVERFLOW, `timestamp out of range: "${s}"`);
    }
    return checkTimestamp(BigInt(r) + 946684800000000n);
  },
});

// --- age, justify, isfinite ---

for (const ts of [T.timestamp, T.timestamptz]) {
  fn('age', { name: `${ts.id}_age`, args: [ts, ts], returns: T.interval, eval: (v) => age(v[0] as bigint, v[1] as bigint) });
}
fn('age', {
  name: 'timestamp_age_now',
  args: [T.timestamp],
  returns: T.interval,
  volatile: true,
  eval: (v) => age(floorDiv(currentTimestamp(), USECS_PER_DAY) * USECS_PER_DAY, v[0] as bigint),
});
fn('justify_hours', { name: 'interval_justify_hours', args: [T.interval], returns: T.interval, eval: (v) => justifyHours(v[0] as Interval) });
fn('justify_days', { name: 'interval_justify_days', args: [T.interval], returns: T.interval, eval: (v) => justifyDays(v[0] as Interval) });
fn('justify_interval', { name: 'interval_justify_interval', args: [T.interval], returns: T.interval, eval: (v) => justifyInterval(v[0] as Interval) });
fn('isfinite', { name: 'date_finite', args: [T.date], returns: T.bool, eval: (v) => Number.isFinite(v[0] as number) });
fn('isfinite', { name: 'timestamp_finite', args: [T.timestamp], returns: T.bool, eval: (v) => isFiniteTs(v[0] as bigint) });
fn('isfinite', { name: 'timestamptz_finite', args: [T.timestamptz], returns: T.bool, eval: (v) => isFiniteTs(v[0] as bigint) });
fn('isfinite', { name: 'interval_finite', args: [T.interval], returns: T.bool, eval: () => true });

// --- current time (volatile: refused in materialized views, but for temporal filters) ---
// now() is the transaction's start, as in PostgreSQL; statement_timestamp() the statement's;
// clock_timestamp() the time of the call. Outside a session, all three are the call's time.
const fromMs = (ms: number | undefined): bigint => (ms === undefined ? currentTimestamp() : BigInt(ms) * 1000n);
const transactionTime = (): bigint => {
  const block = activeSessionInfo().transaction;
  return fromMs(block ? (block.txn?.startedMs ?? block.statementMs) : undefined);
};
fn(['now', 'current_timestamp', 'transaction_timestamp'], { name: 'now', args: [], returns: T.timestamptz, volatile: true, eval: () => transactionTime() });
fn('statement_timestamp', { name: 'statement_timestamp', args: [], returns: T.timestamptz, volatile: true, eval: () => fromMs(activeSessionInfo().transaction?.statementMs) });
fn('clock_timestamp', { name: 'clock_timestamp', args: [], returns: T.timestamptz, volatile: true, eval: () => currentTimestamp() });
// Materialize's clock: in a view, only in temporal filters (plan/temporal_filter.ts); in a
// read, the time the views are at (the engine substitutes it; this is a fallback)
fn('mz_now', { name: 'mz_now', args: [], returns: T.timestamptz, volatile: true, eval: () => currentTimestamp() });
fn('localtimestamp', { name: 'localtimestamp', args: [], returns: T.timestamp, volatile: true, eval: () => transactionTime() });
fn('current_date', { name: 'current_date', args: [], returns: T.date, volatile: true, eval: () => timestampToDate(transactionTime()) });
