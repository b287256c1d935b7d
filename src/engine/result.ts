// Query results as the embedding API returns them, and conversion of parameters passed in.

import type { SqlType } from '../sql/types.js';
import { formatType, typeOid } from '../sql/types.js';
import type { Row, Value } from '../expr/value.js';
import { formatValue } from '../expr/format.js';
import { parseValue } from '../expr/cast.js';
import { Decimal } from '../expr/numeric.js';
import { Jsonb } from '../expr/jsonb.js';
import { SqlError, SQLSTATE } from '../errors.js';

export interface FieldInfo {
  name: string;
  /** PostgreSQL type OID (pg_type.oid). */
  dataTypeID: number;
  /** format_type() spelling, e.g. "integer", "numeric(10,2)". */
  type: string;
  sqlType: SqlType;
}

export interface QueryResult<R = Record<string, unknown>> {
  /** Command tag as PostgreSQL sends it: "SELECT 3", "INSERT 0 1", "CREATE TABLE". */
  command: string;
  rowCount: number;
  fields: FieldInfo[];
  rows: R[];
}

export type RowMode = 'object' | 'array';
/** 'js': natural JS values (see toJs); 'text': PostgreSQL's text output of every value. */
export type ValueFormat = 'js' | 'text';

export interface QueryOptions {
  rowMode?: RowMode;
  format?: ValueFormat;
}

export function fieldInfo(name: string, t: SqlType): FieldInfo {
  return { name, dataTypeID: typeOid(t), type: formatType(t), sqlType: t };
}

/**
 * A value as the embedding API hands it out: booleans, numbers (int2/int4/float), bigint
 * (int8), and for types JS has no exact equivalent of, PostgreSQL's text form (numeric,
 * dates, timestamps, intervals); jsonb as parsed JSON.
 */
export function toJs(v: Value, t: SqlType): unknown {
  if (v === null) return null;
  switch (t.id) {
    case 'bool':
    case 'int2':
    case 'int4':
    case 'int8':
    case 'text':
    case 'varchar':
    case 'bpchar':
      return v;
    case 'float4':
    case 'float8':
      return v;
    case 'jsonb':
      return JSON.parse((v as Jsonb).toString());
    default:
      return formatValue(v, t);
  }
}

export function shapeRows(rows: Row[], fields: FieldInfo[], opts: QueryOptions): unknown[] {
  const conv = opts.format === 'text'
    ? (v: Value, t: SqlType) => formatValue(v, t)
    : toJs;
  if (opts.rowMode === 'array') return rows.map((r) => r.map((v, i) => conv(v, fields[i].sqlType)));
  return rows.map((r) => {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < fields.length; i++) o[fields[i].name] = conv(r[i], fields[i].sqlType);
    return o;
  });
}

const MS_YEAR_1 = -62_135_596_800_000; // 0001-01-01 00:00:00 UTC
const MS_YEAR_9999_END = 253_402_300_799_999; // 9999-12-31 23:59:59.999 UTC

/** Whether a JS bigint is an int8 value (a BigInt64Array slot would wrap one that is not). */
export function fitsInt8(v: bigint): boolean {
  return v >= -9223372036854775808n && v <= 9223372036854775807n;
}

/** Convert a parameter value given by the embedding program to the parameter's SQL type. */
export function paramValue(v: unknown, t: SqlType): Value {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'string':
      // text's input function takes the string as it is
      return t.id === 'text' ? v : parseValue(v, t);
    case 'boolean':
      if (t.id === 'bool') return v;
      return parseValue(String(v), t);
    case 'number':
      if (t.id === 'int4' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647) return v;
      if ((t.id === 'int2' || t.id === 'int4') && Number.isInteger(v)) return parseValue(String(v), t);
      if (t.id === 'float4' || t.id === 'float8') return t.id === 'float4' ? Math.fround(v) : v;
      if (t.id === 'int8' && Number.isSafeInteger(v)) return BigInt(v);
      if (t.id === 'numeric') return Decimal.fromFloat(v);
      return parseValue(String(v), t);
    case 'bigint':
      // beyond int8 its input function raises 22003
      if (t.id === 'int8' && fitsInt8(v)) return v;
      return parseValue(v.toString(), t);
    case 'object':
      if (v instanceof Date) {
        // a timestamp's value is microseconds from 1970 (UTC for timestamptz): what parsing
        // toISOString() gives, without the string, for years 1 to 9999 (else the parser
        // reports what is wrong)
        const ms = v.getTime();
        if ((t.id === 'timestamp' || t.id === 'timestamptz') && ms >= MS_YEAR_1 && ms <= MS_YEAR_9999_END) return BigInt(ms) * 1000n;
        return parseValue(v.toISOString(), t);
      }
      if (t.id === 'jsonb') return Jsonb.parse(JSON.stringify(v));
      break;
  }
  throw new SqlError(SQLSTATE.DATATYPE_MISMATCH, `cannot use a ${typeof v} value as a parameter of type ${formatType(t)}`);
}
