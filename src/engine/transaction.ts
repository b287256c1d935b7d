// A session's open transaction: its pending changes per table, and the view of each table
// that the session reads (committed rows minus its deletes plus its inserts).
//
// Savepoints: while one exists, every change is also recorded in an undo log, and ROLLBACK TO
// undoes the log back to the savepoint's mark (without savepoints nothing is logged, so plain
// transactions pay nothing). RELEASE just forgets the savepoint (and its inner ones).

import type { Catalog, CatalogEntry, TableEntry } from '../catalog/catalog.js';
import { concurrentUpdate, SqlError, SQLSTATE } from '../errors.js';
import { BatchBuilder, concatBatches, rowAt, type Batch } from '../dataflow/batch.js';
import type { Row } from '../expr/value.js';
import type { CommitMeta, TableChanges } from './engine.js';
import type { DdlEntry } from '../storage/wal_records.js';
import { duplicateKey } from './engine.js';
import type { UniqueIndex } from '../storage/table_store.js';
import { runSync, ticker, type Work } from './work.js';

/** Keys in tables' unique indexes: table → index name → keys (read or written, for SERIALIZABLE). */
export type KeySets = Map<TableEntry, Map<string, Set<unknown>>>;

export function addKey(into: KeySets, t: TableEntry, index: string, key: unknown): void {
  let byIndex = into.get(t);
  if (!byIndex) into.set(t, (byIndex = new Map()));
  let keys = byIndex.get(index);
  if (!keys) byIndex.set(index, (keys = new Set()));
  keys.add(key);
}

/** A row the transaction can see: committed (id >= 0) or pending (id < 0). */
export interface VisibleRow {
  id: number;
  row: Row;
}

/** What a transaction has changed in one table and not committed yet. */
export interface PendingRows {
  readonly deletes: ReadonlySet<number>;
  /** Pending rows by (negative) id, in insertion order. */
  readonly inserts: ReadonlyMap<number, Row>;
}

/** How a read sees tables: their contents, and the changes under them when narrowing by index. */
export interface TableReader {
  contents(t: TableEntry): Batch;
  pendingFor?(t: TableEntry): PendingRows | null;
  /** The snapshot's timestamp when it sees t other than as it is now (indexes hold the present). */
  pastOf?(t: TableEntry): number | null;
  /** A read of a whole table or materialized view (the serializable read set). */
  noteRead?(e: CatalogEntry): void;
  /** A lookup of `key` in unique index `index` of t (the read set, finer). */
  noteKeyRead?(t: TableEntry, index: string, key: unknown): void;
  /** The clock time the reader's snapshot saw (views that follow the clock are computed at it); null: the present. */
  clock?(): bigint | null;
}

class PendingTable implements PendingRows {
  readonly deletes = new Set<number>();
  private readonly rows = new Map<number, Row>();
  /**
   * Inserts taken as whole batches (Transaction.insertBatch), after `rows`. They become rows
   * with ids only when something reads or changes the pending rows one by one, so a block of
   * such inserts commits its batches as they came.
   */
  private batches: Batch[] = [];
  private batchRows = 0;

  constructor(private readonly newId: () => number) {}

  get inserts(): Map<number, Row> {
    if (this.batches.length > 0) {
      for (const b of this.batches) for (let i = 0; i < b.length; i++) this.rows.set(this.newId(), rowAt(b, i));
      this.batches = [];
      this.batchRows = 0;
    }
    return this.rows;
  }

  /** Pending inserts, without making rows of the batches. */
  get insertCount(): number {
    return this.rows.size + this.batchRows;
  }

  get changed(): boolean {
    return this.deletes.size > 0 || this.insertCount > 0;
  }

  addBatch(b: Batch): void {
    this.batches.push(b);
    this.batchRows += b.length;
  }

  /** The inserts to commit, in insertion order: the batches themselves when all came so. */
  committed(t: TableEntry): Row[] | Batch {
    if (this.rows.size > 0 || this.batches.length === 0) return [...this.inserts.values()];
    return this.batches.length === 1 ? this.batches[0] : concatBatches(t.store.types, this.batches);
  }

  /** Per unique index of the table (same order): key → pending row id. */
  readonly pendingKeys = new Map<UniqueIndex, Map<unknown, number>>();
  keys(u: UniqueIndex): Map<unknown, number> {
    let m = this.pendingKeys.get(u);
    if (!m) this.pendingKeys.set(u, (m = new Map()));
    return m;
  }
}

