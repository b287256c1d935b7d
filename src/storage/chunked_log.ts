// An append-only columnar log in fixed-size chunks. A single growing array would copy every
// row on each doubling and, at the moment it grows, hold twice the table; chunks allocate each
// byte once, and appending never moves what is already stored.

import type { SqlType } from '../sql/types.js';
import type { Row, Value } from '../expr/value.js';
import { BatchBuilder, getValue, rowAt, type Batch } from '../dataflow/batch.js';

const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
export const CHUNK_MASK = CHUNK - 1;

export class ChunkedLog {
  /** Every chunk but the last holds exactly CHUNK rows; the first starts small and grows. */
  private readonly chunks: BatchBuilder[];
  private readonly sealed: (Batch | null)[] = [null];
  private whole: Batch | null = null;
  length = 0;

  constructor(readonly types: readonly SqlType[]) {
    this.chunks = [new BatchBuilder(types, 64)];
  }

  private last(): BatchBuilder {
    let c = this.chunks[this.chunks.length - 1];
    if (c.length === CHUNK) {
      c = new BatchBuilder(this.types, CHUNK);
      this.chunks.push(c);
      this.sealed.push(null);
    }
    return c;
  }

  private changed(): void {
    this.sealed[this.chunks.length - 1] = null;
    this.whole = null;
  }

  push(row: readonly Value[]): void {
    this.last().push(row, 1);
    this.length++;
    this.changed();
  }

  /** Append every row of b (weights become 1). */
  appendBatch(b: Batch): void {
    let from = 0;
    while (from < b.length) {
      const c = this.last();
      const to = Math.min(b.length, from + (CHUNK - c.length));
      c.appendBatch(b, 1, from, to);
      this.length += to - from;
      from = to;
      this.changed();
    }
  }

  private chunk(k: number): Batch {
    return (this.sealed[k] ??= this.chunks[k].finish());
  }

  /** The chunk holding row `id`, where it is row `id & CHUNK_MASK`. */
  chunkOf(id: number): Batch {
    return this.chunk(id >>> CHUNK_BITS);
  }

  row(id: number): Row {
    return rowAt(this.chunk(id >>> CHUNK_BITS), id & CHUNK_MASK);
  }

  /** Append row `id` to a builder of the same schema, column by column (no row array). */
  copyRow(id: number, out: BatchBuilder): void {
    out.pushFrom(this.chunk(id >>> CHUNK_BITS), id & CHUNK_MASK, 1);
  }

  /** One column's value of one row. */
  valueAt(id: number, col: number): Value {
    return getValue(this.chunk(id >>> CHUNK_BITS).columns[col], id & CHUNK_MASK);
  }

  /** All rows as one batch: zero-copy while the log fits in one chunk, else a copy (cached). */
  batch(): Batch {
    if (this.chunks.length === 1) return this.chunk(0);
    if (this.whole === null) {
      const out = new BatchBuilder(this.types, this.length);
      for (let k = 0; k < this.chunks.length; k++) out.appendBatch(this.chunk(k), 1);
      this.whole = out.finish();
    }
    return this.whole;
  }
}
