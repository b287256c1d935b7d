// Z-set batches: rows with signed integer weights, stored column by column.
//
// Fixed-width types live in typed arrays (with a separate null mask) so hot loops touch
// contiguous memory and allocate nothing per row; other types live in plain arrays with
// null inline. Arrow is the container at the edges (IPC, spill, checkpoints: see arrow.ts),
// not the in-memory working format, because element access through Arrow vectors is an
// order of magnitude slower than through typed arrays.

import type { SqlType } from '../sql/types.js';
import type { Row, Value } from '../expr/value.js';
import type { Decimal } from '../expr/numeric.js';
import { copySide, decAt, encodeDecimal, encodeParts } from './dec_column.js';

export type StorageKind = 'i32' | 'f64' | 'i64' | 'bool' | 'dec' | 'any';

/** Whether BigInt64Arrays can be read and written as [lo, hi] Int32 pairs on this machine. */
export const LITTLE_ENDIAN = new Int32Array(new BigInt64Array([1n]).buffer)[0] === 1;

export function storageKind(t: SqlType): StorageKind {
  switch (t.id) {
    case 'int2':
    case 'int4':
    case 'date':
      return t.id === 'date' ? 'f64' : 'i32'; // date may be ±Infinity, so it needs a float slot
    case 'float4':
    case 'float8':
      return 'f64';
    case 'int8':
    case 'timestamp':
    case 'timestamptz':
      // bigint values: one typed slot instead of a heap object per stored value
      return 'i64';
    case 'bool':
      return 'bool';
    case 'numeric':
      return 'dec'; // see dec_column.ts
    default:
      return 'any';
  }
}

export type ColumnData = Int32Array | Float64Array | BigInt64Array | Uint8Array | Value[];

export interface Column {
  readonly kind: StorageKind;
  readonly data: ColumnData;
  /** For typed storage: 1 where the value is NULL; null when no value is NULL. Unused for 'any'. */
  readonly nulls: Uint8Array | null;
  /** 'dec' only: the values whose data is NaN, at their rows (dec_column.ts); null when none. */
  readonly side?: readonly Value[] | null;
}

export interface Batch {
  readonly types: readonly SqlType[];
  readonly columns: readonly Column[];
  /** Signed multiplicities; a consolidated batch has no zero weights and no repeated row. */
  readonly weights: Int32Array;
  readonly length: number;
}

// Each typed-array access below sees one array type only (i32, f64 and bool have their own
// branches): V8 keeps such element accesses monomorphic, which matters on every hot path.
export function getValue(col: Column, i: number): Value {
  switch (col.kind) {
    case 'i32':
      return col.nulls !== null && col.nulls[i] === 1 ? null : (col.data as Int32Array)[i];
    case 'f64':
      return col.nulls !== null && col.nulls[i] === 1 ? null : (col.data as Float64Array)[i];
    case 'i64':
      return col.nulls !== null && col.nulls[i] === 1 ? null : (col.data as BigInt64Array)[i];
    case 'bool':
      return col.nulls !== null && col.nulls[i] === 1 ? null : (col.data as Uint8Array)[i] === 1;
    case 'dec':
      return col.nulls !== null && col.nulls[i] === 1 ? null : decAt(col.data as Float64Array, col.side, i);
    default:
      return (col.data as Value[])[i];
  }
}

export function rowAt(b: Batch, i: number): Row {
  const n = b.columns.length;
  const row: Row = new Array(n);
  for (let c = 0; c < n; c++) row[c] = getValue(b.columns[c], i);
  return row;
}

const EMPTY = new WeakMap<readonly SqlType[], Batch>();

/** The empty batch of a schema (shared: batches are never mutated once finished). */
export function emptyBatch(types: readonly SqlType[]): Batch {
  let b = EMPTY.get(types);
  if (b === undefined) EMPTY.set(types, (b = new BatchBuilder(types, 0).finish()));
  return b;
}

/** Appends rows (as values or straight from other batches) into growable columns. */
export class BatchBuilder {
  readonly types: readonly SqlType[];
  private kinds: StorageKind[];
  private data: ColumnData[];
  private nulls: (Uint8Array | null)[];
  /** 'dec' columns: values kept aside (see Column.side); null until one is. */
  private side: (Value[] | null)[];
  private weights: Int32Array;
  private cap: number;
  /** Int32 views of i64 columns (see setInt64). */
  private halves: (Int32Array | undefined)[] = [];
  length = 0;

