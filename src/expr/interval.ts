// PostgreSQL interval: months, days and microseconds kept apart (a month is not a fixed
// number of days), compared as a span with 1 month = 30 days and 1 day = 24 hours.

import { SqlError, SQLSTATE } from '../errors.js';

export const USECS_PER_SEC = 1_000_000n;
export const USECS_PER_MINUTE = 60_000_000n;
export const USECS_PER_HOUR = 3_600_000_000n;
export const USECS_PER_DAY = 86_400_000_000n;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function intervalOutOfRange(): SqlError {
  return new SqlError(SQLSTATE.DATETIME_FIELD_OVERFLOW, 'interval out of range');
}

function checkI32(n: number): number {
  if (!(n >= INT32_MIN && n <= INT32_MAX)) throw intervalOutOfRange();
  return n;
}

function checkI64(n: bigint): bigint {
  if (n < INT64_MIN || n > INT64_MAX) throw intervalOutOfRange();
  return n;
}

/** C's rint: round half to even. */
export function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** TSROUND: round to microsecond precision. */
function tsround(x: number): number {
  return rint(x * 1e6) / 1e6;
}

export class Interval {
  constructor(
    readonly months: number,
    readonly days: number,
    readonly micros: bigint,
  ) {}

  static readonly ZERO = new Interval(0, 0, 0n);

  static parse(text: string): Interval {
    return parseInterval(text);
  }

  add(o: Interval): Interval {
    return new Interval(checkI32(this.months + o.months), checkI32(this.days + o.days), checkI64(this.micros + o.micros));
  }

  sub(o: Interval): Interval {
    return new Interval(checkI32(this.months - o.months), checkI32(this.days - o.days), checkI64(this.micros - o.micros));
  }

  neg(): Interval {
    return new Interval(checkI32(-this.months), checkI32(-this.days), checkI64(-this.micros));
  }

  /** interval_mul: fractional months and days cascade down to days and time. */
  mul(factor: number): Interval {
    const m = this.months * factor;
    const d = this.days * factor;
    if (Number.isNaN(m) || Number.isNaN(d) || !(m >= INT32_MIN && m <= INT32_MAX) || !(d >= INT32_MIN && d <= INT32_MAX)) {
      throw intervalOutOfRange();
    }
    return cascade(Math.trunc(m), Math.trunc(d), m, d, Number(this.micros) * factor);
  }

  div(factor: number): Interval {
    if (factor === 0) throw new SqlError(SQLSTATE.DIVISION_BY_ZERO, 'division by zero');
    const m = this.months / factor;
    const d = this.days / factor;
    if (Number.isNaN(m) || Number.isNaN(d) || !(m >= INT32_MIN && m <= INT32_MAX) || !(d >= INT32_MIN && d <= INT32_MAX)) {
      throw intervalOutOfRange();
    }
    return cascade(Math.trunc(m), Math.trunc(d), m, d, Number(this.micros) / factor);
  }

  /** Span in microseconds with PostgreSQL's 30-day months (interval_cmp_value). */
  span(): bigint {
    return (BigInt(this.months) * 30n + BigInt(this.days)) * USECS_PER_DAY + this.micros;
  }

  compare(o: Interval): number {
    const a = this.span();
    const b = o.span();
    return a < b ? -1 : a > b ? 1 : 0;
  }

  equalityKey(): bigint {
    return this.span();
  }

  identityKey(): string {
    return `${this.months}:${this.days}:${this.micros}`;
  }

  /** IntervalStyle postgres output. */
  toString(): string {
    const year = Math.trunc(this.months / 12);
    const mon = this.months % 12;
    const st = { out: '', isZero: true, isBefore: false };
    addPart(st, year, 'year');
    addPart(st, mon, 'mon');
    addPart(st, this.days, 'day');
    const t = this.micros;
    if (st.isZero || t !== 0n) {
      const neg = t < 0n;
      const a = neg ? -t : t;
      const hour = a / USECS_PER_HOUR;
      const min = (a / USECS_PER_MINUTE) % 60n;
      const sec = (a / USECS_PER_SEC) % 60n;
      const fsec = a % USECS_PER_SEC;
      st.out += `${st.isZero ? '' : ' '}${neg ? '-' : st.isBefore ? '+' : ''}${pad2(hour)}:${pad2(min)}:${pad2(sec)}${fraction(fsec)}`;
    }
    return st.out;
  }
}

function addPart(st: { out: string; isZero: boolean; isBefore: boolean }, value: number, unit: string): void {
  if (value === 0) return;
  st.out += `${st.isZero ? '' : ' '}${st.isBefore && value > 0 ? '+' : ''}${value} ${unit}${value !== 1 ? 's' : ''}`;
  st.isBefore = value < 0;
  st.isZero = false;
}

export function pad2(n: bigint | number): string {
  const s = n.toString();
  return s.length < 2 ? '0' + s : s;
}

