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
  vectorFromArray,
  Field,
  Schema,
  Struct,
  type Vector,
} from 'apache-arrow';
import type { SqlType, TypeId } from '../sql/types.js';
import { type } from '../sql/types.js';
import type { Value } from '../expr/value.js';
import { formatValue } from '../expr/format.js';
import { parseValue } from '../expr/cast.js';
import { BatchBuilder, getValue, type Batch, type Column } from './batch.js';

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
  const out = new BatchBuilder(types, n);
  const cols = fields.map((f) => table.getChild(f.name)!);
  const weights = table.getChild(WEIGHT);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < types.length; c++) out.set(c, fromArrowValue(cols[c].get(i), types[c]));
    out.commitRow(weights ? (weights.get(i) as number) : 1);
  }
  return out.finish();
}

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
      const strings = new Array<string | null>(n);
      for (let i = 0; i < n; i++) strings[i] = formatValue(getValue(col, i), t);
      return vectorFromArray(strings, new Utf8());
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
