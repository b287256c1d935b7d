// Casts between our types with PostgreSQL's pg_cast contexts, input functions (text ->
// value), typmod coercion (varchar(n), char(n), numeric(p,s)) and select_common_type.

import { fastDate, fastDecimal, fastInt, fastTimestamp } from './fast_input.js';
import { adjustInterval, parseIntervalTyped } from './interval_typmod.js';
import { SqlError, SQLSTATE, invalidInput, outOfRange } from '../errors.js';
import { TYPE_INFO, formatType, type as mkType, type SqlType, type TypeId } from '../sql/types.js';
import type { Value } from './value.js';
import { Decimal, applyTypmod, numericTypmodParts } from './numeric.js';
import { Interval } from './interval.js';
import { Jsonb, typeOf, type JsonValue } from './jsonb.js';
import { dateToTimestamp, parseDate, parseTimestamp, timestampToDate } from './datetime.js';
import { formatValue } from './format.js';
import { rint } from './interval.js';
import { parseOid, regIn } from './reg.js';
import { isOidType, isOpaqueType, isArrayType, elementType } from '../sql/types.js';
import { PgArray, parseArray } from './array.js';

export type CastContext = 'implicit' | 'assignment' | 'explicit';

const NUM_RANK: Partial<Record<TypeId, number>> = { int2: 0, int4: 1, int8: 2, numeric: 3, float4: 4, float8: 5 };
const STRING: ReadonlySet<TypeId> = new Set(['text', 'varchar', 'bpchar', 'name']);
const INT_IDS: ReadonlySet<TypeId> = new Set(['int2', 'int4', 'int8']);

/** pg_cast.castcontext between two types (I/O conversion casts included), or null. */
export function castKind(from: SqlType, to: SqlType): CastContext | null {
  const f = from.id;
  const t = to.id;
  if (f === t || f === 'unknown') return 'implicit';
  if (t === 'unknown') return null;
  const fr = NUM_RANK[f];
  const tr = NUM_RANK[t];
  if (fr !== undefined && tr !== undefined) {
    // widening is implicit; everything else between numeric types is assignment,
    // except that numeric -> float is implicit
    if (tr > fr || (f === 'numeric' && (t === 'float4' || t === 'float8'))) return 'implicit';
    return 'assignment';
  }
  const cat = catalogCastKind(from, to);
  if (cat !== undefined) return cat;
  if (STRING.has(f) && STRING.has(t)) return 'implicit';
  if (STRING.has(t)) return 'assignment';
  if (STRING.has(f)) return 'explicit';
  if (f === 'date' && (t === 'timestamp' || t === 'timestamptz')) return 'implicit';
  if (f === 'timestamp' && t === 'timestamptz') return 'implicit';
  if ((f === 'timestamp' || f === 'timestamptz') && (t === 'date' || t === 'timestamp')) return 'assignment';
  if (f === 'int4' && t === 'bool') return 'explicit';
  if (f === 'bool' && t === 'int4') return 'explicit';
  if (f === 'jsonb' && (t === 'bool' || tr !== undefined)) return 'explicit';
  return null;
}

/** pg_cast entries of the system-catalog types (undefined: not one of them). */
function catalogCastKind(from: SqlType, to: SqlType): CastContext | null | undefined {
  const f = from.id;
  const t = to.id;
  const fo = isOidType(from);
  const toOid = isOidType(to);
  if (fo || toOid) {
    if (fo && toOid) return f === 'oid' || t === 'oid' ? 'implicit' : null;
    if (INT_IDS.has(f) && toOid) return 'implicit';
    if (fo && (t === 'int8' || t === 'int4')) return 'assignment';
    if (STRING.has(t)) return 'assignment';
    if ((f === 'text' || f === 'varchar') && t === 'regclass') return 'implicit';
    if (STRING.has(f)) return 'explicit';
    return null;
  }
  if (f === 'char' || t === 'char') {
    if (f === 'char' && t === 'text') return 'implicit';
    if (f === 'name') return 'explicit';
    if (STRING.has(f) || STRING.has(t)) return 'assignment';
    if ((f === 'char' && t === 'int4') || (f === 'int4' && t === 'char')) return 'explicit';
    return null;
  }
  if (isArrayType(from) && isArrayType(to)) {
    // binary-coercible int2vector -> int2[], oidvector -> oid[]; otherwise the element cast's context
    if ((f === 'int2vector' && t === '_int2') || (f === 'oidvector' && t === '_oid')) return 'implicit';
    if (f.endsWith('vector') || t.endsWith('vector')) return null;
    return castKind(elementType(from)!, elementType(to)!);
  }
  if (isOpaqueType(from) || isOpaqueType(to)) {
    if (f === 'pg_node_tree' && t === 'text') return 'implicit';
    if (STRING.has(t)) return 'assignment';
    if (STRING.has(f)) return 'explicit';
    return null;
  }
  if (f === 'name' && (t === 'varchar' || t === 'bpchar')) return 'assignment';
  return undefined;
}