/** One change to undo: a pending insert, a delete of a committed row, or of a pending one. */
type UndoEntry =
  | { kind: 'inserted'; t: TableEntry; id: number }
  | { kind: 'deleted'; t: TableEntry; id: number; row?: Row };

export interface Savepoint<S> {
  name: string;
  /** Undo-log length when it was made. */
  mark: number;
  /** DDL-log length when it was made. */
  ddlMark: number;
  /** The session's state to restore with it (settings). */
  saved: S;
}

export class Transaction<S = unknown> {
  private tables = new Map<TableEntry, PendingTable>();
  /** Per table: its compaction count when this transaction first saw its row ids. */
  private idEpochs = new Map<TableEntry, number>();
  private nextLocal = -1;
  /**
   * `explicit`: a BEGIN … COMMIT block, not a single autocommit statement. `blind`: sees no
   * rows at all (describing a statement binds it without reading anything).
   */
  constructor(
    readonly explicit: boolean,
    private readonly blind = false,
  ) {}
  /**
   * REPEATABLE READ and SERIALIZABLE: the timestamp every read of the transaction sees (its
   * own changes on top), from its first query on. Null at READ COMMITTED: each statement
   * reads the latest commit.
   */
  snapshot: number | null = null;
  /** When it started (now() in its statements), ms since the epoch. */
  readonly startedMs = Date.now();
  /** The clock's time when the snapshot was taken (mz_now() of its reads). */
  snapshotClock: bigint | null = null;
  /** SERIALIZABLE: the commit checks that nothing the transaction read changed since its snapshot. */
  serializable = false;
  /** How to undo each DDL statement run in the transaction, in order (a rollback runs them in reverse). */
  readonly ddl: (() => void)[] = [];
  /** Its DDL as the write-ahead log records it (kept only with a data directory). */
  readonly walDdl: DdlEntry[] = [];
  /** Names its DDL holds until it ends (Catalog.locks). */
  private readonly held = new Set<string>();
  /** Tables it dropped (or created and undid): their pending changes are not committed. */
  readonly dropped = new Set<TableEntry>();
  /** An INSERT/UPDATE/DELETE/COPY ran in it (whatever it changed). */
  wrote = false;
  /** Tables and materialized views read whole (for the serializable check). */
  readonly reads = new Set<CatalogEntry>();
  /** Keys looked up in a table's unique indexes. */
  readonly keyReads: KeySets = new Map();
  /** Per table: its lastWrite when the READ COMMITTED consistency check last passed. */
  private checkedAt = new Map<TableEntry, number>();
  /** Set when a statement failed inside an explicit block: PostgreSQL's aborted state. */
  failed = false;
  /** A query has run in this transaction (PostgreSQL's FirstSnapshotSet). */
  snapshotTaken = false;
  /** The session's state when the transaction started (restored by ROLLBACK). */
  savedAtStart: S | null = null;
  /** Set while a write statement runs in a read-only transaction: writing is then 25006. */
  readOnlyCommand: string | null = null;
  private readonly savepoints: Savepoint<S>[] = [];
  /** Recorded only while a savepoint exists. */
  private undo: UndoEntry[] | null = null;

  get hasWrites(): boolean {
    for (const p of this.tables.values()) if (p.changed) return true;
    return false;
  }

  touches(table: TableEntry): boolean {
    const p = this.tables.get(table);
    return !!p && p.changed;
  }

  private pending(t: TableEntry): PendingTable {
    let p = this.tables.get(t);
    if (!p) this.tables.set(t, (p = new PendingTable(() => this.nextLocal--)));
    return p;
  }

  /** Every row of `t` this transaction sees, in storage order then insertion order. */
  visibleRows(t: TableEntry): VisibleRow[] {
    return runSync(this.visibleRowsSteps(t));
  }

  /** visibleRows, yielding every few thousand rows (a statement running in slices). */
  *visibleRowsSteps(t: TableEntry): Work<VisibleRow[]> {
    this.sawIds(t);
    const p = this.tables.get(t);
    const out: VisibleRow[] = [];
    if (this.blind) return out;
    this.noteRead(t);
    if (p) this.checkIdsCurrent(t, p);
    const tick = ticker();
    const epoch = t.store.compactions;
    for (const id of this.snapshot === null ? t.store.liveIds() : t.store.idsAt(this.snapshot)) {
      if (!p?.deletes.has(id)) out.push({ id, row: t.store.row(id) });
      if (tick()) {
        yield;
        // another session's commit compacted the table meanwhile: the ids read so far are stale
        if (t.store.compactions !== epoch) throw concurrentUpdate();
      }
    }
    if (p) for (const [id, row] of p.inserts) out.push({ id, row });
    return out;
  }

