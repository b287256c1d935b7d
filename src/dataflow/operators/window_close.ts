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

export class WindowCloseOp extends Operator implements Checkpointable {
  /** The rows of windows not closed yet. */
  private readonly open: RowStore;
  /** The watermark at the end of the last step: windows ending at or before it have been emitted. */
  private closedUpTo: bigint | null = null;
  private savedClosedUpTo: bigint | null = null;
  /**
   * At most the earliest end of a waiting window (null: none waits): the waiting rows are
   * scanned only once the watermark reaches it, not at every commit that moves the watermark.
   */
  private nextEnd: bigint | null = null;
  private savedNextEnd: bigint | null = null;
  override readonly alwaysRun = true;

  /**
   * `col`: the window column; `endOffset`: what to add to it to get the window's end (0 for
   * window_end, the size for window_start).
   */
  constructor(
    input: Operator,
    private readonly col: number,
    private readonly endOffset: bigint,
    private readonly watermark: TableWatermark,
  ) {
    super([input], input.types);
    this.open = new RowStore(input.types);
  }

  get name(): string {
    return 'WindowClose';
  }

  /** The end of row i's window (null: the row has no window). */
  private end(b: Batch, i: number): bigint | null {
    const v = getValue(b.columns[this.col], i) as bigint | null;
    return v === null ? null : v + this.endOffset;
  }

  private earlier(end: bigint | null): void {
    if (end !== null && (this.nextEnd === null || end < this.nextEnd)) this.nextEnd = end;
  }

  step(inputs: readonly Batch[], ctx: StepContext): Batch {
    if (ctx.undoable) {
      this.open.journal();
      this.savedClosedUpTo = this.closedUpTo;
      this.savedNextEnd = this.nextEnd;
    }
    const d = inputs[0];
    for (let i = 0; i < d.length; i++) {
      if (d.weights[i] === 0) continue;
      const end = this.end(d, i);
      if (end !== null && this.closedUpTo !== null && end <= this.closedUpTo) throw internalError('a change reached a window that was already emitted as closed');
      if (d.weights[i] > 0) this.earlier(end);
    }
    if (d.length > 0) this.open.apply(d);
    const wm = this.watermark.current;
    this.closedUpTo = wm;
    if (wm === null || this.nextEnd === null || this.nextEnd > wm) return emptyBatch(this.types);
    // some windows closed: out of the waiting rows, into the output
    const waiting = this.open.snapshot();
    const keep = new Int32Array(waiting.length);
    let n = 0;
    this.nextEnd = null;
    for (let i = 0; i < waiting.length; i++) {
      const end = this.end(waiting, i);
      if (end !== null && end <= wm) keep[n++] = i;
      else this.earlier(end);
    }
    const out = gather(waiting, keep, n);
    if (out.length > 0) this.open.apply(negateBatch(out));
    return out;
  }

  override rollback(): boolean {
    this.open.rollback();
    this.closedUpTo = this.savedClosedUpTo;
    this.nextEnd = this.savedNextEnd;
    return true;
  }

  override settle(): void {
    this.open.commitStep();
  }

  saveState(w: StateWriter): void {
    this.open.saveState(w);
    w.value(this.closedUpTo);
  }

  loadState(r: StateReader): void {
    this.open.loadState(r);
    this.closedUpTo = r.value() as bigint | null;
    const waiting = this.open.snapshot();
    for (let i = 0; i < waiting.length; i++) this.earlier(this.end(waiting, i));
  }
}