/** Can `from` be coerced to `to` in `ctx`? (can_coerce_type) */
export function canCast(from: SqlType, to: SqlType, ctx: CastContext): boolean {
  const k = castKind(from, to);
  if (k === null) return false;
  if (ctx === 'explicit') return true;
  if (ctx === 'assignment') return k !== 'explicit';
  return k === 'implicit';
}

// --- input functions ---

const WS = /^[ \t\n\r\v\f]+|[ \t\n\r\v\f]+$/g;

function intBounds(id: TypeId): [bigint, bigint, string] {
  if (id === 'int2') return [-32768n, 32767n, 'smallint'];
  if (id === 'int4') return [-2147483648n, 2147483647n, 'integer'];
  return [-(2n ** 63n), 2n ** 63n - 1n, 'bigint'];
}

/**
 * pg_strtoint16/32/64 of PostgreSQL 15: optional sign and decimal digits only (PostgreSQL 16
 * added 0x/0o/0b prefixes and underscores between digits; 15 rejects them with 22P02).
 */
export function parseIntText(text: string, id: 'int2' | 'int4' | 'int8'): bigint {
  const [min, max, name] = intBounds(id);
  const s = text.replace(WS, '');
  const m = /^([+-]?)(\d+)$/.exec(s);
  if (!m) throw invalidInput(name, text);
  let v = BigInt(m[2]);
  if (m[1] === '-') v = -v;
  if (v < min || v > max) {
    throw new SqlError(SQLSTATE.NUMERIC_VALUE_OUT_OF_RANGE, `value "${text}" is out of range for type ${name}`);
  }
  return v;
}

export function parseFloatText(text: string, id: 'float4' | 'float8'): number {
  const name = id === 'float4' ? 'real' : 'double precision';
  const s = text.replace(WS, '');
  const low = s.toLowerCase();
  const sp = /^([+-]?)(nan|inf|infinity)$/.exec(low);
  if (sp) return sp[2] === 'nan' ? NaN : sp[1] === '-' ? -Infinity : Infinity;
  let x: number;
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) x = Number(s);
  // strtod's hexadecimal form: at least one hex digit
  else if (/^[+-]?0x(?=\.?[0-9a-f])[0-9a-f]*(\.[0-9a-f]*)?(p[+-]?\d+)?$/.test(low)) x = parseHexFloat(low);
  else throw invalidInput(name, text);
  const r = id === 'float4' ? Math.fround(x) : x;
  const nonzero = /[1-9]/.test(s.replace(/[eE].*$/, ''));
  if (!Number.isFinite(r) || (r === 0 && nonzero)) {
    throw new SqlError(SQLSTATE.NUMERIC_VALUE_OUT_OF_RANGE, `"${text}" is out of range for type ${name}`);
  }
  return r;
}

function parseHexFloat(s: string): number {
  const m = /^([+-]?)0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?$/.exec(s)!;
  const mant = parseInt((m[2] || '0') + (m[3] ?? ''), 16);
  const x = mant * 2 ** (Number(m[4] ?? 0) - 4 * (m[3]?.length ?? 0));
  return m[1] === '-' ? -x : x;
}

const BOOL_WORDS: [string, boolean, number][] = [
  ['true', true, 1], ['false', false, 1], ['yes', true, 1], ['no', false, 1], ['on', true, 2], ['off', false, 2],
];

export function parseBool(text: string): boolean {
  const s = text.replace(WS, '').toLowerCase();
  if (s === '1') return true;
  if (s === '0') return false;
  if (s.length > 0) {
    for (const [w, v, minLen] of BOOL_WORDS) {
      if (s.length >= minLen && w.startsWith(s)) return v;
    }
  }
  throw invalidInput('boolean', text);
}

