// One converter per column, chosen once: a JSON value (never null) in, the column's value in
// the engine's representation (src/expr/value.ts) out. Strings go through the type's own
// input function, so they follow PostgreSQL's input rules and errors; JSON numbers, booleans,
// arrays and objects, and Connect's logical encodings, are converted directly and exactly.

import { SqlError, SQLSTATE, invalidInput } from '../../errors.js';
import { applyStringTypmod, parseBool, parseFloatText, parseValue } from '../../expr/cast.js';
import { checkDate, checkTimestamp, dateToTimestamp, timestampToDate } from '../../expr/datetime.js';
import { Interval } from '../../expr/interval.js';
import { Jsonb, JsonObject, type JsonValue } from '../../expr/jsonb.js';
import { Decimal, applyTypmod, numericTypmodParts } from '../../expr/numeric.js';
import { PgArray } from '../../expr/array.js';
import { TS_NOBEGIN, TS_NOEND, type Value } from '../../expr/value.js';
import { elementType, formatType, isArrayType, type SqlType } from '../../sql/types.js';
import { MessageError } from '../types.js';
import type { Encoding } from './connect_schema.js';
import { decimalFromBase64, decimalFromStruct, epochMicros, integerOf, numberText, timeOfDayMicros, timeOfDayText } from './encodings.js';
import { decimalOfDouble, scaledExactly, smallBase64Int } from '../../expr/fast_input.js';
import { BadString, JsonNumber, type Exactness, type Json } from './json_text.js';

export interface ConvertOptions {
  /** The unit of an integer for a timestamp column when no schema names it. */
  timestampUnit: 'millis' | 'micros' | 'nanos';
  /** What a string for a numeric column is when no schema says: base64 bytes (precise) or decimal text. */
  decimalHandling: 'precise' | 'string' | 'double';
  /** A string for a jsonb column is JSON text (Debezium's encoding), not a JSON string value. */
  jsonbStringIsText: boolean;
  /** Which doubles of the current message may stand for number tokens JSON.parse changed. */
  exact: Exactness;
}

export type Convert = (v: Exclude<Json, null>) => Value;

/** What a type does with each encoding it can take; absent ones fall back to `base`. */
interface TypeConverters {
  base: Convert;
  fromDecimal?: (d: Decimal) => Value;
  fromEpochMicros?: (us: bigint) => Value;
  fromDays?: (days: number) => Value;
  fromTimeOfDay?: (us: bigint) => Value;
  /** A value the schema declares a plain string (numeric: decimal text; jsonb: a JSON string). */
  fromString?: (s: string) => Value;
  /** Connect's Decimal: base64 of the unscaled value, and its scale. */
  fromBase64Decimal?: (s: string, scale: number) => Value;
}

/** The converter of a column of type t whose values come in encoding `enc` (null: the JSON type says all). */
export function columnConverter(t: SqlType, enc: Encoding | null, opts: ConvertOptions): Convert {
  if (isArrayType(t) && !t.id.endsWith('vector')) return arrayConverter(t, enc?.kind === 'array' ? enc.items : null, opts);
  const c = typeConverters(t, opts);
  const base = c.base;
  const ex = opts.exact;
  if (enc === null) return base;
  switch (enc.kind) {
    case 'epoch': {
      if (enc.unit === 'days') {
        const f = c.fromDays;
        return f ? (v) => (isNumber(v) ? f(daysOf(checkedUnlessSafe(v, ex), t)) : base(v)) : base;
      }
      const f = c.fromEpochMicros;
      const unit = enc.unit;
      return f ? (v) => (isNumber(v) ? f(epochMicros(exactInteger(checkedUnlessSafe(v, ex), t), unit)) : base(v)) : base;
    }
    case 'time': {
      const f = c.fromTimeOfDay;
      const unit = enc.unit;
      return f ? (v) => (isNumber(v) ? f(timeOfDayMicros(exactInteger(checkedUnlessSafe(v, ex), t), unit)) : base(v)) : base;
    }
    case 'decimal': {
      const scale = enc.scale;
      const b64 = c.fromBase64Decimal;
      if (b64) return (v) => (typeof v === 'string' ? b64(v, scale) : base(v));
      const f = c.fromDecimal;
      return f ? (v) => (typeof v === 'string' ? f(decimalFromBase64(v, scale)) : base(v)) : base;
    }
    case 'variable_decimal': {
      const f = c.fromDecimal;
      if (!f) return base;
      return (v) => {
        const d = decimalFromStruct(v);
        return d === null ? base(v) : f(d);
      };
    }
    case 'json_text':
      return t.id === 'jsonb' ? (v) => (typeof v === 'string' ? Jsonb.parse(v) : base(v)) : base;
    case 'string': {
      const f = c.fromString;
      return f ? (v) => (typeof v === 'string' ? f(v) : base(v)) : base;
    }
    case 'approximate_duration':
      if (t.id !== 'interval') return base;
      return () => {
        throw new MessageError(
          "io.debezium.time.MicroDuration is not exact (it counts a month as 30.4375 days): set Debezium's interval.handling.mode to string",
        );
      };
    case 'array':
      return base;
  }
}

