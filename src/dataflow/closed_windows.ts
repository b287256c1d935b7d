// Closed windows in a join: state the watermark makes useless. In a join of two streams on
// their windows (`TUMBLE(a) JOIN TUMBLE(b) ON … AND a.window_start = b.window_start`, tables
// append-only with watermarks), a row of one side can only ever meet rows of the other side
// in its window. Rows behind the other side's watermark are dropped as late before the
// dataflow, so once that watermark has passed a window's end, no row of the other side will
// come for it: the side's rows of that window have met every partner they will meet, and
// their join results, already in the view, are final. They are then removed from the side's
// arrangement without any change being emitted, which keeps the join's state to the open
// windows. Only unshared arrangements of inner joins are pruned (plan/lower.ts).

import { getValue, type Batch } from './batch.js';
import type { Arrangement } from './arrangement.js';
import type { TableWatermark } from '../sources/watermark.js';

export interface ClosingSide {
  readonly arrangement: Arrangement;
  /** The window column of the arranged rows (a join key). */
  readonly col: number;
  /** Added to its value: the window's end. */
  readonly endOffset: bigint;
  /** The other side's table's watermark: what closes this side's windows. */
  readonly closedBy: TableWatermark;
}

export class ClosedWindows {
  /** Per side: at most the earliest window end it holds (null: none; undefined: not known, after a restore). */
  private readonly nextEnd: (bigint | null | undefined)[] = [undefined, undefined];

  constructor(private readonly sides: readonly [ClosingSide, ClosingSide]) {}

  /** A step's input deltas (per side): new rows may hold earlier windows. */
  observe(deltas: readonly Batch[]): void {
    for (let s = 0; s < 2; s++) {
      const d = deltas[s];
      const { col, endOffset } = this.sides[s];
      let next = this.nextEnd[s];
      if (next === undefined) continue;
      for (let i = 0; i < d.length; i++) {
        const v = d.weights[i] > 0 ? (getValue(d.columns[col], i) as bigint | null) : null;
        if (v !== null && (next === null || v + endOffset < next)) next = v + endOffset;
      }
      this.nextEnd[s] = next;
    }
  }

  /** After a step that stands: remove the rows of windows the other side's watermark has closed. */
  forget(): void {
    for (let s = 0; s < 2; s++) {
      const { arrangement, col, endOffset, closedBy } = this.sides[s];
      const wm = closedBy.current;
      const next = this.nextEnd[s];
      if (wm === null || next === null || (next !== undefined && next > wm)) continue;
      const store = arrangement.store;
      const closed: number[] = [];
      let earliest: bigint | null = null;
      for (let slot = 0, n = store.slotCount; slot < n; slot++) {
        if (!store.isAlive(slot)) continue;
        const v = store.valueAt(col, slot) as bigint | null;
        if (v === null) continue;
        const end = v + endOffset;
        if (end <= wm) closed.push(slot);
        else if (earliest === null || end < earliest) earliest = end;
      }
      this.nextEnd[s] = earliest;
      if (closed.length > 0) arrangement.removeSlots(closed);
    }
  }

  /** Rows held per side (tests and diagnostics). */
  sizes(): [number, number] {
    return [this.sides[0].arrangement.size, this.sides[1].arrangement.size];
  }
}