/** The input function of type t (typmod applied as on assignment). */
export function parseValue(text: string, t: SqlType): Value {
  switch (t.id) {
    case 'bool':
      return parseBool(text);
    case 'int2':
    case 'int4': {
      const fast = fastInt(text);
      if (fast !== undefined && fast >= (t.id === 'int2' ? -32768 : -2147483648) && fast <= (t.id === 'int2' ? 32767 : 2147483647)) return fast;
      return Number(parseIntText(text, t.id));
    }
    case 'int8': {
      const fast = fastInt(text);
      return fast !== undefined ? BigInt(fast) : parseIntText(text, 'int8');
    }
    case 'numeric': {
      const fast = fastDecimal(text, ...numericTypmodParts(t.typmod));
      return fast ?? applyTypmod(Decimal.parse(text), t.typmod);
    }
    case 'float4':
    case 'float8':
      return parseFloatText(text, t.id);
    case 'text':
    case 'unknown':
      return text;
    case 'varchar':
    case 'bpchar':
      return applyStringTypmod(text, t, false);
    case 'date':
      return fastDate(text) ?? parseDate(text);
    case 'timestamp':
      return fastTimestamp(text, false) ?? parseTimestamp(text, false);
    case 'timestamptz':
      return fastTimestamp(text, true) ?? parseTimestamp(text, true);
    case 'interval':
      return parseIntervalTyped(text, t.typmod);
    case 'jsonb':
      return Jsonb.parse(text);
    case 'oid': {
      const n = parseOid(text);
      if (Number.isNaN(n)) {
        if (/^\s*[+-]?\d+\s*$/.test(text)) throw new SqlError(SQLSTATE.NUMERIC_VALUE_OUT_OF_RANGE, `value "${text}" is out of range for type oid`);
        throw invalidInput('oid', text);
      }
      return n;
    }
    case 'regclass':
    case 'regtype':
    case 'regproc':
    case 'regnamespace':
    case 'regrole':
      return regIn(t.id, text);
    case 'name':
      return truncateName(text);
    case 'char':
      // "char" keeps the first byte; we keep the first character
      return text.length === 0 ? '' : String.fromCodePoint(text.codePointAt(0)!);
    default: {
      // arrays (and int2vector, oidvector) last: no scalar case above is one
      const et = elementType(t);
      if (et) return parseArray(text, et, t.id.endsWith('vector'), parseValue);
      throw new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, `input of type ${TYPE_INFO[t.id].name} is not supported`);
    }
  }
}

/** name values hold at most NAMEDATALEN - 1 = 63 bytes. */
function truncateName(s: string): string {
  if (Buffer.byteLength(s, 'utf8') <= 63) return s;
  let out = '';
  for (const c of s) {
    if (Buffer.byteLength(out + c, 'utf8') > 63) break;
    out += c;
  }
  return out;
}

/** varchar(n) / char(n) length coercion; `explicit` truncates instead of raising. */
export function applyStringTypmod(s: string, t: SqlType, explicit: boolean): string {
  const n = t.typmod;
  if (n < 0) return s;
  const len = charLength(s);
  if (len > n) {
    const cut = sliceChars(s, n);
    if (!explicit && !/^ *$/.test(s.slice(cut.length))) {
      const name = t.id === 'varchar' ? 'character varying' : 'character';
      throw new SqlError(SQLSTATE.STRING_DATA_RIGHT_TRUNCATION, `value too long for type ${name}(${n})`);
    }
    return cut;
  }
  if (t.id === 'bpchar' && len < n) return s + ' '.repeat(n - len);
  return s;
}

/** Length in characters (code points), as PostgreSQL counts them in UTF-8. */
export function charLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) n--;
  }
  return n;
}

function sliceChars(s: string, n: number): string {
  if (charLength(s) === s.length) return s.slice(0, n);
  return Array.from(s).slice(0, n).join('');
}

function rtrimSpaces(s: string): string {
  let e = s.length;
  while (e > 0 && s.charCodeAt(e - 1) === 32) e--;
  return s.slice(0, e);
}

// --- casts ---

type Fn = (v: Value) => Value;

function toIntFromBig(b: bigint, id: 'int2' | 'int4' | 'int8'): Value {
  const [min, max, name] = intBounds(id);
  if (b < min || b > max) throw outOfRange(name);
  return id === 'int8' ? b : Number(b);
}

