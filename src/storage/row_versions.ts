// When a table's rows were committed and deleted, as far as open snapshots need to know:
// a snapshot at timestamp S sees a row if it was appended by a commit at or before S and not
// deleted by one at or before S.
//
// Ids grow with commit order, so "appended by S" is "id below the log's length at S": one
// entry per commit, not per row. Deletion times are kept only for rows deleted while some
// snapshot is open (a snapshot opened later sees every earlier delete), and everything is
// forgotten at the first commit after the last snapshot closes. Compaction, which renumbers
// ids, waits until then (TableStore.maybeCompact).

export class RowVersions {
  /** Log length after each commit since history began; the first entry covers all before. */
  private lengths: { at: number; length: number }[] = [{ at: -Infinity, length: 0 }];
  /** Row id → timestamp of the commit that deleted it, while snapshots may predate it. */
  private deaths = new Map<number, number>();
  /** Timestamp of the last commit that changed the table. */
  lastWrite = -Infinity;

  /** A commit at `at` changed the table, leaving `length` rows in its log. */
  committed(at: number, length: number, keepHistory: boolean): void {
    this.lastWrite = at;
    if (!keepHistory) {
      this.lengths = [{ at: -Infinity, length }];
      if (this.deaths.size > 0) this.deaths = new Map();
    } else if (this.lengths[this.lengths.length - 1].length !== length) {
      this.lengths.push({ at, length });
    }
  }

  died(id: number, at: number): void {
    this.deaths.set(id, at);
  }

  revived(id: number): void {
    this.deaths.delete(id);
  }

  /** How many of the log's rows had been appended by commits at or before `s`. */
  lengthAt(s: number): number {
    const l = this.lengths;
    let lo = 0;
    let hi = l.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (l[mid].at <= s) lo = mid;
      else hi = mid - 1;
    }
    return l[lo].length;
  }

  /** A row dead now: was it still there at `s`? */
  deadAfter(id: number, s: number): boolean {
    const at = this.deaths.get(id);
    return at !== undefined && at > s;
  }

  /** Ids of rows deleted after `s` (visible at s if appended by then), in no order. */
  deadSince(s: number): number[] {
    const out: number[] = [];
    for (const [id, at] of this.deaths) if (at > s) out.push(id);
    return out;
  }

  get hasDeaths(): boolean {
    return this.deaths.size > 0;
  }
}