/** ".ffffff" with trailing zeros trimmed, or '' for zero. */
export function fraction(fsec: bigint): string {
  if (fsec === 0n) return '';
  return '.' + fsec.toString().padStart(6, '0').replace(/0+$/, '');
}

function cascade(months: number, days: number, exactMonths: number, exactDays: number, time: number): Interval {
  let monthRemainderDays = tsround((exactMonths - months) * 30);
  let secRemainder = tsround((exactDays - days + monthRemainderDays - Math.trunc(monthRemainderDays)) * 86400);
  if (Math.abs(secRemainder) >= 86400) {
    days += Math.trunc(secRemainder / 86400);
    secRemainder -= Math.trunc(secRemainder / 86400) * 86400;
  }
  days += Math.trunc(monthRemainderDays);
  const t = rint(time + secRemainder * 1e6);
  if (!Number.isFinite(t) || t < -9.223372036854776e18 || t >= 9.223372036854776e18) throw intervalOutOfRange();
  return new Interval(checkI32(months), checkI32(days), BigInt(t));
}

// ---------------------------------------------------------------------------------------
// Input (DecodeInterval, simplified: fields are read right to left, a bare number takes
// the unit of the field to its right, seconds by default, days before a time field).

type Unit = 'us' | 'ms' | 's' | 'min' | 'h' | 'd' | 'w' | 'mon' | 'y' | 'dec' | 'c' | 'mil';

const UNITS: Record<string, Unit> = {
  microsecon: 'us', us: 'us', usec: 'us', usecond: 'us', useconds: 'us', usecs: 'us',
  millisecon: 'ms', ms: 'ms', msec: 'ms', msecond: 'ms', mseconds: 'ms', msecs: 'ms',
  s: 's', sec: 's', second: 's', seconds: 's', secs: 's',
  m: 'min', min: 'min', mins: 'min', minute: 'min', minutes: 'min',
  h: 'h', hour: 'h', hours: 'h', hr: 'h', hrs: 'h',
  d: 'd', day: 'd', days: 'd',
  w: 'w', week: 'w', weeks: 'w',
  mon: 'mon', mons: 'mon', month: 'mon', months: 'mon',
  y: 'y', year: 'y', years: 'y', yr: 'y', yrs: 'y',
  dec: 'dec', decade: 'dec', decades: 'dec', decs: 'dec',
  c: 'c', cent: 'c', century: 'c', centuries: 'c',
  mil: 'mil', millennia: 'mil', millennium: 'mil', mils: 'mil',
};

const TIME_UNIT_MICROS: Partial<Record<Unit, number>> = { us: 1, ms: 1e3, s: 1e6, min: 6e7, h: 3.6e9 };
const MONTH_UNITS: Partial<Record<Unit, number>> = { y: 12, dec: 120, c: 1200, mil: 12000 };

class Acc {
  months = 0;
  days = 0;
  micros = 0;
  addTime(v: number, unitMicros: number): void {
    const ip = Math.trunc(v);
    this.micros += ip * unitMicros + rint((v - ip) * unitMicros);
  }
  /** Whole days plus a fractional remainder spread into time (AdjustFractDays). */
  addDays(v: number, scale: number): void {
    const ip = Math.trunc(v);
    this.days += ip * scale;
    const extra = (v - ip) * scale;
    const ed = Math.trunc(extra);
    this.days += ed;
    this.micros += rint((extra - ed) * 86400e6);
  }
  add(v: number, u: Unit): void {
    const tm = TIME_UNIT_MICROS[u];
    if (tm !== undefined) return this.addTime(v, tm);
    if (u === 'd') {
      const ip = Math.trunc(v);
      this.days += ip;
      this.micros += rint((v - ip) * 86400e6);
    } else if (u === 'w') this.addDays(v, 7);
    else if (u === 'mon') {
      const ip = Math.trunc(v);
      this.months += ip;
      this.addDays(v - ip, 30);
    } else {
      const scale = MONTH_UNITS[u]!;
      const ip = Math.trunc(v);
      this.months += ip * scale + rint((v - ip) * scale);
    }
  }
}

function badInterval(text: string): SqlError {
  return new SqlError(SQLSTATE.INVALID_DATETIME_FORMAT, `invalid input syntax for type interval: "${text}"`);
}