function floatToInt(x: number, id: 'int2' | 'int4' | 'int8'): Value {
  const r = rint(x);
  const [min, max, name] = intBounds(id);
  // float8 bounds checks as FLOAT8_FITS_IN_INT*: [min, -min)
  if (Number.isNaN(r) || r < Number(min) || r >= -Number(min)) throw outOfRange(name);
  void max;
  return id === 'int8' ? BigInt(r) : r;
}

function toFloat4(x: number): number {
  const r = Math.fround(x);
  if (!Number.isFinite(r) && Number.isFinite(x)) throw new SqlError(SQLSTATE.NUMERIC_VALUE_OUT_OF_RANGE, 'value out of range: overflow');
  if (r === 0 && x !== 0) throw new SqlError(SQLSTATE.NUMERIC_VALUE_OUT_OF_RANGE, 'value out of range: underflow');
  return r;
}

/** Numeric-family conversion between ids (no typmod). */
function numericCast(f: TypeId, t: TypeId): Fn {
  const isInt = (id: TypeId) => id === 'int2' || id === 'int4' || id === 'int8';
  if (isInt(t)) {
    const ti = t as 'int2' | 'int4' | 'int8';
    if (isInt(f)) return (v) => toIntFromBig(BigInt(v as number | bigint), ti);
    if (f === 'numeric') {
      const [min, max, name] = intBounds(ti);
      return (v) => {
        const b = (v as Decimal).toBigInt(name, min, max);
        return ti === 'int8' ? b : Number(b);
      };
    }
    return (v) => floatToInt(v as number, ti);
  }
  if (t === 'numeric') {
    if (isInt(f)) return (v) => Decimal.fromBigInt(BigInt(v as number | bigint));
    if (f === 'float4') return (v) => Decimal.fromFloat(v as number, 6);
    return (v) => Decimal.fromFloat(v as number, 15);
  }
  // to float
  const conv: Fn =
    f === 'numeric'
      ? (v) => {
          if (t === 'float4') {
            const d = v as Decimal;
            return d.isFinite() ? parseFloatText(d.toString(), 'float4') : d.toNumber();
          }
          return (v as Decimal).toNumber();
        }
      : (v) => Number(v as number | bigint);
  if (t === 'float4' && f === 'float8') return (v) => toFloat4(v as number);
  if (t === 'float4') return (v) => Math.fround(conv(v) as number);
  return conv;
}

function jsonbCast(to: SqlType): Fn {
  const name = TYPE_INFO[to.id].name;
  const want = to.id === 'bool' ? 'boolean' : 'number';
  const num = to.id === 'bool' ? null : numericCast('numeric', to.id);
  return (v) => {
    const j = (v as Jsonb).value;
    if (j === null) return null;
    const ty = typeOf(j as JsonValue);
    if (ty !== want) {
      throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `cannot cast jsonb ${ty === 'number' ? 'numeric' : ty} to type ${name}`);
    }
    return num ? num(j as Decimal) : (j as boolean);
  };
}

/** Text of a value as a cast to text produces it (bool casts give 'true'/'false'). */
function toText(from: SqlType): Fn {
  if (from.id === 'bool') return (v) => (v ? 'true' : 'false');
  if (from.id === 'bpchar') return (v) => rtrimSpaces(v as string);
  if (STRING.has(from.id) || from.id === 'unknown') return (v) => v;
  return (v) => formatValue(v, from);
}

/** The conversion function for a cast from -> to (non-null values). */
export function castFn(from: SqlType, to: SqlType, explicit = false): (v: Value) => Value {
  const base = castBase(from, to);
  const tm = typmodFn(to, explicit);
  if (!tm) return base;
  if (base === identity) return tm;
  return (v) => {
    const r = base(v);
    return r === null ? null : tm(r);
  };
}

const identity: Fn = (v) => v;

function typmodFn(to: SqlType, explicit: boolean): Fn | null {
  if (to.typmod < 0) return null;
  const et = elementType(to);
  if (et) {
    const ef = typmodFn(et, explicit);
    return ef ? (v) => new PgArray((v as PgArray).elems.map((e) => (e === null ? null : ef(e))), (v as PgArray).lower) : null;
  }
  if (to.id === 'numeric') return (v) => applyTypmod(v as Decimal, to.typmod);
  if (to.id === 'interval') return (v) => adjustInterval(v as Interval, to.typmod);
  if (to.id === 'varchar' || to.id === 'bpchar') return (v) => applyStringTypmod(v as string, to, explicit);
  return null;
}

