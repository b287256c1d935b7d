// TemporalFilterOp: the rows of its input that the clock lets through (plan/temporal_filter.ts).
// A row's conditions on now() give it an interval of clock time [lo, hi) in which it is in the
// output; both ends are known when the row arrives, so the operator emits it at once or
// schedules its entry, and schedules its exit. The schedule is an arrangement of (time,
// leaving, row), each with the weight of the input change that scheduled it, ordered by time: a step emits every event due at the step's clock, and a row that leaves (or
// is deleted, which cancels its events) is gone from the state. Linear in its input, like a
// filter: the output at clock c is exactly the input rows whose interval holds c.

import { BatchBuilder, concatBatches, emptyBatch, getValue, negateBatch, projectColumns, type Batch } from '../batch.js';
import { gather } from '../gather.js';
import { OrderedArrangement } from '../ordered_arrangement.js';
import { Operator, type StepContext } from '../operator.js';
import type { Checkpointable, StateReader, StateWriter } from '../state_io.js';
import type { GatedErrors } from '../gated_errors.js';
import type { StepClock, Micros } from '../clock.js';
import type { Evaluator } from '../../expr/compile.js';
import type { NowRelation } from '../../plan/temporal_filter.js';
import { dateToTimestamp } from '../../expr/datetime.js';
import { TS_NOBEGIN, TS_NOEND } from '../../expr/value.js';
import { T } from '../../sql/types.js';
import { internalError } from '../../errors.js';

export interface ClockBound {
  /** The row's time (a date in days, or a timestamp in microseconds). */
  row: Evaluator;
  isDate: boolean;
  /** now() + shift <now> row's time. */
  now: NowRelation;
  shift: Micros;
}

/** A row's interval [lo, hi) of clock time (null ends: unbounded), or null if it is never in. */
type Span = { lo: Micros | null; hi: Micros | null } | null;

/** The schedule's first columns: when, and whether the row leaves then (else it enters). */
const SCHEDULE_HEAD = [T.int8, T.bool];

export class TemporalFilterOp extends Operator implements Checkpointable {
  /**
   * Scheduled changes: (time, leaving, …row) with the weight of the input change that
   * scheduled them (so a deletion's cancel an insertion's), ordered by time.
   */
  private readonly pending: OrderedArrangement;
  /** The columns of the scheduled rows that are the row itself. */
  private readonly rowCols: number[];
  /** In an undoable step: what was applied to `pending`, until the step settles. */
  private undo: BatchBuilder | null = null;
  override readonly alwaysRun = true;

  constructor(
    input: Operator,
    private readonly bounds: readonly ClockBound[],
    private readonly clock: StepClock,
    errors: GatedErrors | null = null,
  ) {
    super([input], input.types);
    this.pending = new OrderedArrangement([...SCHEDULE_HEAD, ...input.types], [0]);
    this.rowCols = input.types.map((_, c) => c + SCHEDULE_HEAD.length);
    this.gatedErrors = errors;
  }

  get name(): string {
    return 'TemporalFilter';
  }

  /** The time of the earliest scheduled change, or null if none is. */
  override nextEvent(): Micros | null {
    const first: number[] = [];
    this.pending.scan([], null, null, first, 1);
    return first.length ? (this.pending.store.valueAt(0, first[0]) as bigint) : null;
  }

  /** Number of scheduled changes (the operator's state). */
  get scheduled(): number {
    return this.pending.size;
  }

  private span(b: Batch, i: number): Span {
    let lo: Micros | null = null;
    let hi: Micros | null = null;
    for (const bound of this.bounds) {
      const v = bound.row(b, i);
      if (v === null) return null;
      const t = bound.isDate ? dateMicros(v as number) : (v as bigint);
      const up = bound.now === '<' || bound.now === '<=';
      if (t === TS_NOEND || t === TS_NOBEGIN) {
        // now() is always before infinity and after -infinity
        if (up !== (t === TS_NOEND)) return null;
        continue;
      }
      const at = t - bound.shift;
      if (bound.now === '<') hi = hi === null || at < hi ? at : hi;
      else if (bound.now === '<=') hi = hi === null || at + 1n < hi ? at + 1n : hi;
      else if (bound.now === '>') lo = lo === null || at + 1n > lo ? at + 1n : lo;
      else lo = lo === null || at > lo ? at : lo;
    }
    return lo !== null && hi !== null && lo >= hi ? null : { lo, hi };
  }

