// Arrow at the edges: batches to and from Apache Arrow tables and IPC bytes (for spill,
// checkpoints and shipping batches between processes). Fixed-width columns convert without
// copying values one by one; the working format stays typed arrays (see batch.ts).
//
// Encoding: int2/int4 → Int32; float4/float8/date → Float64 (date as days since 1970, so
// ±infinity survive); bool → Bool; int8/timestamp/timestamptz → Int64; text types → Utf8;
// numeric/interval/jsonb → Utf8 holding PostgreSQL's text form (exact, and parseable back).
// The SQL type is kept in field metadata, the Z-set weight in an Int32 column "__weight".

import {
  Bool,
  Float64,
  Int32,
  Int64,
  Table,
  Utf8,
  makeData,
  makeVector,
  tableFromIPC,
  tableToIPC,
  Field,
  Schema,
  Struct,
  type Data,
  type Vector,
} from 'apache-arrow';
import type { SqlType, TypeId } from '../sql/types.js';
import { type } from '../sql/types.js';
import type { Value } from '../expr/value.js';
import { formatValue } from '../expr/format.js';
import { parseValue } from '../expr/cast.js';
import { BatchBuilder, getValue, storageKind, type Batch, type Column } from './batch.js';

const WEIGHT = '__weight';

export function batchToArrow(b: Batch, names?: readonly string[]): Table {
  const fields: Field[] = [];
  const vectors: Vector[] = [];
  b.types.forEach((t, c) => {
    const v = columnToVector(b.columns[c], t, b.length);
    vectors.push(v);
    fields.push(new Field(names?.[c] ?? `c${c}`, v.type, true, new Map([['tributary.type', `${t.id}:${t.typmod}`]])));
  });
  const w = makeVector(makeData({ type: new Int32(), length: b.length, data: b.weights }));
  fields.push(new Field(WEIGHT, w.type, false));
  vectors.push(w);
  const schema = new Schema(fields);
  const data = makeData({
    type: new Struct(fields),
    length: b.length,
    nullCount: 0,
    children: vectors.map((v) => v.data[0]),
  });
  return new Table(schema, data as never);
}

export function arrowToBatch(table: Table): Batch {
  const fields = table.schema.fields.filter((f) => f.name !== WEIGHT);
  const types: SqlType[] = fields.map((f) => {
    const meta = f.metadata.get('tributary.type');
    if (!meta) throw new Error(`Arrow field ${f.name} has no tributary.type metadata`);
    const [id, mod] = meta.split(':');
    return type(id as TypeId, Number(mod));
  });
  const n = table.numRows;
  // straight from the Arrow buffers, chunk by chunk: Vector.get per value is slow
  const columns = fields.map((f, c) => columnFromArrow(table.getChild(f.name)!.data, types[c], n));
  const w = table.getChild(WEIGHT);
  const weights = new Int32Array(n);
  if (w) fixedFromArrow(w.data, weights);
  else weights.fill(1);
  return { types, columns, weights, length: n };
}

/** The chunks' values of a fixed-width column, copied into `out` (null slots as they are). */
function fixedFromArrow(chunks: readonly Data[], out: Int32Array | Float64Array | BigInt64Array): void {
  let at = 0;
  for (const d of chunks) {
    (out as Int32Array).set((d.values as Int32Array).subarray(d.offset, d.offset + d.length), at);
    at += d.length;
  }
}

/** 1 where a chunk's value is null, or null when none is. */
function nullsFromArrow(chunks: readonly Data[], n: number): Uint8Array | null {
  if (chunks.every((d) => d.nullCount === 0)) return null;
  const nulls = new Uint8Array(n);
  let at = 0;
  for (const d of chunks) {
    const bits = d.nullBitmap;
    if (d.nullCount > 0 && bits) for (let i = 0; i < d.length; i++) if ((bits[(d.offset + i) >> 3] & (1 << ((d.offset + i) & 7))) === 0) nulls[at + i] = 1;
    at += d.length;
  }
  return nulls;
}

function columnFromArrow(chunks: readonly Data[], t: SqlType, n: number): Column {
  const kind = storageKind(t);
  const nulls = nullsFromArrow(chunks, n);
  switch (kind) {
    case 'i32':
    case 'f64':
    case 'i64': {
      const data = kind === 'i32' ? new Int32Array(n) : kind === 'f64' ? new Float64Array(n) : new BigInt64Array(n);
      fixedFromArrow(chunks, data);
      return { kind, data, nulls };
    }
    case 'bool': {
      const data = new Uint8Array(n);
      let at = 0;
      for (const d of chunks) {
        const bits = d.values as Uint8Array;
        for (let i = 0; i < d.length; i++) data[at + i] = (bits[(d.offset + i) >> 3] >> ((d.offset + i) & 7)) & 1;
        at += d.length;
      }
      return { kind, data, nulls };
    }
    default: {
      const data: Value[] = new Array(n);
      const raw = TEXT_TYPES.has(t.id);
      let at = 0;
      for (const d of chunks) {
        const bytes = d.values as Uint8Array;
        const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const offsets = d.valueOffsets as Int32Array;
        // all ASCII (the usual case): one decode of the whole chunk, then substrings
        const first = offsets[d.offset];
        const all = buf.toString('utf8', first, offsets[d.offset + d.length]);
        const ascii = all.length === offsets[d.offset + d.length] - first;
        for (let i = 0; i < d.length; i++, at++) {
          if (nulls !== null && nulls[at] === 1) {
            data[at] = null;
            continue;
          }
          const a = offsets[d.offset + i];
          const b = offsets[d.offset + i + 1];
          const str = ascii ? all.substring(a - first, b - first) : buf.toString('utf8', a, b);
          data[at] = raw ? str : fromArrowValue(str, t);
        }
      }
      return kind === 'dec' ? decColumn(data) : { kind, data, nulls: null };
    }
  }
}

