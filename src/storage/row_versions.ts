// When a table's rows were committed and deleted, as far as open snapshots need to know:
// a snapshot at timestamp S sees a row if it was appended by a commit at or before S and not
// deleted by one at or before S.
//
// Ids grow with commit order, so "appended by S" is "id below the log's length at S": one
// entry per commit, not per row. Deletion times are kept only for rows deleted while some
// snapshot is open (a snapshot opened later sees every earlier delete), with the keys of the
// deleted rows in each unique index, so a snapshot's lookup by key finds a row deleted since.
// Whatever no open snapshot can see any more (older than the oldest one, the horizon) is
// pruned, and compaction renumbers what is left (TableStore.maybeCompact).

export class RowVersions {
  /** Log length after each commit since history began; the first entry covers all before. */
  private lengths: { at: number; length: number }[] = [{ at: -Infinity, length: 0 }];
  /** Row id → timestamp of the commit that deleted it, while snapshots may predate it. */
  private deaths = new Map<number, number>();
  /** Per unique index (by name): key → ids of rows in `deaths` with that key. */
  private deadKeys = new Map<string, Map<unknown, number[]>>();
  /** deaths.size after the last prune (pruning is amortized over the deletes). */
  private prunedAt = 0;
  /** Timestamp of the last commit that changed the table. */
  lastWrite = -Infinity;

  /**
   * A commit at `at` changed the table, leaving `length` rows in its log. `horizon`: the
   * oldest open snapshot's timestamp, or null when none is open.
   */
  committed(at: number, length: number, horizon: number | null): void {
    this.lastWrite = at;
    if (horizon === null) {
      if (this.lengths.length === 1) this.lengths[0].length = length;
      else this.lengths = [{ at: -Infinity, length }];
      if (this.deaths.size > 0) this.clearDeaths();
      return;
    }
    if (this.lengths[this.lengths.length - 1].length !== length) this.lengths.push({ at, length });
    if (this.deaths.size > 2 * this.prunedAt + 1024) this.prune(horizon);
  }

  /** Row `id` was deleted at `at`; `keys`: its key in each unique index. */
  died(id: number, at: number, keys: readonly [index: string, key: unknown][]): void {
    this.deaths.set(id, at);
    for (const [index, key] of keys) {
      let m = this.deadKeys.get(index);
      if (!m) this.deadKeys.set(index, (m = new Map()));
      const ids = m.get(key);
      if (ids) ids.push(id);
      else m.set(key, [id]);
    }
  }

  revived(id: number): void {
    this.deaths.delete(id); // its entry in deadKeys is skipped by deadAfter from now on
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

  /** Ids of rows deleted after `s` whose key in unique index `index` is `key`. */
  deadWithKey(index: string, key: unknown, s: number): number[] {
    const ids = this.deadKeys.get(index)?.get(key);
    // a row deleted, restored (a failed commit) and deleted again is listed twice
    return ids ? [...new Set(ids)].filter((id) => this.deadAfter(id, s)) : [];
  }

  get hasDeaths(): boolean {
    return this.deaths.size > 0;
  }

  /** Forget what no snapshot at or after `horizon` needs. */
  prune(horizon: number): void {
    let base = 0;
    while (base + 1 < this.lengths.length && this.lengths[base + 1].at <= horizon) base++;
    if (base > 0) this.lengths = [{ at: -Infinity, length: this.lengths[base].length }, ...this.lengths.slice(base + 1)];
    for (const [id, at] of this.deaths) if (at <= horizon) this.deaths.delete(id);
    for (const m of this.deadKeys.values()) {
      for (const [key, ids] of m) {
        const left = ids.filter((id) => this.deaths.has(id));
        if (left.length === 0) m.delete(key);
        else if (left.length < ids.length) m.set(key, left);
      }
    }
    this.prunedAt = this.deaths.size;
  }

  /**
   * Compaction renumbered the rows: `newId[old]` for the rows kept (`kept[old]` = 1), whose
   * deaths are all that is left after a prune at the horizon.
   */
  renumber(newId: Int32Array, kept: Uint8Array): void {
    const n = kept.length;
    const keptBefore = new Int32Array(n + 1);
    for (let id = 0; id < n; id++) keptBefore[id + 1] = keptBefore[id] + kept[id];
    for (const e of this.lengths) e.length = keptBefore[Math.min(e.length, n)];
    const deaths = new Map<number, number>();
    for (const [id, at] of this.deaths) if (kept[id]) deaths.set(newId[id], at);
    this.deaths = deaths;
    for (const m of this.deadKeys.values()) {
      for (const [key, ids] of m) {
        const left = ids.filter((id) => kept[id] && deaths.has(newId[id])).map((id) => newId[id]);
        if (left.length === 0) m.delete(key);
        else m.set(key, left);
      }
    }
  }

  private clearDeaths(): void {
    this.deaths = new Map();
    this.deadKeys = new Map();
    this.prunedAt = 0;
  }
}