function typeConverters(t: SqlType, opts: ConvertOptions): TypeConverters {
  const ex = opts.exact;
  switch (t.id) {
    case 'bool':
      return {
        base: (v) => (typeof v === 'boolean' ? v : typeof v === 'string' ? parseBool(v) : isNumber(v) ? parseBool(numberText(checked(v, ex))) : mismatch(v, t)),
      };
    case 'int2':
    case 'int4':
    case 'int8':
      return integerConverters(t, ex);
    case 'float4':
    case 'float8':
      return floatConverters(t, ex);
    case 'numeric':
      return numericConverters(t, opts);
    case 'text':
    case 'varchar':
    case 'bpchar': {
      const n = t.typmod;
      // a varchar no longer than n UTF-16 units has at most n characters: nothing to check
      const fit =
        n < 0 || t.id === 'text'
          ? (s: string) => s
          : t.id === 'varchar'
            ? (s: string) => (s.length <= n ? s : applyStringTypmod(s, t, false))
            : (s: string) => applyStringTypmod(s, t, false);
      return {
        base: (v) => fit(typeof v === 'string' ? v : asText(v, ex)),
        fromDecimal: (d) => fit(d.toString()),
        fromTimeOfDay: (us) => fit(timeOfDayText(us)),
      };
    }
    case 'date': {
      const fromDays = (d: number) => checkDate(d);
      return {
        base: (v) => (typeof v === 'string' ? parseValue(v, t) : isNumber(v) ? fromDays(daysOf(checkedUnlessSafe(v, ex), t)) : mismatch(v, t)),
        fromDays,
        fromEpochMicros: (us) => (us === TS_NOEND || us === TS_NOBEGIN ? timestampToDate(us) : checkDate(timestampToDate(checkTimestamp(us)))),
      };
    }
    case 'timestamp':
    case 'timestamptz': {
      const withTz = t.id === 'timestamptz';
      const unit = opts.timestampUnit;
      const fromEpochMicros = (us: bigint) => (us === TS_NOEND || us === TS_NOBEGIN ? us : checkTimestamp(us));
      return {
        base: (v) => {
          if (typeof v === 'string') return parseValue(v, t);
          // every safe integer of microseconds is in timestamp's range
          if (unit === 'micros' && typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
          if (isNumber(v)) return fromEpochMicros(epochMicros(exactInteger(checkedUnlessSafe(v, ex), t), unit));
          return mismatch(v, t);
        },
        fromEpochMicros,
        fromDays: (d) => dateToTimestamp(checkDate(d)),
      };
    }
    case 'interval':
      return {
        base: (v) => (typeof v === 'string' ? Interval.parse(v) : mismatch(v, t)),
        fromTimeOfDay: (us) => new Interval(0, 0, us),
      };
    case 'jsonb': {
      const stringIsText = opts.jsonbStringIsText;
      return {
        base: (v) => (typeof v === 'string' && stringIsText ? Jsonb.parse(v) : new Jsonb(jsonValue(v, ex))),
        fromDecimal: (d) => new Jsonb(d),
        fromString: (s) => new Jsonb(s),
      };
    }
    default:
      // catalog types and the like: their input function reads strings and numbers
      return { base: (v) => (typeof v === 'string' ? parseValue(v, t) : isNumber(v) ? parseValue(numberText(checked(v, ex)), t) : mismatch(v, t)) };
  }
}

function integerConverters(t: SqlType, ex: Exactness): TypeConverters {
  const id = t.id as 'int2' | 'int4' | 'int8';
  const name = id === 'int2' ? 'smallint' : id === 'int4' ? 'integer' : 'bigint';
  const [min, max] = id === 'int2' ? [-32768n, 32767n] : id === 'int4' ? [-2147483648n, 2147483647n] : [-(2n ** 63n), 2n ** 63n - 1n];
  const fromBigInt = (b: bigint, text: string): Value => {
    if (b < min || b > max) throw new SqlError(SQLSTATE.NUMERIC_VALUE_OUT_OF_RANGE, `value "${text}" is out of range for type ${name}`);
    return id === 'int8' ? b : Number(b);
  };
  // a JSON number is taken when it is an integer (1.0 is, 1.5 is not: never rounded)
  const other = (v: Exclude<Json, null>): Value => {
    if (typeof v === 'string') return parseValue(v, t);
    if (!isNumber(v)) return mismatch(v, t);
    checked(v, ex);
    const b = integerOf(v);
    if (b === null) throw invalidInput(name, numberText(v));
    return fromBigInt(b, numberText(v));
  };
  const fromDecimal = (d: Decimal): Value => {
    if (!d.isFinite()) throw new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, `cannot convert ${d.toString()} to ${name}`);
    const r = d.trunc(0);
    if (r.compare(d) !== 0) throw invalidInput(name, d.toString());
    return fromBigInt(BigInt(r.toString()), d.toString());
  };
  if (id === 'int8') {
    return {
      base: (v) => (typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : other(v)),
      fromDecimal,
    };
  }
  const lo = Number(min);
  const hi = Number(max);
  // (v | 0) === v: an integer in int32 range, and -0 becomes 0
  return {
    base: (v) => (typeof v === 'number' && (v | 0) === v && v >= lo && v <= hi ? v | 0 : other(v)),
    fromDecimal,
  };
}

