// Representatives of an equality class. SQL equality merges values that print differently
// (numeric 1.0 and 1.00, float -0 and 0, interval '1 day' and '24 hours', jsonb 1.0 and 1.00);
// grouping, DISTINCT, DISTINCT aggregates and set operations must output one of the
// representations actually present, the one PostgreSQL would print.
//
// PostgreSQL keeps the first row of each class in scan order (a HashAggregate's first tuple,
// a DISTINCT aggregate's first of a sorted run), and a small table is scanned in creation
// order of its row versions (INSERT, or UPDATE, which writes a new version at the end). A Reps
// models that with the order in which representations became present: the pick is the one
// present longest. Callers apply a step's retractions before its insertions, so an UPDATE that
// keeps a row's value still moves that representation behind the others, as in PostgreSQL.
// Rows carry no creation time, so with several copies of one representation a deletion is
// assumed not to remove the copy that decides (see docs/compatibility.md).

import type { Row } from '../expr/value.js';
import { encodePart, type KeyPart } from '../expr/compare.js';

export { identityIsEquality } from '../expr/compare.js';

interface Entry<T> {
  value: T;
  count: number;
  /** Lower ranks win (UNION: the branch scanned first). */
  rank: number;
}

export class Reps<T = Row> {
  private readonly byId = new Map<unknown, Entry<T>>();
  private chosenId: unknown = undefined;
  private chosen: Entry<T> | null = null;

  /**
   * Add w copies of the representation with identity key `id` (`make` builds its value on
   * first sight). Counts may dip below zero within a step (unconsolidated deltas).
   */
  add(id: unknown, make: () => T, w: number, rank = 0): void {
    if (rank !== 0) id = encodePart(rank) + encodePart(id as KeyPart); // each rank counts its own copies
    const e = this.byId.get(id);
    if (e === undefined) {
      this.byId.set(id, { value: make(), count: w, rank });
      if (this.chosen !== null && rank < this.chosen.rank) this.chosen = null;
    } else if ((e.count += w) === 0) this.byId.delete(id);
  }

  /** An independent copy (undo information: representations are few per class). */
  clone(): Reps<T> {
    const c = new Reps<T>();
    for (const [id, e] of this.byId) {
      const copy = { ...e };
      c.byId.set(id, copy);
      if (e === this.chosen) c.chosen = copy;
    }
    c.chosenId = this.chosenId;
    return c;
  }

  /** Identity key of the last pick. */
  get pickedId(): unknown {
    return this.chosenId;
  }

  /** The representation present longest among those of the lowest rank present, or null. */
  pick(): T | null {
    const cur = this.chosen;
    // an entry deleted and re-added is a new object placed last, so identity is the test
    if (cur !== null && cur.count > 0 && this.byId.get(this.chosenId) === cur) return cur.value;
    this.chosen = null;
    this.chosenId = undefined;
    for (const [id, e] of this.byId) {
      if (e.count <= 0 || (this.chosen !== null && e.rank >= this.chosen.rank)) continue;
      this.chosenId = id;
      this.chosen = e;
      if (e.rank === 0) break;
    }
    return this.chosen === null ? null : this.chosen.value;
  }
}
