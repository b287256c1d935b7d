// Closed windows in an aggregate: groups the watermark makes final. An aggregate grouped by a
// window (`GROUP BY window_start` of a TUMBLE/HOP, or a date_bin/date_trunc of the time) over
// one append-only table with a watermark on that time, without joins, can never see a change
// to a window the watermark has passed: later rows for it are late and dropped before the
// dataflow. Its groups are then forgotten, accumulators and all (the values MIN and MAX keep),
// once the commit that closed them stands. Their rows stay where the view keeps its contents
// (an IntegrateOp, which such an aggregate at a view's root gets), or in the arrangements and
// operators above, which their own rules prune (closed_windows.ts). A change that reaches a
// closed window anyway is an internal error, never a silent divergence.

import { getValue, type Batch } from './batch.js';
import type { TableWatermark } from '../sources/watermark.js';
import type { Value } from '../expr/value.js';
import { internalError } from '../errors.js';

export class ClosingGroups {
  /** Ends of the windows with groups (the open ones, few); null after a restore, until the first release rebuilds them. */
  private ends: Set<bigint> | null = new Set();
  /** Windows ending at or before it have been forgotten. */
  private closedUpTo: bigint | null = null;

  constructor(
    /** The group column (of the output) holding the window. */
    readonly col: number,
    /** Added to its value: the window's end. */
    readonly endOffset: bigint,
    readonly watermark: TableWatermark,
  ) {}

  /** The aggregate's output delta of a step: the windows it touched. */
  observe(out: Batch): void {
    const closed = this.closedUpTo;
    for (let i = 0; i < out.length; i++) {
      const v = getValue(out.columns[this.col], i) as bigint | null;
      if (v === null) continue;
      const end = v + this.endOffset;
      if (closed !== null && end <= closed) throw internalError('a change reached a window the watermark had closed');
      this.ends?.add(end);
    }
  }

  /**
   * After a step that stands: forget the groups of the windows the watermark has closed, with
   * `forget(closed, kept)` (the aggregate's forgetGroups, which reports the groups it keeps).
   */
  release(forget: (closed: (v: Value) => boolean, kept: (v: Value) => void) => void): void {
    const wm = this.watermark.current;
    if (wm === null) return;
    if (this.ends !== null && !someAtMost(this.ends, wm)) return;
    const ends = new Set<bigint>();
    forget(
      (v) => v !== null && (v as bigint) + this.endOffset <= wm,
      (v) => void (v !== null && ends.add((v as bigint) + this.endOffset)),
    );
    this.ends = ends;
    this.closedUpTo = wm;
  }

  /** State was restored: the windows held are known again at the next release. */
  restored(): void {
    this.ends = null;
  }
}

function someAtMost(ends: ReadonlySet<bigint>, wm: bigint): boolean {
  for (const end of ends) if (end <= wm) return true;
  return false;
}