function floatConverters(t: SqlType, ex: Exactness): TypeConverters {
  const id = t.id as 'float4' | 'float8';
  const fromText = (s: string) => parseFloatText(s, id);
  const other = (v: Exclude<Json, null>): Value =>
    typeof v === 'string' ? fromText(v) : v instanceof JsonNumber ? fromText(v.text) : mismatch(v, t);
  const fromDecimal = (d: Decimal) => fromText(d.toString());
  // JSON.parse makes 0 and ±Infinity of numbers float input refuses (1e-400, 1e400): ask for their text
  if (id === 'float8') {
    return {
      base: (v) => {
        if (typeof v !== 'number') return other(v);
        if (v === 0 || v === Infinity || v === -Infinity) ex.check(v);
        return v;
      },
      fromDecimal,
    };
  }
  return {
    base: (v) => {
      if (typeof v !== 'number') return other(v);
      if (v === 0 || v === Infinity || v === -Infinity) ex.check(v);
      const r = Math.fround(v);
      // overflow and underflow raise float4in's errors
      if (Number.isFinite(r) && (r !== 0 || v === 0)) return r;
      ex.check(v); // the error quotes the number as written when that is known
      return fromText(String(v));
    },
    fromDecimal,
  };
}

function numericConverters(t: SqlType, opts: ConvertOptions): TypeConverters {
  const typmod = t.typmod;
  const fit = typmod < 0 ? (d: Decimal) => d : (d: Decimal) => applyTypmod(d, typmod);
  // numeric(p,s), or -1 -1: the fast paths (fast_input.ts) need no rounding
  const [precision, scale] = numericTypmodParts(typmod);
  // (the input function takes the plain-decimal fast path itself)
  const fromText = (s: string): Value => parseValue(s, t);
  const fromBase64Decimal = (s: string, from: number): Value => {
    const c = smallBase64Int(s);
    return (c !== undefined && scaledExactly(c, from, precision, scale)) || fit(decimalFromBase64(s, from));
  };
  const fromString: (s: string) => Value =
    opts.decimalHandling !== 'precise'
      ? fromText
      : typmod < 0
        ? (s) => {
            throw new MessageError(
              `cannot decode "${clip(s)}" as a base64 decimal (decimal_handling 'precise'): the column has no declared scale; declare it numeric(p,s) or send the Connect schema`,
            );
          }
        : (s) => fromBase64Decimal(s, scale);
  return {
    base: (v) => {
      if (typeof v === 'number') {
        // numeric(p,s): whatever token v came from rounds to the same s places (decimalOfDouble
        // answers only when a double's error is under a quarter of the last place)
        const d = decimalOfDouble(v, precision, scale);
        if (d !== undefined) return d;
        opts.exact.check(v);
        return fromText(String(v));
      }
      if (v instanceof JsonNumber) return fit(Decimal.parse(v.text));
      if (typeof v === 'string') return fromString(v);
      const d = decimalFromStruct(v);
      return d === null ? mismatch(v, t) : fit(d);
    },
    fromDecimal: fit,
    // the schema says decimal text (decimal.handling.mode=string)
    fromString: fromText,
    fromBase64Decimal,
  };
}

