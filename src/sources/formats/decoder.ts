// The message formats of Kafka sources: what one message (key and value bytes) asks of the
// table. Values are the JSON of Kafka Connect's JsonConverter, with or without its
// {"schema", "payload"} envelope; with the schema, logical types (Debezium's times and
// decimals) are read from it, without it the column types and FormatOptions decide.
//
// Every message that cannot be used raises MessageError with a short reason; nothing else
// escapes for bad input (an unexpected exception, a bug, becomes a MessageError saying
// "internal error: …", so one odd message never stops a source). An empty result means
// nothing to do.

import { isStringType, type SqlType } from '../../sql/types.js';
import { formatValue } from '../../expr/format.js';
import { parseValue } from '../../expr/cast.js';
import { Decimal } from '../../expr/numeric.js';
import type { Row, Value } from '../../expr/value.js';
import { MessageError, type RowChange, type SourceMessage, type SourceTable } from '../types.js';
import { fieldEncoding, fieldStruct, unwrap } from './connect_schema.js';
import { columnConverter, type Convert, type ConvertOptions } from './column_converters.js';
import { Exactness, MessageJson, NEED_EXACT, isRecord, type Json, type JsonRecord } from './json_text.js';
import { RowReader, columnError, reason } from './row_reader.js';

export type SourceFormat = 'debezium' | 'upsert' | 'json';

export interface FormatOptions {
  /** The unit of an integer for a timestamp(tz) column when no schema names it (Debezium's PostgreSQL connector: micros). */
  timestampUnit: 'millis' | 'micros' | 'nanos';
  /**
   * A string for a numeric column when no schema says: 'precise' is base64 of the unscaled
   * value (Debezium's default; the scale is the column's numeric(p,s)), 'string' and 'double'
   * read decimal text. JSON numbers and {scale, value} objects are read in every mode.
   */
  decimalHandling: 'precise' | 'string' | 'double';
  /** A key or value longer than this is refused before it is parsed. */
  maxMessageBytes: number;
}

export const DEFAULT_FORMAT_OPTIONS: Readonly<FormatOptions> = Object.freeze({
  timestampUnit: 'micros',
  decimalHandling: 'precise',
  maxMessageBytes: 1_048_576,
});

export type Decoder = (msg: SourceMessage) => RowChange[];

export function makeDecoder(format: SourceFormat, table: SourceTable, options: FormatOptions): Decoder {
  const exact = new Exactness();
  const make = format === 'debezium' ? debeziumDecoder : format === 'upsert' ? upsertDecoder : jsonDecoder;
  const decode = make(table, options, exact);
  const asMessageError = (e: unknown) => (e instanceof MessageError ? e : new MessageError(reason(e)));
  // a column needed the exact text of a number JSON.parse may have changed: read the message
  // again with the lossless parser (json_text.ts)
  const again = (msg: SourceMessage): RowChange[] => {
    exact.begin();
    exact.lossless = true;
    try {
      return decode(msg);
    } catch (e) {
      throw asMessageError(e);
    } finally {
      exact.lossless = false;
    }
  };
  return (msg) => {
    exact.begin();
    try {
      return decode(msg);
    } catch (e) {
      if (e === NEED_EXACT) return again(msg);
      throw asMessageError(e);
    }
  };
}

function convertOptions(format: SourceFormat, o: FormatOptions, exact: Exactness): ConvertOptions {
  // Debezium sends json and jsonb columns as JSON text in a string
  return { timestampUnit: o.timestampUnit, decimalHandling: o.decimalHandling, jsonbStringIsText: format === 'debezium', exact };
}

/** Whether a column would show how a number was written (1.5 vs 1.50): then such numbers count as risky (json_text.ts). */
function showsNumberForm(table: SourceTable): boolean {
  return table.columns.some((c) => {
    const id = c.type.id.replace(/^_/, '');
    return (id === 'numeric' && c.type.typmod < 0) || id === 'jsonb' || id === 'text' || id === 'varchar' || id === 'bpchar';
  });
}

function primaryKey(table: SourceTable, format: SourceFormat): readonly number[] {
  if (table.primaryKey === null || table.primaryKey.length === 0) throw new Error(`format ${format} needs a table with a primary key`);
  return table.primaryKey;
}

// --- debezium ---

