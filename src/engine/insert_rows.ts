// The shapes db.insert accepts: arrays of values in column order, and plain objects keyed by
// column name (columns they omit take their DEFAULT, as in an INSERT that does not list them).
// Anything else is refused: a row is never stored from something we could not read.

import type { TableEntry } from '../catalog/catalog.js';
import { SqlError, SQLSTATE } from '../errors.js';
import { evalConstant } from '../expr/compile.js';
import type { Row, Value } from '../expr/value.js';
import { paramValue } from './result.js';

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
