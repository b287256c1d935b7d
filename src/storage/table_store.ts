// The committed contents of a base table: columnar append log (in chunks) plus a tombstone mask.
// Inserts append into typed columns (no per-row objects); deletes set a tombstone; a scan
// yields live rows in insertion order. A primary-key index maps key → row id. The log is
// compacted when more than half of it is dead, so space stays proportional to live rows.

import { SqlError, SQLSTATE } from '../errors.js';
import type { SqlType } from '../sql/types.js';
import { BatchBuilder, type Batch } from '../dataflow/batch.js';
import { ChunkedLog } from './chunked_log.js';
import type { Row, Value } from '../expr/value.js';
import { compositeKeyFn, equalityKeyFn } from '../expr/compare.js';
import { OrderedIndex } from '../dataflow/ordered_index.js';
import { RowVersions } from './row_versions.js';

/** A unique index (the primary key, or a UNIQUE constraint or index): key → live row id. */
export interface UniqueIndex {
  /** Constraint or index name, as errors report it ("t_pkey", "t_a_key", an index name). */
  readonly name: string;
  readonly cols: readonly number[];
  readonly map: Map<unknown, number>;
  /** Key of a row, or undefined when a key column is NULL (NULLs never conflict). */
  keyOf(row: readonly Value[]): unknown;
}

export class TableStore {
  readonly types: readonly SqlType[];
  private log: ChunkedLog;
  private dead: Uint8Array = new Uint8Array(64);
  private liveCount = 0;
  /** How many times row ids were renumbered (a transaction's ids of older rows are then stale). */
  compactions = 0;
  /** Unique indexes; the primary key, when there is one, comes first. */
  readonly uniques: UniqueIndex[] = [];
  private readonly hasPk: boolean;
  /** Ordered indexes (the primary key's, unique ones' and plain ones'), for reads by key range. */
  readonly ordered: OrderedIndex[] = [];
  /** What snapshots older than the latest commit see (row_versions.ts). */
  readonly versions = new RowVersions();

  /** Rows appended to a table that keeps none (append-only): reads are refused once there are any. */
  private appended = 0;

  /**
   * `appendOnly`: the name of an append-only table, which keeps no rows (its views keep the
   * state they need); reading it is refused once rows have arrived. `orderedPk`: false for a
   * source's table, where keeping the key in order would cost every message (CREATE INDEX
   * adds an ordered index when range reads need one).
   */
  constructor(
    types: readonly SqlType[],
    pk: { name: string; cols: readonly number[] } | null,
    private readonly appendOnly: string | null = null,
    /** Keep the primary key ordered too (range reads), not only hashed (lookups). */
    orderedPk = true,
  ) {
    this.types = types;
    this.log = new ChunkedLog(types);
    this.hasPk = pk !== null;
    if (pk) {
      this.uniques.push(this.makeUnique(pk.name, pk.cols));
      if (orderedPk) this.addOrdered(pk.name, pk.cols);
    }
  }

  /** Build an ordered index over the live rows (and keep it up to date from now on). */
  addOrdered(name: string, cols: readonly number[]): OrderedIndex {
    const ix = new OrderedIndex(name, cols, this.types, (id, col) => this.log.valueAt(id, col));
    ix.insertMany([...this.liveIds()]);
    this.ordered.push(ix);
    return ix;
  }

  dropOrdered(name: string): void {
    const i = this.ordered.findIndex((x) => x.name === name);
    if (i >= 0) this.ordered.splice(i, 1);
  }

  private makeUnique(name: string, cols: readonly number[]): UniqueIndex {
    if (cols.length === 1) return { name, cols, map: new Map(), keyOf: singleColumnKey(cols[0], this.types[cols[0]]) };
    const key = compositeKeyFn(cols.map((c) => this.types[c]), 'equality');
    return {
      name,
      cols,
      map: new Map(),
      keyOf: (row) => {
        const vals = cols.map((c) => row[c]);
        return vals.includes(null) ? undefined : key(vals);
      },
    };
  }

  /** Add a unique index over the current rows; returns the duplicated row if there is one. */
  addUnique(name: string, cols: readonly number[]): { duplicate: Row } | null {
    const u = this.makeUnique(name, cols);
    for (const id of this.liveIds()) {
      const row = this.row(id);
      const k = u.keyOf(row);
      if (k === undefined) continue;
      if (u.map.has(k)) return { duplicate: row };
      u.map.set(k, id);
    }
    this.uniques.push(u);
    this.addOrdered(name, cols);
    return null;
  }