function debeziumDecoder(table: SourceTable, options: FormatOptions, exact: Exactness): Decoder {
  const pk = primaryKey(table, 'debezium');
  const reader = new RowReader(table, convertOptions('debezium', options, exact));
  const keepForm = showsNumberForm(table);
  const valueJson = new MessageJson('value', keepForm, options.maxMessageBytes, exact);
  const keyJson = new MessageJson('key', keepForm, options.maxMessageBytes, exact);
  const max = options.maxMessageBytes;

  /** The key row of a delete without `before`: from the message key (Debezium's key struct). */
  const keyFromMessage = (msg: SourceMessage): Row => {
    if (msg.key === null) throw new MessageError('missing key');
    const { payload, schema } = unwrap(keyJson.parse(msg.key));
    if (payload === null) throw new MessageError('missing key');
    if (!isRecord(payload)) throw new MessageError('key is not a JSON object');
    return reader.readKey(payload, reader.converters(schema), pk, 'key');
  };

  return (msg) => {
    if (msg.key !== null && msg.key.length > max) throw new MessageError(`key of ${msg.key.length} bytes exceeds max_message_bytes (${max})`);
    if (msg.value === null) return []; // tombstone: the delete came in the message before it
    const { payload, schema } = unwrap(valueJson.parse(msg.value));
    if (payload === null) return [];
    if (!isRecord(payload)) throw new MessageError('value is not a Debezium change event (not a JSON object)');
    const op = payload.op;
    if (op === undefined) throw new MessageError('value is not a Debezium change event (no "op" field)');
    const convs = reader.converters(fieldStruct(schema, 'after', 'before'));
    const before = payload.before ?? null;
    const after = payload.after ?? null;
    switch (op) {
      case 'c':
      case 'r':
      case 'u': {
        if (!isRecord(after)) throw new MessageError(`op "${op}" without an "after" row`);
        const row = reader.read(after, convs);
        reader.checkNotNull(row);
        // REPLICA IDENTITY DEFAULT sends no before (or one without the key): an upsert by after's key
        if (op === 'u' && isRecord(before) && reader.hasKey(before, pk)) {
          return [{ kind: 'update', before: reader.readKey(before, convs, pk, '"before"'), row }];
        }
        return [{ kind: 'upsert', row }];
      }
      case 'd': {
        // with REPLICA IDENTITY DEFAULT, before holds the key columns and NULLs
        if (isRecord(before) && reader.hasKey(before, pk)) return [{ kind: 'delete', key: reader.readKey(before, convs, pk, '"before"') }];
        if (before !== null && !isRecord(before)) throw new MessageError('"before" is not a JSON object');
        return [{ kind: 'delete', key: keyFromMessage(msg) }];
      }
      case 't':
        throw new MessageError('truncate events (op "t") are not supported');
      case 'm':
        throw new MessageError('logical decoding messages (op "m") are not supported');
      default:
        throw new MessageError(`unknown op ${typeof op === 'string' ? `"${op}"` : JSON.stringify(op) ?? String(op)}`);
    }
  };
}

// --- upsert ---

