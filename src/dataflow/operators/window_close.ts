// Emit on window close: the rows of a windowed view appear only once their window has closed,
// that is once the watermark of the view's stream has passed the window's end. Until then they
// wait here, changing as the window fills; then they leave, once and final. A closed window
// cannot change: its rows' times are behind the watermark, so further rows for it are late and
// dropped before the dataflow (sources/watermark.ts). A change that reaches a closed window
// anyway is an internal error, never a silent divergence. Subscribers of such a view therefore
// see insertions only.

import { emptyBatch, getValue, negateBatch, type Batch } from '../batch.js';
import { gather } from '../gather.js';
import { RowStore } from '../row_store.js';
import { Operator, type StepContext } from '../operator.js';
import type { Checkpointable, StateReader, StateWriter } from '../state_io.js';
import { internalError } from '../../errors.js';
import type { TableWatermark } from '../../sources/watermark.js';
import type { AggregateOp } from './aggregate.js';

export class WindowCloseOp extends Operator implements Checkpointable {
  /** The rows of windows not closed yet. */
  private readonly open: RowStore;
  /** The watermark at the end of the last step: windows ending at or before it have been emitted. */
  private closedUpTo: bigint | null = null;
  private savedClosedUpTo: bigint | null = null;
  override readonly alwaysRun = true;

  /**
   * `col`: the window column; `endOffset`: what to add to it to get the window's end (0 for
   * window_end, the size for window_start).
   */
  /**
   * `closer`: the aggregate whose groups are the windows (col is its group column c), when the
   * view is one: a closed window's group is then forgotten once its row has gone on.
   */
  constructor(
    input: Operator,
    private readonly col: number,
    private readonly endOffset: bigint,
    private readonly watermark: TableWatermark,
    private readonly closer: { agg: AggregateOp; col: number } | null = null,
  ) {
    super([input], input.types);
    this.open = new RowStore(input.types);
  }

  get name(): string {
    return 'WindowClose';
  }

  private closed(b: Batch, i: number, wm: bigint | null): boolean {
    const v = getValue(b.columns[this.col], i) as bigint | null;
    return v !== null && wm !== null && v + this.endOffset <= wm;
  }

  step(inputs: readonly Batch[], ctx: StepContext): Batch {
    if (ctx.undoable) {
      this.open.journal();
      this.savedClosedUpTo = this.closedUpTo;
    }
    const d = inputs[0];
    for (let i = 0; i < d.length; i++) {
      if (d.weights[i] !== 0 && this.closed(d, i, this.closedUpTo)) throw internalError('a change reached a window that was already emitted as closed');
    }
    if (d.length > 0) this.open.apply(d);
    const wm = this.watermark.current;
    if (wm === this.closedUpTo) return emptyBatch(this.types);
    this.closedUpTo = wm;
    // the windows this step closed: out of the waiting rows, into the output
    const waiting = this.open.snapshot();
    const keep = new Int32Array(waiting.length);
    let n = 0;
    for (let i = 0; i < waiting.length; i++) if (this.closed(waiting, i, wm)) keep[n++] = i;
    const out = gather(waiting, keep, n);
    if (out.length > 0) this.open.apply(negateBatch(out));
    if (!ctx.undoable) this.forgetClosed();
    return out;
  }

  /** Release the closed windows' groups of the aggregate (once the step that closed them stays). */
  private forgetClosed(): void {
    const wm = this.closedUpTo;
    if (this.closer === null || wm === null) return;
    this.closer.agg.forgetGroups(this.closer.col, (v) => v !== null && (v as bigint) + this.endOffset <= wm);
  }

  override rollback(): boolean {
    this.open.rollback();
    this.closedUpTo = this.savedClosedUpTo;
    return true;
  }

  override settle(): void {
    this.open.commitStep();
    // the aggregate runs before this operator, so it has settled already
    if (this.closedUpTo !== this.savedClosedUpTo) this.forgetClosed();
  }

  saveState(w: StateWriter): void {
    this.open.saveState(w);
    w.value(this.closedUpTo);
  }

  loadState(r: StateReader): void {
    this.open.loadState(r);
    this.closedUpTo = r.value() as bigint | null;
  }
}