/** A JSON value as a jsonb tree; numbers exact (json_text.ts keeps the risky ones as text). */
export function jsonValue(v: Json, ex: Exactness): JsonValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') {
    ex.check(v);
    return Number.isSafeInteger(v) ? Decimal.fromInt(v) : Decimal.parse(String(v));
  }
  if (v instanceof JsonNumber) return Decimal.parse(v.text);
  if (v instanceof BadString) throw new MessageError(v.reason);
  if (Array.isArray(v)) return v.map((e) => jsonValue(e, ex));
  // the keys of a parsed object are distinct: only jsonb's key order to make (JsonObject.from's)
  const pairs: [string, JsonValue][] = [];
  let ascii = true;
  for (const k of Object.keys(v)) {
    pairs.push([k, jsonValue(v[k], ex)]);
    if (ascii && !ASCII.test(k)) ascii = false;
  }
  if (!ascii) return JsonObject.from(pairs);
  // for ASCII keys compareKeys is: shorter first, then by code unit
  pairs.sort((a, b) => a[0].length - b[0].length || (a[0] < b[0] ? -1 : 1));
  return new JsonObject(pairs);
}

const ASCII = /^[\x00-\x7f]*$/;

function arrayConverter(t: SqlType, items: Encoding | null, opts: ConvertOptions): Convert {
  const elem = columnConverter(elementType(t)!, items, opts);
  return (v) => {
    if (Array.isArray(v)) return new PgArray(v.map((e) => (e === null ? null : elem(e))));
    if (typeof v === 'string') return parseValue(v, t);
    return mismatch(v, t);
  };
}

/** A non-string JSON value as text: numbers as written, booleans as true/false, the rest as jsonb text. */
function asText(v: Exclude<Json, null>, ex: Exactness): string {
  if (isNumber(v)) return numberText(checked(v, ex));
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof BadString) throw new MessageError(v.reason);
  return new Jsonb(jsonValue(v, ex)).toString();
}

/** v, after making sure a double stands for its token exactly (else NEED_EXACT). */
function checked<N extends number | JsonNumber>(v: N, ex: Exactness): N {
  if (typeof v === 'number') ex.check(v);
  return v;
}

/**
 * checked, for integer columns: an integer double below 2^53 is taken as it is. The token it
 * came from is that integer, or has more digits than a double holds (1.0000000000000001) and
 * is read as the integer it rounds to; producers printing doubles never write one.
 */
function checkedUnlessSafe<N extends number | JsonNumber>(v: N, ex: Exactness): N {
  if (typeof v === 'number' && !Number.isSafeInteger(v)) ex.check(v);
  return v;
}

function isNumber(v: Json): v is number | JsonNumber {
  return typeof v === 'number' || v instanceof JsonNumber;
}

function exactInteger(v: number | JsonNumber, t: SqlType): bigint {
  const b = integerOf(v);
  if (b === null) throw invalidInput(formatType(t), numberText(v));
  return b;
}

function daysOf(v: number | JsonNumber, t: SqlType): number {
  if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 1e9) return v + 0;
  const b = exactInteger(v, t);
  if (b < -1_000_000_000n || b > 1_000_000_000n) throw new SqlError(SQLSTATE.DATETIME_FIELD_OVERFLOW, 'date out of range');
  return Number(b);
}

function mismatch(v: Exclude<Json, null>, t: SqlType): never {
  if (v instanceof BadString) throw new MessageError(v.reason);
  const kind = Array.isArray(v) ? 'array' : isNumber(v) ? 'number' : typeof v === 'object' ? 'object' : typeof v;
  throw new MessageError(`cannot convert a JSON ${kind} to type ${formatType(t)}`);
}

function clip(s: string): string {
  return s.length > 40 ? s.slice(0, 40) + '…' : s;
}