export function parseInterval(text: string): Interval {
  const s = text.trim().toLowerCase();
  if (s === '') throw badInterval(text);
  const acc = new Acc();
  if (s[0] === 'p') {
    if (!parseIso(s, acc)) throw badInterval(text);
  } else {
    const tokens = tokenize(s);
    if (!tokens) throw badInterval(text);
    let ago = false;
    if (tokens.length && tokens[tokens.length - 1] === 'ago') {
      ago = true;
      tokens.pop();
    }
    if (tokens[0] === '@') tokens.shift();
    if (!tokens.length) throw badInterval(text);
    let pendingUnit: Unit | null = null;
    let defaultUnit: Unit = 's';
    const seen = new Set<string>();
    for (let i = tokens.length - 1; i >= 0; i--) {
      const tok = tokens[i];
      const unit = UNITS[tok.slice(0, 10)];
      if (unit) {
        if (pendingUnit) throw badInterval(text);
        pendingUnit = unit;
        continue;
      }
      if (tok.includes(':')) {
        if (pendingUnit || seen.has('time')) throw badInterval(text);
        seen.add('time');
        const ok = parseTimeField(tok, acc);
        if (ok === 'overflow') throw new SqlError('22015', `interval field value out of range: "${text}"`);
        if (!ok) throw badInterval(text);
        defaultUnit = 'd';
        continue;
      }
      const ym = /^([+-]?)(\d+)-(\d+)$/.exec(tok);
      if (ym && !pendingUnit) {
        const sign = ym[1] === '-' ? -1 : 1;
        acc.months += sign * (Number(ym[2]) * 12 + Number(ym[3]));
        continue;
      }
      if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(tok)) throw badInterval(text);
      const u: Unit = pendingUnit ?? defaultUnit;
      if (seen.has(u)) throw badInterval(text);
      seen.add(u);
      acc.add(Number(tok), u);
      pendingUnit = null;
    }
    if (pendingUnit) throw badInterval(text);
    if (ago) {
      acc.months = -acc.months;
      acc.days = -acc.days;
      acc.micros = -acc.micros;
    }
  }
  if (!Number.isSafeInteger(acc.micros) && Math.abs(acc.micros) > 9.2e18) {
    throw new SqlError('22015', `interval field value out of range: "${text}"`);
  }
  if (acc.months < INT32_MIN || acc.months > INT32_MAX || acc.days < INT32_MIN || acc.days > INT32_MAX) {
    throw new SqlError('22015', `interval field value out of range: "${text}"`);
  }
  return new Interval(acc.months, acc.days, BigInt(Math.round(acc.micros)));
}

/** Split into number, word, time and sign-prefixed tokens ('1day' -> '1', 'day'). */
function tokenize(s: string): string[] | null {
  const out: string[] = [];
  const re = /\s*(@|[+-]?[\d.]+(?::[\d.]+)*(?:-\d+)?|[a-z]+)/y;
  let pos = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) {
      if (/^\s*$/.test(s.slice(pos))) break;
      return null;
    }
    // a signed number glued to the previous token ('2020-01-01') is not an interval field
    if (pos > 0 && m[0] === m[1] && /^[+-]/.test(m[1])) return null;
    out.push(m[1]);
    pos = re.lastIndex;
  }
  return out;
}

/** hh:mm[:ss[.f]] or mm:ss.f; 'overflow' when minutes pass 59 or seconds 60 (PostgreSQL's DecodeTime). */
function parseTimeField(tok: string, acc: Acc): boolean | 'overflow' {
  const m = /^([+-]?)(\d+):(\d+)(?::(\d+(?:\.\d*)?))?$/.exec(tok) ?? /^([+-]?)(\d+):(\d+\.\d*)$/.exec(tok);
  if (!m) return false;
  const sign = m[1] === '-' ? -1 : 1;
  let micros: number;
  if (m[4] === undefined && m[3].includes('.')) {
    // mm:ss.fff
    if (Number(m[2]) > 59 || Math.trunc(Number(m[3])) > 60) return 'overflow';
    micros = Number(m[2]) * 6e7 + Math.round(Number(m[3]) * 1e6);
  } else {
    if (Number(m[3]) > 59 || (m[4] !== undefined && Math.trunc(Number(m[4])) > 60)) return 'overflow';
    micros = Number(m[2]) * 3.6e9 + Number(m[3]) * 6e7 + (m[4] ? Math.round(Number(m[4]) * 1e6) : 0);
  }
  acc.micros += sign * micros;
  return true;
}

function parseIso(s: string, acc: Acc): boolean {
  const m = /^p(?:([-+]?[\d.]+)y)?(?:([-+]?[\d.]+)m)?(?:([-+]?[\d.]+)w)?(?:([-+]?[\d.]+)d)?(?:t(?:([-+]?[\d.]+)h)?(?:([-+]?[\d.]+)m)?(?:([-+]?[\d.]+)s)?)?$/.exec(s);
  if (!m || s === 'p' || s.endsWith('t')) return false;
  const units: Unit[] = ['y', 'mon', 'w', 'd', 'h', 'min', 's'];
  for (let i = 0; i < units.length; i++) {
    const v = m[i + 1];
    if (v !== undefined) {
      const n = Number(v);
      if (Number.isNaN(n)) return false;
      acc.add(n, units[i]);
    }
  }
  return true;
}