  /** The visible rows whose primary key is `key` (at most one committed, plus pending ones). */
  rowsWithKey(t: TableEntry, key: unknown): VisibleRow[] {
    return t.store.uniques.length ? this.rowsWithUniqueKey(t, t.store.uniques[0], key) : [];
  }

  /** The visible rows with `key` in unique index `u`. */
  rowsWithUniqueKey(t: TableEntry, u: UniqueIndex, key: unknown): VisibleRow[] {
    this.sawIds(t);
    const p = this.tables.get(t);
    const out: VisibleRow[] = [];
    if (this.blind) return out;
    this.noteKeyRead(t, u.name, key);
    if (p) this.checkIdsCurrent(t, p);
    const past = this.pastOf(t);
    const ids = past === null ? [u.map.get(key)] : [u.map.get(key), ...t.store.versions.deadWithKey(u.name, key, past)].sort((a, b) => (a ?? 0) - (b ?? 0));
    for (const id of ids) {
      if (id === undefined || p?.deletes.has(id)) continue;
      if (past !== null && (!t.store.visibleAt(id, past) || u.keyOf(t.store.row(id)) !== key)) continue;
      out.push({ id, row: t.store.row(id) });
    }
    const local = p?.keys(u).get(key);
    if (local !== undefined) out.push({ id: local, row: p!.inserts.get(local)! });
    return out;
  }

  /** This transaction's pending deletes (committed ids) and inserts of t, if any. */
  pendingFor(t: TableEntry): PendingRows | null {
    const p = this.tables.get(t);
    if (!p?.changed) return null;
    this.checkIdsCurrent(t, p);
    return p;
  }

  pastOf(t: TableEntry): number | null {
    return this.snapshot === null || t.store.unchangedSince(this.snapshot) ? null : this.snapshot;
  }

  clock(): bigint | null {
    return this.snapshotClock;
  }

  /** Only SERIALIZABLE transactions keep what they read. */
  noteRead(e: CatalogEntry): void {
    if (this.serializable) this.reads.add(e);
  }

  noteKeyRead(t: TableEntry, index: string, key: unknown): void {
    if (this.serializable) addKey(this.keyReads, t, index, key);
  }

  /**
   * The deletes hold row ids of the numbering when they were made; a compaction since (after
   * another session's commit) renumbered the table, so reading through them would hide the
   * wrong rows. The transaction could not commit anyway (Engine.commit checks the epoch), so
   * it fails now, before giving a wrong answer.
   */
  private checkIdsCurrent(t: TableEntry, p: PendingTable): void {
    const epoch = this.idEpochs.get(t);
    if (p.deletes.size > 0 && epoch !== undefined && epoch !== t.store.compactions) throw concurrentUpdate();
    if (this.snapshot === null) this.checkNoneReplaced(t, p);
  }

  /**
   * READ COMMITTED reads the latest commit with this transaction's changes on top. If another
   * session has since committed a change to a row this one deleted or updated, or a row with
   * a key this one inserted, both versions would show (PostgreSQL would have made the other
   * session wait on the row). This transaction cannot commit any more (Engine.commit fails
   * it), so it fails now rather than read a state no commit order produces.
   */
  private checkNoneReplaced(t: TableEntry, p: PendingTable): void {
    const at = t.store.versions.lastWrite;
    if (this.checkedAt.get(t) === at) return;
    if (replacedDelete(t, p)) throw concurrentUpdate();
    for (const [u, keys] of p.pendingKeys) {
      for (const key of keys.keys()) {
        const committed = u.map.get(key);
        if (committed !== undefined && !p.deletes.has(committed)) throw concurrentUpdate();
      }
    }
    this.checkedAt.set(t, at);
  }

  contents(t: TableEntry): Batch {
    if (this.blind) return new BatchBuilder(t.store.types, 0).finish();
    this.noteRead(t);
    const p = this.tables.get(t);
    if (!p?.changed) return this.snapshot === null ? t.store.scan() : t.store.scanAt(this.snapshot);
    this.checkIdsCurrent(t, p);
    const b = new BatchBuilder(t.store.types, t.store.size + p.inserts.size);
    for (const v of this.visibleRows(t)) b.push(v.row, 1);
    return b.finish();
  }

