// Representatives of an equality class. SQL equality merges values that print differently
// (numeric 1.0 and 1.00, float -0 and 0, interval '1 day' and '24 hours'); grouping and DISTINCT
// must output one of the representations actually present. A Reps counts each representation
// and keeps the chosen one stable while it remains present.

import type { Row } from '../expr/value.js';

export { identityIsEquality } from '../expr/compare.js';

export class Reps {
  private readonly byId = new Map<unknown, { row: Row; count: number }>();
  private chosenId: unknown = undefined;
  private chosen: Row | null = null;

  add(id: unknown, row: () => Row, w: number): void {
    const e = this.byId.get(id);
    if (e === undefined) this.byId.set(id, { row: row(), count: w });
    else if ((e.count += w) === 0) this.byId.delete(id);
  }

  /** Identity key of the last pick. */
  get pickedId(): unknown {
    return this.chosenId;
  }

  /** A present representation with positive count (the previous choice while it lasts), or null. */
  pick(): Row | null {
    const cur = this.chosen !== null ? this.byId.get(this.chosenId) : undefined;
    if (cur !== undefined && cur.count > 0) return cur.row;
    this.chosen = null;
    for (const [id, e] of this.byId) {
      if (e.count > 0) {
        this.chosenId = id;
        this.chosen = e.row;
        return e.row;
      }
    }
    return null;
  }
}