  dropUnique(name: string): void {
    const i = this.uniques.findIndex((u) => u.name === name);
    if (i >= 0) this.uniques.splice(i, 1);
    this.dropOrdered(name);
  }

  get size(): number {
    return this.liveCount;
  }

  /** Rows in the log, dead ones included (the next row's id). */
  get logLength(): number {
    return this.log.length;
  }

  /** Key of a row's primary key, for lookups; undefined for tables without one. */
  pkOf(row: readonly Value[]): unknown {
    return this.hasPk ? this.uniques[0].keyOf(row) : undefined;
  }

  lookupPk(key: unknown): number | undefined {
    return this.hasPk ? this.uniques[0].map.get(key) : undefined;
  }

  private index(row: readonly Value[], id: number): void {
    for (const u of this.uniques) {
      const k = u.keyOf(row);
      if (k !== undefined) u.map.set(k, id);
    }
  }

  private unindex(row: readonly Value[]): void {
    for (const u of this.uniques) {
      const k = u.keyOf(row);
      if (k !== undefined) u.map.delete(k);
    }
  }

  row(id: number): Row {
    return this.log.row(id);
  }

  /** The rows around row `id` (deleted ones too), where it is row `id & CHUNK_MASK`: for scans by id (recovery). */
  chunkOf(id: number): Batch {
    return this.log.chunkOf(id);
  }

  /** Append row `id` to a builder of the table's schema. */
  copyRow(id: number, out: BatchBuilder): void {
    this.log.copyRow(id, out);
  }

  isLive(id: number): boolean {
    return id < this.log.length && this.dead[id] === 0;
  }

  /** Append a row; returns its id. */
  insert(row: readonly Value[]): number {
    if (this.appendOnly !== null) throw new Error('internal error: row insert into an append-only table');
    const id = this.log.length;
    this.log.push(row);
    if (id >= this.dead.length) {
      const d = new Uint8Array(this.dead.length * 2);
      d.set(this.dead);
      this.dead = d;
    }
    this.liveCount++;
    if (this.uniques.length) this.index(row, id);
    for (const ix of this.ordered) ix.insert(id);
    return id;
  }

  /** Append every row of a batch (weights must be +1); returns the first id. */
  insertBatch(b: Batch): number {
    if (this.appendOnly !== null) {
      this.appended += b.length;
      return this.log.length;
    }
    const first = this.log.length;
    this.log.appendBatch(b);
    while (this.log.length > this.dead.length) {
      const d = new Uint8Array(this.dead.length * 2);
      d.set(this.dead);
      this.dead = d;
    }
    this.liveCount += b.length;
    if (this.uniques.length) for (let id = first; id < this.log.length; id++) this.index(this.row(id), id);
    if (this.ordered.length) {
      const ids = new Int32Array(b.length);
      for (let k = 0; k < ids.length; k++) ids[k] = first + k;
      for (const ix of this.ordered) ix.insertMany(ids);
    }
    return first;
  }

  /** Delete a live row; `at`: the commit's timestamp, recorded for the snapshots open now. */
  delete(id: number, at?: number): Row {
    const row = this.row(id);
    if (at !== undefined) {
      const keys: [string, unknown][] = [];
      for (const u of this.uniques) {
        const k = u.keyOf(row);
        if (k !== undefined) keys.push([u.name, k]);
      }
      this.versions.died(id, at, keys);
    }
    for (const ix of this.ordered) ix.delete(id);
    this.dead[id] = 1;
    this.liveCount--;
    if (this.uniques.length) this.unindex(row);
    return row;
  }

  /** Undo a delete (rollback of a failed commit). */
  undelete(id: number): void {
    if (this.dead[id] === 0) return;
    this.dead[id] = 0;
    this.versions.revived(id);
    this.liveCount++;
    if (this.uniques.length) this.index(this.row(id), id);
    for (const ix of this.ordered) ix.insert(id);
  }

  /** Does the table keep its rows (false: append-only)? */
  get keepsRows(): boolean {
    return this.appendOnly === null;
  }