// The key identifies the row: a JSON object with the primary key's columns (perhaps in the
// Connect envelope), or for a one-column key a bare JSON scalar. A one-column key of a string
// type is also taken as the raw key text when it does not start like a JSON object or string
// ({ or "), so `abc`, `1.50` and `[1,2]` are those texts exactly. For a key of another type,
// text that is not JSON goes through the type's input function (a date key 2024-01-02).
function upsertDecoder(table: SourceTable, options: FormatOptions, exact: Exactness): Decoder {
  const pk = primaryKey(table, 'upsert');
  const opts = convertOptions('upsert', options, exact);
  const reader = new RowReader(table, opts);
  const keepForm = showsNumberForm(table);
  const valueJson = new MessageJson('value', keepForm, options.maxMessageBytes, exact);
  const keyJson = new MessageJson('key', keepForm, options.maxMessageBytes, exact);
  const single = pk.length === 1 ? pk[0] : -1;
  const singleType = single >= 0 ? table.columns[single].type : null;
  const rawTextKey = singleType !== null && isStringType(singleType);
  const keyConverters = new Map<string, Convert>();

  /** A bare scalar key: the key column's converter, for the encoding its schema names. */
  const scalarKey = (v: Json, schema: JsonRecord | null): Row => {
    if (single < 0) throw new MessageError('key is not a JSON object with the primary key columns');
    if (v === null) throw new MessageError('missing key');
    if (Array.isArray(v)) throw new MessageError('key is a JSON array, not a key value');
    const e = schema === null ? null : fieldEncoding(schema);
    let conv = keyConverters.get(e?.key ?? '');
    if (conv === undefined) {
      conv = columnConverter(singleType!, e?.encoding ?? null, opts);
      keyConverters.set(e?.key ?? '', conv);
    }
    const row: Row = new Array(reader.width).fill(null);
    try {
      row[single] = conv(v);
    } catch (e) {
      throw columnError(reader.columnName(single), e);
    }
    return row;
  };

  const keyRow = (key: Buffer | null): Row => {
    if (key === null) throw new MessageError('missing key');
    const text = keyJson.text(key); // size and UTF-8 checked: what parseText raises below is JSON syntax
    if (rawTextKey && !/^\s*[{"]/.test(text)) return rawKey(text);
    let parsed: Json;
    try {
      parsed = keyJson.parseText(key, text);
    } catch (e) {
      if (single >= 0) return rawKey(text);
      throw e;
    }
    const { payload, schema } = unwrap(parsed);
    if (isRecord(payload)) return reader.readKey(payload, reader.converters(schema), pk, 'key');
    return scalarKey(payload, schema);
  };

  const rawKey = (text: string): Row => {
    const row: Row = new Array(reader.width).fill(null);
    try {
      row[single] = parseValue(text, singleType!);
    } catch (e) {
      throw columnError(reader.columnName(single), e);
    }
    return row;
  };

  return (msg) => {
    const key = keyRow(msg.key);
    if (msg.value === null) return [{ kind: 'delete', key }];
    const { payload, schema } = unwrap(valueJson.parse(msg.value));
    if (!isRecord(payload)) throw new MessageError('value is not a JSON object');
    const row = reader.read(payload, reader.converters(schema));
    // key columns missing (or null) in the value come from the key; present in both, they must agree
    for (const i of pk) {
      if (row[i] === null) row[i] = key[i];
      else if (!sameValue(row[i], key[i], table.columns[i].type)) {
        const t = table.columns[i].type;
        throw new MessageError(`column "${reader.columnName(i)}" is ${show(row[i], t)} in the value but ${show(key[i], t)} in the key`);
      }
    }
    reader.checkNotNull(row);
    return [{ kind: 'upsert', row }];
  };
}

function sameValue(a: Value, b: Value, t: SqlType): boolean {
  if (a === b) return true;
  if (a instanceof Decimal && b instanceof Decimal) return a.compare(b) === 0;
  return typeof a === 'object' && typeof b === 'object' && formatValue(a, t) === formatValue(b, t);
}

function show(v: Value, t: SqlType): string {
  return JSON.stringify(formatValue(v, t));
}

// --- json ---

// Each value is one JSON object: one row to insert. A JSON array of objects is several rows
// (producers that batch), an empty array none. The key is not read.
function jsonDecoder(table: SourceTable, options: FormatOptions, exact: Exactness): Decoder {
  const reader = new RowReader(table, convertOptions('json', options, exact));
  const valueJson = new MessageJson('value', showsNumberForm(table), options.maxMessageBytes, exact);
  const max = options.maxMessageBytes;
  const insert = (v: Json, convs: readonly Convert[]): RowChange => {
    if (!isRecord(v)) throw new MessageError('value is not a JSON object');
    const row = reader.read(v, convs);
    reader.checkNotNull(row);
    return { kind: 'insert', row };
  };
  return (msg) => {
    if (msg.key !== null && msg.key.length > max) throw new MessageError(`key of ${msg.key.length} bytes exceeds max_message_bytes (${max})`);
    if (msg.value === null) throw new MessageError('value is null');
    const { payload, schema } = unwrap(valueJson.parse(msg.value));
    if (Array.isArray(payload)) {
      // an array's schema describes its items
      const convs = reader.converters(schema !== null && isRecord(schema.items) ? schema.items : null);
      const out: RowChange[] = [];
      for (let k = 0; k < payload.length; k++) {
        try {
          out.push(insert(payload[k], convs));
        } catch (e) {
          throw e === NEED_EXACT ? e : new MessageError(`element ${k + 1}: ${reason(e)}`);
        }
      }
      return out;
    }
    return [insert(payload, reader.converters(schema))];
  };
}