function castBase(from: SqlType, to: SqlType): Fn {
  const f = from.id;
  const t = to.id;
  if (f === t) return identity;
  if (isOidType(from) && isOidType(to)) return identity;
  if (isArrayType(from) && isArrayType(to)) {
    if (f.endsWith('vector')) return identity;
    const ef = castFn(elementType(from)!, elementType(to)!);
    return (v) => new PgArray((v as PgArray).elems.map((e) => (e === null ? null : ef(e))), (v as PgArray).lower);
  }
  if (INT_IDS.has(f) && isOidType(to)) {
    return (v) => {
      const b = BigInt(v as number | bigint);
      if (b < -2147483648n || b > 4294967295n) throw new SqlError(SQLSTATE.NUMERIC_VALUE_OUT_OF_RANGE, 'OID out of range');
      const n = Number(b);
      return n < 0 ? n + 4294967296 : n;
    };
  }
  if (isOidType(from) && t === 'int8') return (v) => BigInt(v as number);
  if (isOidType(from) && t === 'int4') return (v) => ((v as number) | 0);
  if (f === 'char' && t === 'int4') return (v) => { const c = (v as string).codePointAt(0) ?? 0; return c > 127 ? c - 256 : c; };
  if (f === 'int4' && t === 'char') return (v) => (v === 0 ? '' : String.fromCharCode(((v as number) & 0xff)));
  if (STRING.has(t) && t !== 'name') return toText(from);
  if (t === 'name') {
    const tt = toText(from);
    return (v) => truncateName(tt(v) as string);
  }
  if (STRING.has(f) || f === 'unknown') {
    // an untyped literal meets interval's input function with the typmod (text does not)
    const pt = f === 'unknown' && t === 'interval' ? to : mkType(t);
    return (v) => parseValue(v as string, pt);
  }
  if (NUM_RANK[f] !== undefined && NUM_RANK[t] !== undefined) return numericCast(f, t);
  if (f === 'date' && (t === 'timestamp' || t === 'timestamptz')) return (v) => dateToTimestamp(v as number);
  if ((f === 'timestamp' || f === 'timestamptz') && t === 'date') return (v) => timestampToDate(v as bigint);
  if ((f === 'timestamp' || f === 'timestamptz') && (t === 'timestamp' || t === 'timestamptz')) return identity;
  if (f === 'int4' && t === 'bool') return (v) => v !== 0;
  if (f === 'bool' && t === 'int4') return (v) => (v ? 1 : 0);
  if (f === 'jsonb' && (t === 'bool' || NUM_RANK[t] !== undefined)) return jsonbCast(to);
  throw new SqlError(SQLSTATE.CANNOT_COERCE, `cannot cast type ${formatType(from)} to ${formatType(to)}`);
}

// --- select_common_type ---

/** PostgreSQL's select_common_type; `context` is e.g. 'UNION', 'CASE', 'COALESCE', 'VALUES'. */
export function commonType(types: SqlType[], context: string): SqlType {
  let p: SqlType | null = null;
  for (const t of types) {
    if (t.id === 'unknown') continue;
    if (!p) {
      p = t;
      continue;
    }
    if (t.id === p.id) continue;
    const pc = TYPE_INFO[p.id].category;
    const nc = TYPE_INFO[t.id].category;
    if (pc !== nc) {
      throw new SqlError(
        SQLSTATE.DATATYPE_MISMATCH,
        `${context} types ${TYPE_INFO[p.id].name} and ${TYPE_INFO[t.id].name} cannot be matched`,
      );
    }
    if (!TYPE_INFO[p.id].preferred && canCast(p, t, 'implicit') && !canCast(t, p, 'implicit')) p = t;
  }
  if (!p) return mkType('text');
  for (const t of types) {
    if (t.id !== 'unknown' && t.id !== p.id && !canCast(t, p, 'implicit')) {
      throw new SqlError(SQLSTATE.CANNOT_COERCE, `${context} could not convert type ${TYPE_INFO[t.id].name} to ${TYPE_INFO[p.id].name}`);
    }
  }
  // keep a typmod only when every input agrees on it (select_common_typmod)
  const id = p.id;
  let typmod: number | null = null;
  for (const t of types) {
    if (t.id !== id) return mkType(id);
    if (typmod === null) typmod = t.typmod;
    else if (typmod !== t.typmod) return { id, typmod: -1 };
  }
  return p.typmod === (typmod ?? -1) ? p : mkType(id, typmod ?? -1);
}
