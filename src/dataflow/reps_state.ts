// Checkpoint form of a Reps (reps.ts) whose items are single values (the aggregate's groups,
// DISTINCT aggregates' classes; rows go through saveRowReps as one batch). Format: the number
// of entries, then per entry in the order they became present (which decides the pick) its
// key (a value), its item, its count (f64) and rank (i32); then the cached pick's and the
// named pick's positions (-1: none).

import type { KeyPart } from '../expr/compare.js';
import { Reps } from './reps.js';
import type { StateReader, StateWriter } from './state_io.js';

export function saveReps<T>(w: StateWriter, reps: Reps<T>, item: (w: StateWriter, x: T) => void): void {
  const e = reps.entries();
  w.u32(e.ids.length);
  for (let k = 0; k < e.ids.length; k++) {
    w.value(e.ids[k] as KeyPart);
    item(w, e.values[k]);
    w.f64(e.counts[k]);
    w.i32(e.ranks[k]);
  }
  w.i32(e.chosen);
  w.i32(e.picked);
}

export function loadReps<T>(r: StateReader, item: (r: StateReader) => T): Reps<T> {
  const n = r.u32();
  const ids: unknown[] = [];
  const values: T[] = [];
  const counts: number[] = [];
  const ranks: number[] = [];
  for (let k = 0; k < n; k++) {
    ids.push(r.value());
    values.push(item(r));
    counts.push(r.f64());
    ranks.push(r.i32());
  }
  const chosen = r.i32();
  return Reps.fromEntries(ids, values, counts, ranks, chosen, r.i32());
}