  /**
   * Insert a batch of rows (weights 1). Into a table without unique keys, outside any
   * savepoint, it is kept whole until something reads the pending rows one by one; otherwise
   * row by row, as insert() does.
   */
  insertBatch(t: TableEntry, b: Batch): void {
    if (this.readOnlyCommand !== null) throw readOnlyError(this.readOnlyCommand);
    if (t.store.uniques.length > 0 || this.undo !== null) {
      for (let i = 0; i < b.length; i++) this.insert(t, rowAt(b, i));
      return;
    }
    if (b.length > 0) this.pending(t).addBatch(b);
  }

  /** Insert a row (checking unique keys); returns its pending id. */
  insert(t: TableEntry, row: Row): number {
    if (this.readOnlyCommand !== null) throw readOnlyError(this.readOnlyCommand);
    const p = this.pending(t);
    // pending batches get their ids first: ids follow the order rows came in
    const rows = p.inserts;
    if (t.store.uniques.length === 0) {
      // no key to check or index (append-only tables, tables without keys)
      const id = this.nextLocal--;
      rows.set(id, row);
      this.undo?.push({ kind: 'inserted', t, id });
      return id;
    }
    const keys = t.store.uniques.map((u) => u.keyOf(row));
    t.store.uniques.forEach((u, k) => {
      const key = keys[k];
      if (key === undefined) return;
      const committed = u.map.get(key);
      if ((committed !== undefined && !p.deletes.has(committed)) || p.keys(u).has(key)) {
        // as PostgreSQL's SERIALIZABLE: a key committed after the snapshot is a conflict to retry
        if (this.serializable && committed !== undefined && this.snapshot !== null && !t.store.visibleAt(committed, this.snapshot)) throw concurrentUpdate();
        // a row this transaction updated was changed by a commit since (PostgreSQL would have
        // made that one wait): this transaction cannot commit, and the key clash is not the reason
        if (replacedDelete(t, p)) throw concurrentUpdate();
        throw duplicateKey(t, u, row);
      }
    });
    const id = this.nextLocal--;
    p.inserts.set(id, row);
    t.store.uniques.forEach((u, k) => {
      if (keys[k] !== undefined) p.keys(u).set(keys[k], id);
    });
    this.undo?.push({ kind: 'inserted', t, id });
    return id;
  }

  delete(t: TableEntry, id: number): void {
    if (this.readOnlyCommand !== null) throw readOnlyError(this.readOnlyCommand);
    const p = this.pending(t);
    if (id >= 0) {
      // a row of the snapshot that another session has changed since (PostgreSQL: the same error)
      if (!t.store.isLive(id)) throw concurrentUpdate();
      if (!p.deletes.has(id)) this.undo?.push({ kind: 'deleted', t, id });
      p.deletes.add(id);
      return;
    }
    const row = removePending(t, p, id);
    if (row) this.undo?.push({ kind: 'deleted', t, id, row });
  }

  // ---- DDL ------------------------------------------------------------------------------

  /** Record a DDL statement for the log: it is committed with the transaction, or forgotten with it (or its savepoint). */
  logDdl(entry: DdlEntry): void {
    this.walDdl.push(entry);
    this.ddl.push(() => void this.walDdl.pop());
  }

  /** What its commit logs besides its row changes. */
  commitMeta(): CommitMeta | undefined {
    return this.walDdl.length > 0 ? { ddl: this.walDdl } : undefined;
  }

  /** Hold `names` for this transaction until it ends. */
  hold(names: readonly string[], catalog: Catalog): void {
    for (const n of names) {
      catalog.locks.set(n, this);
      this.held.add(n);
    }
  }

  /**
   * Undo the DDL after `mark`, latest first (the names stay held until the end). It runs as
   * this transaction: rebuilding a view names relations it holds.
   */
  undoDdl(mark: number, catalog: Catalog): void {
    if (this.ddl.length <= mark) return;
    const viewer = catalog.viewer;
    catalog.viewer = this;
    try {
      while (this.ddl.length > mark) this.ddl.pop()!();
    } finally {
      catalog.viewer = viewer;
    }
  }

  /** The transaction ends: let go of its names. */
  releaseNames(catalog: Catalog): void {
    for (const n of this.held) if (catalog.locks.get(n) === this) catalog.locks.delete(n);
    if (this.held.size > 0) catalog.changed(); // plans bound while the names were held are stale
    this.held.clear();
  }