  constructor(types: readonly SqlType[], capacity = 16) {
    this.types = types;
    this.cap = Math.max(capacity, 1);
    this.kinds = types.map(storageKind);
    this.data = this.kinds.map((k) => allocData(k, this.cap));
    this.nulls = this.kinds.map(() => null);
    this.side = this.kinds.map(() => null);
    this.weights = new Int32Array(this.cap);
  }

  private grow(min = 0): void {
    let cap = this.cap * 2;
    while (cap < min) cap *= 2;
    for (let c = 0; c < this.data.length; c++) {
      const d = this.data[c];
      if (Array.isArray(d)) continue;
      const nd = allocData(this.kinds[c], cap) as Int32Array;
      nd.set(d as Int32Array);
      this.data[c] = nd;
      this.halves[c] = undefined;
      const nm = this.nulls[c];
      if (nm !== null) {
        const nn = new Uint8Array(cap);
        nn.set(nm);
        this.nulls[c] = nn;
      }
    }
    const w = new Int32Array(cap);
    w.set(this.weights);
    this.weights = w;
    this.cap = cap;
  }

  /** Set column c of the row being appended (call before commitRow). */
  set(c: number, v: Value): void {
    if (this.length >= this.cap) this.grow();
    this.setAt(c, this.length, v);
  }

  /** Room for n more rows, to be written column by column with setAt, then `advance`. */
  reserve(n: number): void {
    if (this.length + n > this.cap) this.grow(this.length + n);
  }

  /** Set column c of row i (below the capacity `reserve` made). */
  setAt(c: number, i: number, v: Value): void {
    const kind = this.kinds[c];
    if (kind === 'any') {
      (this.data[c] as Value[])[i] = v;
      return;
    }
    if (v === null) {
      let m = this.nulls[c];
      if (m === null) m = this.nulls[c] = new Uint8Array(this.cap);
      m[i] = 1;
      return;
    }
    const m = this.nulls[c];
    if (m !== null) m[i] = 0;
    if (kind === 'i32') (this.data[c] as Int32Array)[i] = v as number;
    else if (kind === 'f64') (this.data[c] as Float64Array)[i] = v as number;
    else if (kind === 'i64') (this.data[c] as BigInt64Array)[i] = v as bigint;
    else if (kind === 'dec') {
      const x = ((this.data[c] as Float64Array)[i] = encodeDecimal(v as Decimal));
      if (x !== x) (this.side[c] ??= [])[i] = v;
    } else (this.data[c] as Uint8Array)[i] = v ? 1 : 0;
  }

  /**
   * Set a 'dec' column of row i (below the capacity `reserve` made) to coef / 10^scale, for a
   * safe-integer coef; false when that does not fit the encoding (then setAt a Decimal).
   */
  setDecAt(c: number, i: number, coef: number, scale: number): boolean {
    const x = encodeParts(coef, scale);
    if (x !== x) return false;
    const m = this.nulls[c];
    if (m !== null) m[i] = 0;
    (this.data[c] as Float64Array)[i] = x;
    return true;
  }

  /**
   * Set an i64 column of the row being appended from a safe integer, written as its two 32-bit
   * halves: no bigint is allocated (the fast path for numbers fed to int8 columns).
   */
  setInt64(c: number, v: number): void {
    if (this.length >= this.cap) this.grow();
    this.setInt64At(c, this.length, v);
  }

  /** setInt64 at row i (below the capacity `reserve` made). */
  setInt64At(c: number, i: number, v: number): void {
    const m = this.nulls[c];
    if (m !== null) m[i] = 0;
    let h = this.halves[c];
    if (h === undefined) {
      const d = this.data[c] as BigInt64Array;
      h = this.halves[c] = new Int32Array(d.buffer, d.byteOffset, d.length * 2);
    }
    const hi = Math.floor(v / 4294967296);
    h[2 * i] = v - hi * 4294967296;
    h[2 * i + 1] = hi;
  }

  /**
   * Column c's Int32Array, for writing non-NULL int4/int2 values straight into rows at or
   * after `length` (below the capacity `reserve` made); null for other storage kinds.
   */
  int32Column(c: number): Int32Array | null {
    return this.kinds[c] === 'i32' ? (this.data[c] as Int32Array) : null;
  }

