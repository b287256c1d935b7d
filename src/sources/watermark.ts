// A table's watermark (`WITH (watermark = 'ts - INTERVAL ''5 seconds''')` on an append-only
// table): how far event time has certainly progressed. It is the greatest `ts - delay` of the
// rows accepted so far, so it only advances. A row whose time is below the watermark when it
// arrives is late: it is dropped before the table and every view see it (as RisingWave's
// watermark filter drops it), and counted in tributary_catalog.late_events. A row without a
// time cannot be placed after the watermark: once there is a watermark, it is late too.
//
// Rows are taken in order (a statement's VALUES in their order, a source's messages in offset
// order), each against the watermark the rows before it left. The filter runs inside the
// commit, and its effect on the watermark and the counts is kept only if the commit is.

import { SqlError, SQLSTATE } from '../errors.js';
import type { Expr } from '../expr/expr.js';
import { formatValue } from '../expr/format.js';
import type { Interval } from '../expr/interval.js';
import { USECS_PER_DAY } from '../expr/interval.js';
import type { Row, Value } from '../expr/value.js';
import { getValue, type Batch } from '../dataflow/batch.js';
import { gather } from '../dataflow/gather.js';
import type { SqlType } from '../sql/types.js';

interface Counts {
  value: bigint | null;
  lateRows: number;
  lastLate: bigint | null;
}

export class TableWatermark {
  private state: Counts = { value: null, lateRows: 0, lastLate: null };
  private staged: Counts | null = null;

  constructor(
    /** The event-time column. */
    readonly col: number,
    readonly colName: string,
    readonly type: SqlType,
    /** The delay subtracted from event times, in microseconds (≥ 0). */
    readonly delay: bigint,
    /** The option's text, as written. */
    readonly text: string,
  ) {}

  /**
   * The watermark of a bound expression over the table's columns: `col` or `col - <constant
   * interval>` on a timestamp or timestamptz column. Anything else is refused.
   */
  static of(e: Expr, columns: readonly { name: string; type: SqlType }[], text: string): TableWatermark {
    const refuse = (why: string) =>
      new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `invalid watermark "${text}": ${why}`, {
        hint: "Write the event-time column minus a constant interval, as in WITH (watermark = 'ts - INTERVAL ''5 seconds''').",
      });
    let colExpr = e;
    let delay = 0n;
    if (e.kind === 'call' && (e.fn === 'timestamp_mi_interval' || e.fn === 'timestamptz_mi_interval')) {
      const [a, b] = e.args;
      if (b.kind !== 'literal' || b.value === null) throw refuse('the delay must be a constant interval');
      const iv = b.value as Interval;
      if (iv.months !== 0) throw refuse('the delay cannot be in months or years');
      delay = BigInt(iv.days) * USECS_PER_DAY + iv.micros;
      if (delay < 0n) throw refuse('the delay cannot be negative');
      colExpr = a;
    }
    if (colExpr.kind !== 'column') throw refuse('it must be a column, or a column minus a constant interval');
    const t = colExpr.type;
    if (t.id !== 'timestamp' && t.id !== 'timestamptz') throw refuse(`column "${columns[colExpr.index].name}" is not a timestamp`);
    return new TableWatermark(colExpr.index, columns[colExpr.index].name, t, delay, text);
  }

  get value(): bigint | null {
    return this.state.value;
  }

  /** A checkpoint's value (the counts start again from zero after a restart). */
  restore(value: bigint | null): void {
    this.state = { ...this.state, value };
  }

  /**
   * The rows of `inserts` that are not late, in their order, and the state after them (to
   * keep with keep() once the commit is done).
   */
  filter(inserts: Row[] | Batch): { accepted: Row[] | Batch; after: Counts } {
    const rows = Array.isArray(inserts) ? inserts : null;
    const col = rows ? null : (inserts as Batch).columns[this.col];
    const after = { ...this.state };
    const keep = new Int32Array(inserts.length);
    let n = 0;
    for (let i = 0; i < inserts.length; i++) {
      const t = (rows ? rows[i][this.col] : getValue(col!, i)) as bigint | null;
      if (after.value !== null && (t === null || t < after.value)) {
        after.lateRows++;
        after.lastLate = t;
        continue;
      }
      keep[n++] = i;
      if (t !== null) {
        const w = t - this.delay;
        if (after.value === null || w > after.value) after.value = w;
      }
    }
    if (n === inserts.length) return { accepted: inserts, after };
    const accepted = rows ? Array.from(keep.subarray(0, n), (i) => rows[i]) : gather(inserts as Batch, keep, n);
    return { accepted, after };
  }

  /** The state a commit under way will leave, if it completes: what its step sees (current). */
  stage(after: Counts): void {
    this.staged = after;
  }

  /** The commit under way failed. */
  unstage(): void {
    this.staged = null;
  }

  keep(after: Counts): void {
    this.state = after;
    this.staged = null;
  }

  /** The watermark as the commit under way leaves it (operators read it in the step). */
  get current(): bigint | null {
    return (this.staged ?? this.state).value;
  }

  /** tributary_catalog.late_events' row. */
  statusRow(table: string): Value[] {
    const show = (v: bigint | null) => (v === null ? null : formatValue(v, this.type));
    return [table, this.colName, this.text, show(this.state.value), BigInt(this.state.lateRows), show(this.state.lastLate)];
  }
}