/** A 'dec' column of these numeric values (dec_column.ts). */
function decColumn(values: readonly Value[]): Column {
  const b = new BatchBuilder([type('numeric')], values.length);
  b.reserve(values.length);
  for (let i = 0; i < values.length; i++) b.setAt(0, i, values[i]);
  b.advance(values.length, 1);
  return b.finish().columns[0];
}

const TEXT_TYPES = new Set<TypeId>(['text', 'varchar', 'bpchar']);

export function batchToIPC(b: Batch, names?: readonly string[]): Uint8Array {
  return tableToIPC(batchToArrow(b, names), 'stream');
}

export function batchFromIPC(bytes: Uint8Array): Batch {
  return arrowToBatch(tableFromIPC(bytes));
}

function validity(col: Column, n: number): Uint8Array | null {
  if (col.nulls === null) return null;
  const bits = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) if (col.nulls[i] === 0) bits[i >> 3] |= 1 << (i & 7);
  return bits;
}

function nullCount(col: Column, n: number): number {
  if (col.nulls === null) return 0;
  let k = 0;
  for (let i = 0; i < n; i++) k += col.nulls[i];
  return k;
}

function columnToVector(col: Column, t: SqlType, n: number): Vector {
  switch (col.kind) {
    case 'i32':
      return makeVector(makeData({ type: new Int32(), length: n, nullCount: nullCount(col, n), nullBitmap: validity(col, n), data: col.data as Int32Array }));
    case 'f64':
      return makeVector(makeData({ type: new Float64(), length: n, nullCount: nullCount(col, n), nullBitmap: validity(col, n), data: col.data as Float64Array }));
    case 'i64':
      return makeVector(makeData({ type: new Int64(), length: n, nullCount: nullCount(col, n), nullBitmap: validity(col, n), data: col.data as BigInt64Array }));
    case 'bool': {
      const bits = new Uint8Array((n + 7) >> 3);
      const d = col.data as Uint8Array;
      for (let i = 0; i < n; i++) if (d[i]) bits[i >> 3] |= 1 << (i & 7);
      return makeVector(makeData({ type: new Bool(), length: n, nullCount: nullCount(col, n), nullBitmap: validity(col, n), data: bits }));
    }
    default: {
      // the values' text, written into one buffer (Arrow's builders go value by value)
      const raw = TEXT_TYPES.has(t.id);
      const strings = new Array<string | null>(n);
      let bytes = 0;
      let nullCount = 0;
      for (let i = 0; i < n; i++) {
        const v = getValue(col, i);
        const str = v === null ? null : raw ? (v as string) : formatValue(v, t);
        strings[i] = str;
        if (str === null) nullCount++;
        else bytes += Buffer.byteLength(str, 'utf8');
      }
      const data = Buffer.allocUnsafe(bytes);
      const offsets = new Int32Array(n + 1);
      const bitmap = nullCount > 0 ? new Uint8Array((n + 7) >> 3) : null;
      let pos = 0;
      for (let i = 0; i < n; i++) {
        offsets[i] = pos;
        const str = strings[i];
        if (str === null) continue;
        pos += data.write(str, pos, 'utf8');
        if (bitmap) bitmap[i >> 3] |= 1 << (i & 7);
      }
      offsets[n] = pos;
      return makeVector(makeData({ type: new Utf8(), length: n, nullCount, nullBitmap: bitmap, valueOffsets: offsets, data }));
    }
  }
}

function fromArrowValue(v: unknown, t: SqlType): Value {
  if (v === null || v === undefined) return null;
  switch (t.id) {
    case 'int2':
    case 'int4':
    case 'float4':
    case 'float8':
    case 'date':
      return v as number;
    case 'bool':
      return v as boolean;
    case 'int8':
    case 'timestamp':
    case 'timestamptz':
      return v as bigint;
    case 'text':
    case 'varchar':
    case 'bpchar':
      return v as string;
    default:
      // the value as it was, not coerced to the column's typmod: a numeric(5,2) column of a
      // plan may hold 1.123 or 2.5 (UNION ALL of branches with other typmods), and a round trip
      // must give them back as they are (records need their typmod: it names their fields)
      return parseValue(v as string, t.typmod === -1 || t.id === 'record' ? t : type(t.id));
  }
}
