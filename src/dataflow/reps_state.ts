// Checkpoint form of a Reps (reps.ts), for the aggregate's groups and DISTINCT aggregates'
// classes. Reps has no public way to list its entries, and reps.ts belongs to the row-based
// operators' checkpointing, so this reads and writes its fields through a checked cast; it is
// to be replaced by Reps' own saveState/loadState once it has them.
//
// Format: the number of entries, then per entry in the map's order (which decides the pick:
// the representation present longest) its identity key (a value), its item, its count (f64)
// and rank (i32); then the position of the current pick, or -1 when the next pick() chooses
// again (none, or one whose entry has since left or been replaced).

import type { KeyPart } from '../expr/compare.js';
import { internalError } from '../errors.js';
import { Reps } from './reps.js';
import type { StateReader, StateWriter } from './state_io.js';

interface Entry<T> {
  value: T;
  count: number;
  rank: number;
}

interface RepsFields<T> {
  byId: Map<unknown, Entry<T>>;
  chosenId: unknown;
  chosen: Entry<T> | null;
}

function fields<T>(reps: Reps<T>): RepsFields<T> {
  const f = reps as unknown as RepsFields<T>;
  if (!(f.byId instanceof Map) || !('chosen' in f) || !('chosenId' in f)) throw internalError('reps_state.ts no longer matches the fields of Reps');
  return f;
}

export function saveReps<T>(w: StateWriter, reps: Reps<T>, item: (w: StateWriter, x: T) => void): void {
  const f = fields(reps);
  w.u32(f.byId.size);
  // pick() keeps its choice only while it is this very entry, with rows (Map keys compare NaN equal)
  const keep = f.chosen !== null && f.chosen.count > 0 && f.byId.get(f.chosenId) === f.chosen;
  let chosenAt = -1;
  let k = 0;
  for (const [id, e] of f.byId) {
    if (keep && e === f.chosen) chosenAt = k;
    w.value(id as KeyPart);
    item(w, e.value);
    w.f64(e.count);
    w.i32(e.rank);
    k++;
  }
  w.i32(chosenAt);
}

export function loadReps<T>(r: StateReader, item: (r: StateReader) => T): Reps<T> {
  const reps = new Reps<T>();
  const f = fields(reps);
  const n = r.u32();
  const ids: unknown[] = [];
  for (let k = 0; k < n; k++) {
    const id = r.value();
    const value = item(r);
    const count = r.f64();
    const rank = r.i32();
    f.byId.set(id, { value, count, rank });
    ids.push(id);
  }
  const chosenAt = r.i32();
  if (chosenAt >= 0) {
    f.chosenId = ids[chosenAt];
    f.chosen = f.byId.get(f.chosenId)!;
  }
  return reps;
}
