// TemporalFilterOp: the rows of its input that the clock lets through (plan/temporal_filter.ts).
// A row's conditions on now() give it an interval of clock time [lo, hi) in which it is in the
// output; both ends are known when the row arrives, so the operator emits it at once or
// schedules its entry, and schedules its exit. The schedule is an arrangement of (time,
// leaving, row), each with the weight of the input change that scheduled it, ordered by time: a step emits every event due at the step's clock, and a row that leaves (or
// is deleted, which cancels its events) is gone from the state. Linear in its input, like a
// filter: the output at clock c is exactly the input rows whose interval holds c.

import { BatchBuilder, getValue, negateBatch, type Batch } from '../batch.js';
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

export class TemporalFilterOp extends Operator implements Checkpointable {
  /**
   * Scheduled changes: (time, leaving, …row) with the weight of the input change that
   * scheduled them (so a deletion's cancel an insertion's), ordered by time.
   */
  private readonly pending: OrderedArrangement;
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
    this.pending = new OrderedArrangement([T.int8, T.bool, ...input.types], [0]);
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
    const out = new BatchBuilder(this.types, 16);
    // the changes due: scheduled by earlier steps (this step's rows are handled below)
    const due: number[] = [];
    this.pending.scan([], null, { value: now, inclusive: true }, due);
    if (due.length > 0) {
      const rows = this.pending.rows(due);
      const leaving = rows.columns[1];
      for (let i = 0; i < rows.length; i++) {
        for (let c = 0; c < this.types.length; c++) out.set(c, getValue(rows.columns[c + 2], i));
        out.commitRow(getValue(leaving, i) ? -rows.weights[i] : rows.weights[i]);
      }
      this.schedule(negateBatch(rows), ctx);
    }
    const d = inputs[0];
    if (d.length === 0) return out.finish();
    const later = new BatchBuilder(this.pending.types, 16);
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
      if (s.lo !== null && s.lo > now) pushAt(later, s.lo, false, d, i, w);
      else out.pushFrom(d, i, w);
      if (s.hi !== null) pushAt(later, s.hi, true, d, i, w);
    }
    if (later.length > 0) this.schedule(later.finish(), ctx);
    return out.finish();
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

function pushAt(b: BatchBuilder, at: Micros, leaving: boolean, d: Batch, i: number, w: number): void {
  b.set(0, at);
  b.set(1, leaving);
  for (let c = 0; c < d.columns.length; c++) b.set(c + 2, getValue(d.columns[c], i));
  b.commitRow(w);
}

function dateMicros(d: number): Micros {
  try {
    return dateToTimestamp(d);
  } catch {
    return d < 0 ? TS_NOBEGIN : TS_NOEND;
  }
}