  /**
   * Column c's Float64Array when it is a 'dec' column, for writing non-NULL encoded values
   * (dec_column.ts) straight into rows at or after `length`, below the capacity `reserve` made.
   */
  decColumn(c: number): Float64Array | null {
    return this.kinds[c] === 'dec' ? (this.data[c] as Float64Array) : null;
  }

  /** Column c's values array when it is stored as JS values ('any'), for writing non-NULL values directly; else null. */
  anyColumn(c: number): Value[] | null {
    return this.kinds[c] === 'any' ? (this.data[c] as Value[]) : null;
  }

  /** Rows [length, length + n), written with setAt, are complete; each gets weight w. */
  advance(n: number, w: number): void {
    this.weights.fill(w, this.length, this.length + n);
    this.length += n;
  }

  /** Rows [length, length + n), written with setAt, are complete, with weights ws[0..n). */
  advanceWith(n: number, ws: Int32Array): void {
    this.weights.set(ws.subarray(0, n), this.length);
    this.length += n;
  }

  /** Finish the current row with weight w. */
  commitRow(w: number): void {
    if (this.length >= this.cap) this.grow();
    this.weights[this.length++] = w;
  }

  push(row: readonly Value[], w: number): void {
    if (this.length >= this.cap) this.grow();
    for (let c = 0; c < row.length; c++) this.set(c, row[c]);
    this.weights[this.length++] = w;
  }

  /** Copy row i of batch b (same schema) with weight w. */
  pushFrom(b: Batch, i: number, w: number): void {
    if (this.length >= this.cap) this.grow();
    for (let c = 0; c < b.columns.length; c++) this.set(c, getValue(b.columns[c], i));
    this.weights[this.length++] = w;
  }

  /** Append rows [from, to) of b (same schema) column by column, each with weight w (null: b's own). */
  appendBatch(b: Batch, w: number | null, from = 0, to = b.length): void {
    const n = to - from;
    const at = this.length;
    if (at + n > this.cap) this.grow(at + n);
    for (let c = 0; c < this.kinds.length; c++) this.copyColumnAt(c, b.columns[c], from, to);
    if (w === null) this.weights.set(b.weights.subarray(from, to), at);
    else this.weights.fill(w, at, at + n);
    this.length = at + n;
  }

  /** Column c of rows [length, length + to - from) from src's rows [from, to), of the same storage kind (room reserved). */
  copyColumnAt(c: number, src: Column, from: number, to: number): void {
    const n = to - from;
    const at = this.length;
    if (this.kinds[c] === 'any') {
      const d = this.data[c] as Value[];
      const sd = src.data as Value[];
      for (let k = 0; k < n; k++) d[at + k] = sd[from + k];
      return;
    }
    (this.data[c] as Int32Array).set((src.data as Int32Array).subarray(from, to), at);
    if (src.side) copySide((this.side[c] ??= []), at, src.data as Float64Array, src.side, from, to);
    let m = this.nulls[c];
    if (src.nulls !== null) {
      if (m === null) m = this.nulls[c] = new Uint8Array(this.cap);
      m.set(src.nulls.subarray(from, to), at);
    } else if (m !== null) m.fill(0, at, at + n);
  }

  /**
   * Start over, keeping the allocated columns: for builders whose batches live only until
   * the end of one circuit step (see `reusableBuilder`). Fresh typed arrays would cost an
   * external allocation each, and V8 answers enough of those with full garbage collections.
   */
  reset(): void {
    if (poisonOnReset) this.poison();
    this.length = 0;
    for (let c = 0; c < this.kinds.length; c++) {
      if (this.kinds[c] === 'any') this.data[c] = new Array<Value>(0);
      else if (this.nulls[c] !== null) this.nulls[c]!.fill(0);
      this.side[c] = null;
    }
  }

  /** Overwrite every slot, so a batch kept past its step shows up as wrong answers in tests. */
  private poison(): void {
    for (let c = 0; c < this.kinds.length; c++) {
      const d = this.data[c];
      if (Array.isArray(d)) d.fill('\u0000poisoned');
      else if (this.kinds[c] === 'dec') (d as Float64Array).fill(-123456789 * 64 - 3); // a valid encoding: NaN would read the side array
      else if (d instanceof BigInt64Array) d.fill(-1234567890123n);
      else if (d instanceof Float64Array) d.fill(Number.NaN);
      else (d as Int32Array).fill(-123456789);
      this.nulls[c]?.fill(1);
    }
    this.weights.fill(0);
  }

