// The shapes db.insert accepts: arrays of values in column order, and plain objects keyed by
// column name (columns they omit take their DEFAULT, as in an INSERT that does not list them).
// Anything else is refused: a row is never stored from something we could not read.

import type { TableEntry } from '../catalog/catalog.js';
import { SqlError, SQLSTATE } from '../errors.js';
import { evalConstant } from '../expr/compile.js';
import type { Row, Value } from '../expr/value.js';
import { fitsInt8, paramValue } from './result.js';
import { checkNotNull } from './dml.js';
import { LITTLE_ENDIAN, type BatchBuilder } from '../dataflow/batch.js';

/** Stands for "this column's DEFAULT" in a row array (a column an object row left out). */
export const USE_DEFAULT: unique symbol = Symbol('DEFAULT');

/** A row as db.insert takes it. */
export type InsertRow = readonly unknown[] | Readonly<Record<string, unknown>>;

function shapeError(message: string): SqlError {
  return new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, message);
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  const name = typeof x === 'object' ? Object.getPrototypeOf(x)?.constructor?.name ?? 'object' : typeof x;
  return `${/^[aeiou]/i.test(name) ? 'an' : 'a'} ${name}`;
}

/**
 * The rows as arrays of raw values in column order (USE_DEFAULT for columns an object
 * omitted), checked: arrays must have one value per column, objects may name only columns.
 * Returns `rows` itself when every row is already an array (no copy on the fast path).
 */
export function rowsAsArrays(t: TableEntry, rows: readonly InsertRow[]): readonly (readonly unknown[])[] {
  if (!Array.isArray(rows)) throw shapeError(`db.insert takes an array of rows, not ${describe(rows)}`);
  const n = t.columns.length;
  let out: (readonly unknown[])[] | null = null;
  let index: Map<string, number> | null = null;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (Array.isArray(r)) {
      if (r.length !== n) {
        throw shapeError(`row ${i} of db.insert has ${r.length} value${r.length === 1 ? '' : 's'}, but table "${t.name}" has ${n} column${n === 1 ? '' : 's'} (an object keyed by column name may give only some of them)`);
      }
      out?.push(r);
      continue;
    }
    const proto = r !== null && typeof r === 'object' ? Object.getPrototypeOf(r) : undefined;
    if (proto !== Object.prototype && proto !== null) {
      throw shapeError(`row ${i} of db.insert is ${describe(r)}, not an array of values or a plain object keyed by column name`);
    }
    index ??= new Map(t.columns.map((c, k) => [c.name, k]));
    const arr: unknown[] = new Array(n).fill(USE_DEFAULT);
    for (const [key, value] of Object.entries(r as Record<string, unknown>)) {
      const k = index.get(key);
      if (k === undefined) throw new SqlError(SQLSTATE.UNDEFINED_COLUMN, `column "${key}" of relation "${t.name}" does not exist`);
      // an undefined property is an absent one, as JSON.stringify and most JS APIs treat it
      if (value !== undefined) arr[k] = value;
    }
    out ??= rows.slice(0, i) as (readonly unknown[])[];
    out.push(arr);
  }
  return out ?? (rows as readonly (readonly unknown[])[]);
}

/** Each column's DEFAULT value (NULL without one), once per insert. */
export function columnDefaults(t: TableEntry): Value[] {
  return t.columns.map((c) => (c.default ? evalConstant(c.default) : null));
}

/** One raw row converted to the columns' types (as query parameters are). */
export function convertRow(t: TableEntry, raw: readonly unknown[], defaults: readonly Value[]): Row {
  return t.columns.map((c, k) => (raw[k] === USE_DEFAULT ? defaults[k] : paramValue(raw[k], c.type)));
}

/**
 * Write the raw rows into b's rows 0..n (an empty builder), column by column: the common cases (a
 * string into text, a number into int4/int8, a bigint into int8, a Date into a timestamp) go
 * straight into the column, the rest convert as query parameters do. Returns the first row
 * whose NOT NULL column got a NULL (n when none), reported as a row-by-row INSERT would.
 * A value that does not convert raises the error a row-by-row INSERT would raise first.
 */
export function fillColumns(b: BatchBuilder, t: TableEntry, raw: readonly (readonly unknown[])[], defaults: readonly Value[]): number {
  try {
    return fillColumnsInOrder(b, t, raw, defaults);
  } catch (e) {
    // column by column met some error; row by row, the first is in the earliest row
    for (const r of raw) checkNotNull(t, convertRow(t, r, defaults));
    throw e;
  }
}

function fillColumnsInOrder(b: BatchBuilder, t: TableEntry, raw: readonly (readonly unknown[])[], defaults: readonly Value[]): number {
  const cols = t.columns;
  const n = raw.length;
  b.reserve(n);
  let firstNullViolation = n;
  for (let c = 0; c < cols.length; c++) {
    const type = cols[c].type;
    const notNull = cols[c].notNull;
    const slow = (i: number, x: unknown): void => {
      const v = x === USE_DEFAULT ? defaults[c] : paramValue(x, type);
      if (v === null && notNull && i < firstNullViolation) firstNullViolation = i;
      b.setAt(c, i, v);
    };
    const id = type.id;
    const text = b.anyColumn(c);
    if (id === 'text' && text !== null) {
      for (let i = 0; i < n; i++) {
        const x = raw[i][c];
        if (typeof x === 'string') text[i] = x;
        else slow(i, x);
      }
    } else if (id === 'int4') {
      for (let i = 0; i < n; i++) {
        const x = raw[i][c];
        if (typeof x === 'number' && (x | 0) === x) b.setAt(c, i, x);
        else slow(i, x);
      }
    } else if (id === 'int8' && LITTLE_ENDIAN) {
      for (let i = 0; i < n; i++) {
        const x = raw[i][c];
        if (typeof x === 'bigint') {
          if (fitsInt8(x)) b.setAt(c, i, x);
          else slow(i, x);
        } else if (typeof x === 'number' && Number.isSafeInteger(x)) b.setInt64At(c, i, x);
        else slow(i, x);
      }
    } else if ((id === 'timestamp' || id === 'timestamptz') && LITTLE_ENDIAN) {
      for (let i = 0; i < n; i++) {
        const x = raw[i][c];
        // microseconds as a safe integer (years 1685 to 2255): no bigint on the way
        const us = x instanceof Date ? x.getTime() * 1000 : NaN;
        if (Number.isSafeInteger(us)) b.setInt64At(c, i, us);
        else slow(i, x);
      }
    } else for (let i = 0; i < n; i++) slow(i, raw[i][c]);
  }
  return firstNullViolation;
}