  /** Refuse to read an append-only table that has had rows: it no longer has them. */
  private checkReadable(): void {
    if (this.appended === 0) return;
    throw new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, `cannot read append-only table "${this.appendOnly}": it keeps no rows`, {
      hint: 'Read a materialized view over it, or SUBSCRIBE to one. A view created now sees the rows that arrive from now on.',
    });
  }

  /** Ids of live rows in insertion order. */
  *liveIds(): IterableIterator<number> {
    this.checkReadable();
    const n = this.log.length;
    for (let id = 0; id < n; id++) if (this.dead[id] === 0) yield id;
  }

  /** Was row `id` committed and not yet deleted at timestamp `s`? */
  visibleAt(id: number, s: number): boolean {
    this.checkReadable();
    return id < this.versions.lengthAt(s) && (this.dead[id] === 0 || this.versions.deadAfter(id, s));
  }

  /** Does the table hold now exactly what it held at `s`? */
  unchangedSince(s: number): boolean {
    return this.versions.lastWrite <= s;
  }

  /** Ids of the rows of timestamp `s`, in insertion order. */
  *idsAt(s: number): IterableIterator<number> {
    this.checkReadable();
    if (this.unchangedSince(s)) return yield* this.liveIds();
    const n = this.versions.lengthAt(s);
    const history = this.versions.hasDeaths;
    for (let id = 0; id < n; id++) if (this.dead[id] === 0 || (history && this.versions.deadAfter(id, s))) yield id;
  }

  /** The rows of timestamp `s` as one batch. */
  scanAt(s: number): Batch {
    this.checkReadable();
    if (this.unchangedSince(s)) return this.scan();
    const b = this.log.batch();
    const out = new BatchBuilder(this.types, this.liveCount);
    for (const id of this.idsAt(s)) out.pushFrom(b, id, 1);
    return out.finish();
  }

  /** All live rows as one batch (weights 1). */
  scan(): Batch {
    this.checkReadable();
    const b = this.log.batch();
    if (this.liveCount === b.length) return b;
    const out = new BatchBuilder(this.types, this.liveCount);
    for (let id = 0; id < b.length; id++) if (this.dead[id] === 0) out.pushFrom(b, id, 1);
    return out.finish();
  }

  /**
   * Drop dead rows once they are the majority; row ids change, so only call between
   * statements. `horizon`: the oldest open snapshot's timestamp (null if none is open): rows
   * deleted after it are kept, dead, for the snapshots that still see them.
   */
  maybeCompact(horizon: number | null = null): void {
    const n = this.log.length;
    if (n < 1024 || this.liveCount * 2 > n) return;
    if (horizon !== null) this.versions.prune(horizon);
    const kept = new Uint8Array(n);
    let keptCount = 0;
    for (let id = 0; id < n; id++) if (this.dead[id] === 0) kept[id] = 1;
    if (horizon !== null) for (const id of this.versions.deadSince(horizon)) kept[id] = 1;
    for (let id = 0; id < n; id++) keptCount += kept[id];
    if (keptCount * 2 > n) return; // the snapshots still see most of the dead rows
    this.compactions++;
    // kept rows keep their order, so each ordered index keeps its order under the new ids
    const newId = new Int32Array(n);
    for (let id = 0, next = 0; id < n; id++) if (kept[id]) newId[id] = next++;
    for (const ix of this.ordered) ix.renumber(newId);
    const ordered = this.ordered.splice(0);
    const uniques = this.uniques.splice(0);
    const old = this.log.batch();
    const rows = new BatchBuilder(this.types, keptCount);
    for (let id = 0; id < n; id++) if (kept[id]) rows.pushFrom(old, id, 1);
    const wasDead = this.dead;
    this.log = new ChunkedLog(this.types);
    this.dead = new Uint8Array(Math.max(64, keptCount * 2));
    this.liveCount = 0;
    if (keptCount > 0) this.insertBatch(rows.finish());
    for (let id = 0; id < n; id++) {
      if (kept[id] && wasDead[id]) {
        this.dead[newId[id]] = 1;
        this.liveCount--;
      }
    }
    this.uniques.push(...uniques);
    for (const u of this.uniques) u.map.clear();
    if (this.uniques.length) for (let id = 0; id < this.log.length; id++) if (this.dead[id] === 0) this.index(this.row(id), id);
    this.ordered.push(...ordered);
    this.versions.renumber(newId, kept);
  }
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * The key of a one-column unique index, without an array per row. A bigint key is a plain
 * number while it is a safe integer (a Map hashes numbers much faster than bigints); the two
 * ranges do not overlap, so equal keys still meet.
 */
function singleColumnKey(col: number, type: SqlType): (row: readonly Value[]) => unknown {
  if (type.id === 'int8') {
    return (row) => {
      const v = row[col] as bigint | null;
      if (v === null) return undefined;
      return v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v;
    };
  }
  const key = equalityKeyFn(type);
  return (row) => {
    const v = row[col];
    return v === null ? undefined : key(v);
  };
}