  finish(): Batch {
    const n = this.length;
    // a builder filled to its capacity hands out its arrays as they are (no views to make)
    const full = n === this.cap;
    const columns: Column[] = this.kinds.map((kind, c) => {
      const d = this.data[c];
      const data = Array.isArray(d) ? (d.length === n ? d : d.slice(0, n)) : full ? d : (d as Int32Array).subarray(0, n);
      const m = this.nulls[c];
      // (the side array is shared: rows at or past n are never read through this batch)
      return { kind, data, nulls: m === null ? null : full ? m : m.subarray(0, n), side: this.side[c] };
    });
    return { types: this.types, columns, weights: full ? this.weights : this.weights.subarray(0, n), length: n };
  }
}

let poisonOnReset = false;

/** Tests turn this on: reused batch buffers are overwritten with garbage when reset. */
export function setPoisonOnReset(on: boolean): void {
  poisonOnReset = on;
}

/**
 * A builder reused for every batch an operator emits. Contract: a batch emitted into a
 * circuit step is read during that step only (operators that keep data copy it into their own
 * state; listeners and reads convert it to rows before the step returns), so the next step may
 * overwrite it.
 */
export function reusableBuilder(prev: BatchBuilder | null, types: readonly SqlType[], capacity: number): BatchBuilder {
  if (prev === null) return new BatchBuilder(types, capacity);
  prev.reset();
  return prev;
}

function allocData(kind: StorageKind, cap: number): ColumnData {
  switch (kind) {
    case 'i32':
      return new Int32Array(cap);
    case 'f64':
      return new Float64Array(cap);
    case 'i64':
      return new BigInt64Array(cap);
    case 'bool':
      return new Uint8Array(cap);
    case 'dec':
      return new Float64Array(cap);
    default:
      return new Array<Value>(0);
  }
}

export function batchFromRows(types: readonly SqlType[], rows: readonly Row[], weights?: ArrayLike<number>): Batch {
  const b = new BatchBuilder(types, rows.length);
  for (let i = 0; i < rows.length; i++) b.push(rows[i], weights ? weights[i] : 1);
  return b.finish();
}

export function batchToRows(b: Batch): { row: Row; weight: number }[] {
  const out: { row: Row; weight: number }[] = [];
  for (let i = 0; i < b.length; i++) out.push({ row: rowAt(b, i), weight: b.weights[i] });
  return out;
}

/** Select columns (zero-copy): the projection of a batch onto `indices`. */
export function projectColumns(b: Batch, indices: readonly number[]): Batch {
  return {
    types: indices.map((i) => b.types[i]),
    columns: indices.map((i) => b.columns[i]),
    weights: b.weights,
    length: b.length,
  };
}

/** Rows [from, to) of a batch (zero-copy for typed columns). */
export function sliceBatch(b: Batch, from: number, to: number): Batch {
  return {
    types: b.types,
    columns: b.columns.map((c) => ({
      kind: c.kind,
      data: Array.isArray(c.data) ? c.data.slice(from, to) : (c.data as Int32Array).subarray(from, to),
      nulls: c.nulls === null ? null : c.nulls.subarray(from, to),
      side: c.side ? c.side.slice(from, to) : null,
    })),
    weights: b.weights.subarray(from, to),
    length: to - from,
  };
}

export function negateBatch(b: Batch): Batch {
  const w = new Int32Array(b.length);
  for (let i = 0; i < b.length; i++) w[i] = -b.weights[i];
  return { ...b, weights: w };
}

export function concatBatches(types: readonly SqlType[], batches: readonly Batch[]): Batch {
  const nonEmpty = batches.filter((b) => b.length > 0);
  if (nonEmpty.length === 0) return emptyBatch(types);
  if (nonEmpty.length === 1) return nonEmpty[0];
  let total = 0;
  for (const b of nonEmpty) total += b.length;
  const out = new BatchBuilder(types, total);
  for (const b of nonEmpty) out.appendBatch(b, null);
  return out.finish();
}
