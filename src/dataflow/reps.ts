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
import type { SqlType } from '../sql/types.js';
import { encodePart, type KeyPart } from '../expr/compare.js';
import { BatchBuilder, rowAt } from './batch.js';
import type { BatchKeyFn } from './keys.js';
import type { StateReader, StateWriter } from './state_io.js';
import { internalError } from '../errors.js';

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
    id = Reps.entryId(id, rank);
    const e = this.byId.get(id);
    if (e === undefined) {
      this.byId.set(id, { value: make(), count: w, rank });
      if (this.chosen !== null && rank < this.chosen.rank) this.chosen = null;
    } else if ((e.count += w) === 0) this.byId.delete(id);
  }

  /** The key of an entry: `add`'s id, apart per rank (each rank counts its own copies). */
  static entryId(id: unknown, rank: number): unknown {
    return rank === 0 ? id : encodePart(rank) + encodePart(id as KeyPart);
  }

  /**
   * For checkpoints: the entries in the order they became present (the order pick() scans),
   * each with its key (`entryId`), and which entries are the cached pick and the one pickedId
   * names (indexes; -1: none).
   */
  entries(): { ids: unknown[]; values: T[]; counts: number[]; ranks: number[]; chosen: number; picked: number } {
    const ids: unknown[] = [];
    const values: T[] = [];
    const counts: number[] = [];
    const ranks: number[] = [];
    const named = this.chosenId === undefined ? undefined : this.byId.get(this.chosenId);
    let chosen = -1;
    let picked = -1;
    for (const [id, e] of this.byId) {
      if (e === this.chosen) chosen = ids.length;
      if (e === named) picked = ids.length;
      ids.push(id);
      values.push(e.value);
      counts.push(e.count);
      ranks.push(e.rank);
    }
    return { ids, values, counts, ranks, chosen, picked };
  }

  /** Position of the entry keyed `id` in entries() (-1: none). */
  indexOf(id: unknown): number {
    const e = this.byId.get(id);
    if (e === undefined) return -1;
    let k = 0;
    for (const x of this.byId.values()) {
      if (x === e) return k;
      k++;
    }
    return -1;
  }

  /**
   * The Reps that entries() described: `ids` are the entries' keys (recomputed by the caller:
   * `entryId` of the id `add` was given). An entry named by neither index stands for a pick no
   * later call can observe, so none is lost.
   */
  static fromEntries<T>(ids: readonly unknown[], values: readonly T[], counts: ArrayLike<number>, ranks: ArrayLike<number>, chosen: number, picked: number): Reps<T> {
    const r = new Reps<T>();
    const made: Entry<T>[] = [];
    for (let k = 0; k < ids.length; k++) {
      const e = { value: values[k], count: counts[k], rank: ranks[k] };
      made.push(e);
      r.byId.set(ids[k], e);
    }
    if (r.byId.size !== ids.length) throw internalError('a checkpoint holds one representation twice');
    r.chosen = chosen >= 0 ? made[chosen] : null;
    r.chosenId = picked >= 0 ? ids[picked] : undefined;
    return r;
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

/**
 * Checkpoint of the row representations of many classes (DISTINCT, set operations, groups):
 * the number of entries of each, all entries' rows as one batch (schema `types`), their counts
 * and ranks, the cached pick and pickedId of each (entry indexes), and for each class the index
 * of the entry whose key is `named[j]` (an operator's own note of what it output; -1: none).
 */
export function saveRowReps(w: StateWriter, types: readonly SqlType[], list: readonly Reps<Row>[], named?: readonly unknown[]): void {
  const sizes: number[] = [];
  const counts: number[] = [];
  const ranks: number[] = [];
  const chosen: number[] = [];
  const picked: number[] = [];
  const at: number[] = [];
  const rows = new BatchBuilder(types, list.length);
  for (let j = 0; j < list.length; j++) {
    const e = list[j].entries();
    sizes.push(e.ids.length);
    for (let k = 0; k < e.ids.length; k++) {
      rows.push(e.values[k], 1);
      counts.push(e.counts[k]);
      ranks.push(e.ranks[k]);
    }
    chosen.push(e.chosen);
    picked.push(e.picked);
    at.push(named === undefined || named[j] === undefined ? -1 : list[j].indexOf(named[j]));
  }
  w.i32s(sizes);
  w.batch(rows.finish());
  w.f64s(counts);
  w.i32s(ranks);
  w.i32s(chosen);
  w.i32s(picked);
  w.i32s(at);
}

/**
 * Read what saveRowReps wrote; `idKey` is the identity key the operator gives `add` for a row.
 * Returns the Reps and, per class, the key of its named entry (undefined: none).
 */
export function loadRowReps(r: StateReader, idKey: BatchKeyFn): { list: Reps<Row>[]; named: unknown[] } {
  const sizes = r.i32s();
  const rows = r.batch();
  const counts = r.f64s();
  const ranks = r.i32s();
  const chosen = r.i32s();
  const picked = r.i32s();
  const at = r.i32s();
  const list: Reps<Row>[] = [];
  const named: unknown[] = [];
  let i = 0;
  for (let j = 0; j < sizes.length; j++) {
    const ids: unknown[] = [];
    const values: Row[] = [];
    for (let k = 0; k < sizes[j]; k++, i++) {
      ids.push(Reps.entryId(idKey(rows, i), ranks[i]));
      values.push(rowAt(rows, i));
    }
    const from = i - sizes[j];
    const reps = Reps.fromEntries(ids, values, counts.subarray(from, i), ranks.subarray(from, i), chosen[j], picked[j]);
    list.push(reps);
    named.push(at[j] >= 0 ? ids[at[j]] : undefined);
  }
  if (i !== rows.length) throw internalError('a representations checkpoint does not fit its rows');
  return { list, named };
}
