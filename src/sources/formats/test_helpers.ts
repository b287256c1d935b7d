// Builders for the decoder tests: tables, Kafka messages, Connect schemas and Debezium envelopes.

import { expect } from 'vitest';
import { parseValue } from '../../expr/cast.js';
import type { Value } from '../../expr/value.js';
import { type as sqlType, T, type SqlType, type TypeId } from '../../sql/types.js';
import { MessageError, type RowChange, type SourceMessage, type SourceTable } from '../types.js';
import { DEFAULT_FORMAT_OPTIONS, makeDecoder, type FormatOptions, type SourceFormat } from './decoder.js';

/** A column spec: name, type (a TypeId, or [TypeId, typmod]), NOT NULL. */
export type ColSpec = [name: string, type: TypeId | [TypeId, number] | SqlType, notNull?: boolean];

export function table(cols: ColSpec[], primaryKey: string[] | null = null): SourceTable {
  const columns = cols.map(([name, t, notNull]) => ({
    name,
    type: typeof t === 'string' ? T[t as keyof typeof T] ?? sqlType(t) : Array.isArray(t) ? sqlType(t[0], t[1]) : t,
    notNull: notNull ?? false,
  }));
  return {
    name: 't',
    columns,
    primaryKey: primaryKey === null ? null : primaryKey.map((n) => columns.findIndex((c) => c.name === n)),
  };
}

export const numericTypmod = (p: number, s: number): number => (p << 16) | s;

type Payload = string | Buffer | null | object | number | boolean;

function bytes(v: Payload): Buffer | null {
  if (v === null) return null;
  if (Buffer.isBuffer(v)) return v;
  return Buffer.from(typeof v === 'string' ? v : JSON.stringify(v), 'utf8');
}

/** A message; objects are JSON-encoded, strings and Buffers taken as the bytes. */
export function msg(value: Payload, key: Payload = null): SourceMessage {
  return { partition: 0, offset: 0, key: bytes(key), value: bytes(value), timestamp: 0 };
}

export function decoder(format: SourceFormat, t: SourceTable, options: Partial<FormatOptions> = {}) {
  return makeDecoder(format, t, { ...DEFAULT_FORMAT_OPTIONS, ...options });
}

/** The MessageError a decode raises (fails the test when it returns, or throws anything else). */
export function messageError(f: () => RowChange[]): string {
  let result: RowChange[];
  try {
    result = f();
  } catch (e) {
    expect(e).toBeInstanceOf(MessageError);
    return (e as Error).message;
  }
  throw new Error(`expected a MessageError, got ${String(result)}`);
}

/** The engine's own input function: the expected value of a column. */
export function input(text: string, t: TypeId | SqlType): Value {
  return parseValue(text, typeof t === 'string' ? sqlType(t) : t);
}

// --- Connect schemas ---

export interface FieldSchema {
  type: string;
  optional?: boolean;
  field?: string;
  name?: string;
  version?: number;
  parameters?: Record<string, string>;
  fields?: FieldSchema[];
  items?: FieldSchema;
}

export function field(name: string, type: string, logical?: string, parameters?: Record<string, string>): FieldSchema {
  return { type, optional: true, field: name, ...(logical ? { name: logical, version: 1 } : {}), ...(parameters ? { parameters } : {}) };
}

export function struct(name: string, fields: FieldSchema[]): FieldSchema {
  return { type: 'struct', fields, optional: true, name };
}

/** Debezium's envelope schema over a row struct. */
export function envelopeSchema(row: FieldSchema[]): FieldSchema {
  return {
    type: 'struct',
    name: 'server.public.t.Envelope',
    optional: false,
    fields: [
      { ...struct('server.public.t.Value', row), field: 'before' },
      { ...struct('server.public.t.Value', row), field: 'after' },
      { type: 'struct', field: 'source', optional: false, fields: [{ type: 'string', field: 'connector', optional: false }] },
      { type: 'string', field: 'op', optional: false },
      { type: 'int64', field: 'ts_ms', optional: true },
    ],
  };
}

/** A Debezium change event's payload. */
export function change(op: string, before: object | null, after: object | null): object {
  return { before, after, source: { connector: 'postgresql', lsn: 1 }, op, ts_ms: 1700000000000, transaction: null };
}

export function wrap(schema: object | null, payload: unknown): object {
  return { schema, payload };
}

/** Base64 of the big-endian two's-complement bytes of n (Connect's Decimal), computed independently. */
export function base64OfBigInt(n: bigint): string {
  let len = 1;
  while (n >= 1n << BigInt(8 * len - 1) || n < -(1n << BigInt(8 * len - 1))) len++;
  const u = n < 0n ? (1n << BigInt(8 * len)) + n : n;
  const out = Buffer.alloc(len);
  for (let i = len - 1, x = u; i >= 0; i--, x >>= 8n) out[i] = Number(x & 0xffn);
  return out.toString('base64');
}