  step(inputs: readonly Batch[], ctx: StepContext): Batch {
    const now = this.clock.current;
    // the changes due, scheduled by earlier steps (this step's rows are handled below): the
    // scheduled rows without their time and flag, entering with their weight, leaving negated
    const due: number[] = [];
    this.pending.scan([], null, { value: now, inclusive: true }, due);
    let dueOut: Batch | null = null;
    if (due.length > 0) {
      const rows = this.pending.rows(due);
      const leaving = rows.columns[1];
      const weights = new Int32Array(rows.length);
      for (let i = 0; i < rows.length; i++) weights[i] = getValue(leaving, i) ? -rows.weights[i] : rows.weights[i];
      dueOut = { ...projectColumns(rows, this.rowCols), weights };
      this.schedule(negateBatch(rows), ctx);
    }
    const d = inputs[0];
    if (d.length === 0) return dueOut ?? emptyBatch(this.types);
    // per input row: in the output now, and/or scheduled to enter (at lo) and to leave (at hi)
    const passed = new Int32Array(d.length);
    let nPassed = 0;
    const later = new Int32Array(2 * d.length);
    const at: bigint[] = [];
    const leaves: boolean[] = [];
    let nLater = 0;
    const errors = this.gatedErrors;
    for (let i = 0; i < d.length; i++) {
      const w = d.weights[i];
      if (w === 0) continue;
      let s: Span;
      try {
        s = this.span(d, i);
      } catch (e) {
        if (errors === null) throw e;
        errors.record(e, w);
        continue;
      }
      if (s === null || (s.hi !== null && s.hi <= now)) continue;
      if (s.lo !== null && s.lo > now) {
        later[nLater++] = i;
        at.push(s.lo);
        leaves.push(false);
      } else passed[nPassed++] = i;
      if (s.hi !== null) {
        later[nLater++] = i;
        at.push(s.hi);
        leaves.push(true);
      }
    }
    if (nLater > 0) this.schedule(this.toSchedule(d, later, nLater, at, leaves), ctx);
    const out = gather(d, passed, nPassed);
    return dueOut === null ? out : concatBatches(this.types, [dueOut, out]);
  }

  /** Rows `sel` of d with their times and whether they leave then, as the schedule holds them (weights the rows'). */
  private toSchedule(d: Batch, sel: Int32Array, n: number, at: readonly bigint[], leaves: readonly boolean[]): Batch {
    const head = new BatchBuilder(SCHEDULE_HEAD, n);
    for (let k = 0; k < n; k++) {
      head.set(0, at[k]);
      head.set(1, leaves[k]);
      head.commitRow(0);
    }
    const h = head.finish();
    const rows = gather(d, sel, n);
    return { types: this.pending.types, columns: [...h.columns, ...rows.columns], weights: rows.weights, length: n };
  }

  private schedule(changes: Batch, ctx: StepContext): void {
    if (ctx.undoable) {
      this.undo ??= new BatchBuilder(changes.types, changes.length);
      this.undo.appendBatch(changes, null);
    }
    this.pending.apply(changes);
  }

  override rollback(): boolean {
    if (this.undo) this.pending.apply(negateBatch(this.undo.finish()));
    this.undo = null;
    return true;
  }

  override settle(): void {
    this.undo = null;
  }

  saveState(w: StateWriter): void {
    if (this.undo !== null) throw internalError('a temporal filter was saved in an unsettled step');
    this.pending.saveState(w);
    w.value(this.clock.current);
  }

  loadState(r: StateReader): void {
    this.pending.loadState(r);
    // its schedule was made at that time: the clock never goes back before it
    this.clock.advanceTo(r.value() as bigint);
  }
}

function dateMicros(d: number): Micros {
  try {
    return dateToTimestamp(d);
  } catch {
    return d < 0 ? TS_NOBEGIN : TS_NOEND;
  }
}
