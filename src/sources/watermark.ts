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
//
// A Kafka topic's partitions are ordered each on its own, not with each other: a table fed by
// one keeps the greatest `ts - delay` per partition, and its watermark is the least of them,
// over the partitions that are not idle (no message for `watermark_idle_timeout`), so a
// partition that lags or is empty holds it back for that long at most (Flink's idleness).
// Which partitions were idle depends on when messages came: each commit's log record carries
// the state it left, and replaying the log restores it instead of filtering again.

import { SqlError, SQLSTATE } from '../errors.js';
import type { Expr } from '../expr/expr.js';
import { formatValue } from '../expr/format.js';
import type { Interval } from '../expr/interval.js';
import { USECS_PER_DAY } from '../expr/interval.js';
import type { Row, Value } from '../expr/value.js';
import { getValue, type Batch } from '../dataflow/batch.js';
import { gather } from '../dataflow/gather.js';
import type { SqlType } from '../sql/types.js';

/** A partition's greatest `ts - delay` (null before its first timed row) and when it last had a message (ms). */
interface PartitionMark {
  max: bigint | null;
  lastAt: number;
}

interface Counts {
  value: bigint | null;
  lateRows: number;
  lastLate: bigint | null;
  /** Per partition, for a table fed by a partitioned source; null otherwise. */
  partitions: ReadonlyMap<number, PartitionMark> | null;
}

/** What a commit's log record keeps of a watermark: its value and, per partition, the greatest `ts - delay`. */
export interface LoggedWatermark {
  table: string;
  value: bigint | null;
  partitions: readonly (readonly [number, bigint | null])[];
}

/** Default of `watermark_idle_timeout`: a partition without messages for this long stops holding the watermark back. */
export const DEFAULT_IDLE_MS = 30_000;

export class TableWatermark {
  private state: Counts;
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
    /** For a table fed by a partitioned source (Kafka): the idle timeout (ms); null: one order for all rows. */
    readonly idleMs: number | null = null,
  ) {
    this.state = { value: null, lateRows: 0, lastLate: null, partitions: idleMs === null ? null : new Map() };
  }

  /**
   * The watermark of a bound expression over the table's columns: `col` or `col - <constant
   * interval>` on a timestamp or timestamptz column. Anything else is refused.
   */
  static of(e: Expr, columns: readonly { name: string; type: SqlType }[], text: string, idleMs: number | null = null): TableWatermark {
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
    return new TableWatermark(colExpr.index, columns[colExpr.index].name, t, delay, text, idleMs);
  }

  get value(): bigint | null {
    return this.state.value;
  }

  /** The state of the commits that stand (what a checkpoint keeps). */
  get saved(): Counts {
    return this.state;
  }

  /** A checkpoint's state (the counts start again from zero after a restart; idleness too). */
  restore(value: bigint | null, partitions: readonly (readonly [number, bigint | null])[] = []): void {
    this.state = { ...this.state, value, partitions: this.restoredPartitions(partitions) };
  }

  private restoredPartitions(logged: readonly (readonly [number, bigint | null])[]): Map<number, PartitionMark> | null {
    if (this.state.partitions === null) return null;
    const now = Date.now();
    const m = new Map(this.state.partitions);
    for (const [p, max] of logged) m.set(p, { max, lastAt: now });
    return m;
  }

  /** The source's partitions (a Kafka topic's, as it starts): each holds the watermark back until it has rows or is idle. */
  knowPartitions(ids: readonly number[], now = Date.now()): void {
    const known = this.state.partitions;
    if (known === null || ids.every((p) => known.has(p))) return;
    const m = new Map(known);
    for (const p of ids) if (!m.has(p)) m.set(p, { max: null, lastAt: now });
    this.state = { ...this.state, partitions: m };
  }

  /** The state to log with a commit that left `after`. */
  logged(table: string, after: Counts): LoggedWatermark {
    return { table, value: after.value, partitions: after.partitions ? [...after.partitions].map(([p, m]) => [p, m.max] as const) : [] };
  }

  /** A replayed commit: its rows were accepted, and it left the logged state. */
  replayed(inserts: Row[] | Batch, logged: LoggedWatermark): { accepted: Row[] | Batch; after: Counts } {
    return { accepted: inserts, after: { ...this.state, value: logged.value, partitions: this.restoredPartitions(logged.partitions) } };
  }

  /**
   * The rows of `inserts` that are not late, in their order, and the state after them (to
   * keep with keep() once the commit is done). `partitionOf`: each row's partition, for a
   * partitioned source's table.
   */
  filter(inserts: Row[] | Batch, partitionOf?: ArrayLike<number>, now = Date.now()): { accepted: Row[] | Batch; after: Counts } {
    const rows = Array.isArray(inserts) ? inserts : null;
    const col = rows ? null : (inserts as Batch).columns[this.col];
    const marks = this.state.partitions && partitionOf ? new Map(this.state.partitions) : null;
    const after: Counts = { ...this.state, partitions: marks ?? this.state.partitions };
    // partitions may have gone idle since the last commit
    if (marks) after.value = this.combined(after.value, marks, now);
    const keep = new Int32Array(inserts.length);
    let n = 0;
    for (let i = 0; i < inserts.length; i++) {
      const t = (rows ? rows[i][this.col] : getValue(col!, i)) as bigint | null;
      const m = marks ? marks.get(partitionOf![i]) : undefined;
      if (marks && (m === undefined || m.lastAt !== now)) marks.set(partitionOf![i], { max: m?.max ?? null, lastAt: now });
      if (after.value !== null && (t === null || t < after.value)) {
        after.lateRows++;
        after.lastLate = t;
        continue;
      }
      keep[n++] = i;
      if (t === null) continue;
      const w = t - this.delay;
      if (marks) {
        const p = partitionOf![i];
        const mark = marks.get(p)!;
        if (mark.max === null || w > mark.max) {
          marks.set(p, { max: w, lastAt: now });
          after.value = this.combined(after.value, marks, now);
        }
      } else if (after.value === null || w > after.value) after.value = w;
    }
    if (n === inserts.length) return { accepted: inserts, after };
    const accepted = rows ? Array.from(keep.subarray(0, n), (i) => rows[i]) : gather(inserts as Batch, keep, n);
    return { accepted, after };
  }

  /** The watermark over the partitions that are not idle: the least of their maxima, never below `value`. */
  private combined(value: bigint | null, marks: ReadonlyMap<number, PartitionMark>, now: number): bigint | null {
    let least: bigint | null = null;
    let active = 0;
    for (const m of marks.values()) {
      if (now - m.lastAt >= this.idleMs!) continue;
      if (m.max === null) return value; // a partition without a time yet holds it back
      active++;
      if (least === null || m.max < least) least = m.max;
    }
    if (active === 0 || least === null) return value;
    return value === null || least > value ? least : value;
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
    const now = Date.now();
    const parts = this.state.partitions
      ? [...this.state.partitions]
          .sort((a, b) => a[0] - b[0])
          .map(([p, m]) => `${p}: ${now - m.lastAt >= this.idleMs! ? 'idle' : m.max === null ? 'none' : show(m.max)}`)
          .join(', ')
      : null;
    return [table, this.colName, this.text, show(this.state.value), BigInt(this.state.lateRows), show(this.state.lastLate), parts];
  }
}