  // ---- savepoints ----------------------------------------------------------------------

  get inSavepoint(): boolean {
    return this.savepoints.length > 0;
  }

  /** What the innermost savepoint saved, if there is one. */
  get innermostSaved(): S | undefined {
    return this.savepoints[this.savepoints.length - 1]?.saved;
  }

  savepoint(name: string, saved: S): void {
    this.undo ??= [];
    this.savepoints.push({ name, mark: this.undo.length, ddlMark: this.ddl.length, saved });
  }

  /** RELEASE: forget the innermost savepoint of that name and every one made after it. */
  release(name: string): Savepoint<S> {
    const i = this.findSavepoint(name);
    const sp = this.savepoints[i];
    this.savepoints.length = i;
    // with no savepoint left, nothing can be undone separately any more
    if (i === 0) this.undo = null;
    return sp;
  }

  /**
   * ROLLBACK TO: undo every change since the savepoint was made, drop the savepoints made
   * after it (it stays), and leave the aborted state.
   */
  rollbackTo(name: string): Savepoint<S> {
    const i = this.findSavepoint(name);
    const sp = this.savepoints[i];
    this.savepoints.length = i + 1;
    const undo = this.undo!;
    const readded = new Set<PendingTable>();
    while (undo.length > sp.mark) {
      const e = undo.pop()!;
      const p = this.tables.get(e.t);
      if (!p) continue;
      if (e.kind === 'inserted') removePending(e.t, p, e.id);
      else if (e.row) {
        addPending(e.t, p, e.id, e.row);
        readded.add(p);
      } else p.deletes.delete(e.id);
    }
    // pending rows are read (and committed) in creation order, which is the order of their ids
    // (-1, -2, …); rows deleted and restored here went to the end of the map
    for (const p of readded) {
      const rows = [...p.inserts].sort((a, b) => b[0] - a[0]);
      p.inserts.clear();
      for (const [id, row] of rows) p.inserts.set(id, row);
    }
    this.failed = false;
    return sp;
  }

  private findSavepoint(name: string): number {
    for (let i = this.savepoints.length - 1; i >= 0; i--) if (this.savepoints[i].name === name) return i;
    throw new SqlError(SQLSTATE.INVALID_SAVEPOINT_SPECIFICATION, `savepoint "${name}" does not exist`);
  }

  /** Whether changes() would be empty (a read's transaction), without building it. */
  get unchanged(): boolean {
    for (const [t, p] of this.tables) if (p.changed && !this.dropped.has(t)) return false;
    return true;
  }

  changes(): Map<TableEntry, TableChanges> {
    const out = new Map<TableEntry, TableChanges>();
    for (const [t, p] of this.tables) {
      if (!p.changed || this.dropped.has(t)) continue;
      out.set(t, { deletes: [...p.deletes], inserts: p.committed(t), idEpoch: this.idEpochs.get(t) });
    }
    return out;
  }

  /**
   * Row ids handed out for `t` are valid until the table is compacted, which another session's
   * commit may do while this transaction is open (a block, or a statement running in slices):
   * remember the compaction count, so the commit can tell (40001) rather than delete by stale ids.
   */
  private sawIds(t: TableEntry): void {
    if (!this.idEpochs.has(t)) this.idEpochs.set(t, t.store.compactions);
  }

}

/** Has a commit since deleted a row this transaction deleted (updated)? It cannot commit then. */
function replacedDelete(t: TableEntry, p: PendingTable): boolean {
  for (const id of p.deletes) if (!t.store.isLive(id)) return true;
  return false;
}

function addPending(t: TableEntry, p: PendingTable, id: number, row: Row): void {
  p.inserts.set(id, row);
  for (const u of t.store.uniques) {
    const key = u.keyOf(row);
    if (key !== undefined) p.keys(u).set(key, id);
  }
}

function removePending(t: TableEntry, p: PendingTable, id: number): Row | undefined {
  const row = p.inserts.get(id);
  p.inserts.delete(id);
  if (row) {
    for (const u of t.store.uniques) {
      const key = u.keyOf(row);
      if (key !== undefined) p.keys(u).delete(key);
    }
  }
  return row;
}

export function readOnlyError(command: string): SqlError {
  return new SqlError(SQLSTATE.READ_ONLY_SQL_TRANSACTION, `cannot execute ${command} in a read-only transaction`);
}
