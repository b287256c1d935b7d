// Reads a table row out of a JSON object: fields matched to columns by exact name, unknown
// fields ignored, missing ones NULL (additive schema evolution). The converters are built once
// per column; a message with a Connect schema swaps in the converters its logical types need,
// cached per column and encoding, so a schema costs a few map lookups per message.

import { SqlError } from '../../errors.js';
import type { Row, Value } from '../../expr/value.js';
import { MessageError, type SourceTable } from '../types.js';
import { fieldEncoding } from './connect_schema.js';
import { columnConverter, type Convert, type ConvertOptions } from './column_converters.js';
import { NEED_EXACT, isRecord, type Json, type JsonRecord } from './json_text.js';

const hasOwn = Object.prototype.hasOwnProperty;

export class RowReader {
  readonly width: number;
  private readonly names: string[];
  private readonly plain: Convert[];
  private readonly index = new Map<string, number>();
  private readonly cache: Map<string, Convert>[];
  private readonly scratch: Convert[];
  private readonly notNull: number[];
  /** Some column is named like an Object.prototype member ("constructor", "__proto__"): read own fields only. */
  private readonly ownFieldsOnly: boolean;

  constructor(
    private readonly table: SourceTable,
    private readonly opts: ConvertOptions,
  ) {
    const cols = table.columns;
    this.width = cols.length;
    this.names = cols.map((c) => c.name);
    this.plain = cols.map((c) => columnConverter(c.type, null, opts));
    this.scratch = this.plain.slice();
    this.cache = cols.map(() => new Map());
    cols.forEach((c, i) => this.index.set(c.name, i));
    this.notNull = cols.flatMap((c, i) => (c.notNull ? [i] : []));
    this.ownFieldsOnly = this.names.some((n) => n in Object.prototype);
  }

  /**
   * The converters for rows described by struct schema `schema` (null: no schema). The result
   * is shared scratch space, valid until the next call.
   */
  converters(schema: JsonRecord | null): readonly Convert[] {
    const fields = schema?.fields;
    if (!Array.isArray(fields)) return this.plain;
    const out = this.scratch;
    for (let i = 0; i < out.length; i++) out[i] = this.plain[i];
    for (const f of fields) {
      if (!isRecord(f) || typeof f.field !== 'string') continue;
      const i = this.index.get(f.field);
      if (i === undefined) continue;
      const e = fieldEncoding(f);
      if (e === null) continue;
      let conv = this.cache[i].get(e.key);
      if (conv === undefined) {
        conv = columnConverter(this.table.columns[i].type, e.encoding, this.opts);
        this.cache[i].set(e.key, conv);
      }
      out[i] = conv;
    }
    return out;
  }

  /** A full row (NOT NULL is checked by `checkNotNull`, after a caller has filled in what it knows). */
  read(obj: JsonRecord, convs: readonly Convert[]): Row {
    const n = this.width;
    const names = this.names;
    const row: Row = new Array(n);
    let i = 0;
    try {
      if (this.ownFieldsOnly) {
        for (; i < n; i++) {
          const v = hasOwn.call(obj, names[i]) ? obj[names[i]] : null;
          row[i] = v === null ? null : convs[i](v);
        }
      } else {
        for (; i < n; i++) {
          const v = obj[names[i]];
          row[i] = v === undefined || v === null ? null : convs[i](v);
        }
      }
    } catch (e) {
      throw columnError(names[i], e);
    }
    return row;
  }

  /** A key row: the primary key's columns, each required; the others null. */
  readKey(obj: JsonRecord, convs: readonly Convert[], pk: readonly number[], what: string): Row {
    const row: Row = new Array(this.width).fill(null);
    for (const i of pk) {
      const name = this.names[i];
      const v = !this.ownFieldsOnly || hasOwn.call(obj, name) ? obj[name] : undefined;
      if (v === undefined || v === null) throw new MessageError(`${what} has no value for key column "${name}"`);
      row[i] = this.convert(i, v, convs);
    }
    return row;
  }

  /** Whether obj has a non-null value for every primary-key column. */
  hasKey(obj: JsonRecord, pk: readonly number[]): boolean {
    for (const i of pk) {
      const name = this.names[i];
      if (this.ownFieldsOnly && !hasOwn.call(obj, name)) return false;
      const v = obj[name];
      if (v === undefined || v === null) return false;
    }
    return true;
  }

  /** One column's value from a JSON value, errors named after the column. */
  convert(i: number, v: Json, convs: readonly Convert[]): Value {
    if (v === null) return null;
    try {
      return convs[i](v);
    } catch (e) {
      throw columnError(this.names[i], e);
    }
  }

  checkNotNull(row: Row): void {
    for (const i of this.notNull) {
      if (row[i] === null) throw new MessageError(`column "${this.names[i]}" must not be null`);
    }
  }

  columnName(i: number): string {
    return this.names[i];
  }
}

/** An error converting a column's value, as a MessageError naming the column (NEED_EXACT passes). */
export function columnError(column: string, e: unknown): MessageError | typeof NEED_EXACT {
  if (e === NEED_EXACT) return e;
  return new MessageError(`column "${column}": ${reason(e)}`);
}

/**
 * An error's text, with a SqlError's detail (numeric field overflow says which precision).
 * Anything but a SqlError or MessageError is a bug here, and says so.
 */
export function reason(e: unknown): string {
  if (e instanceof SqlError) return e.detail ? `${e.message} (${e.detail})` : e.message;
  if (e instanceof MessageError) return e.message;
  return `internal error: ${e instanceof Error ? e.message : String(e)}`;
}
