// The engine: catalog + circuit + committed state, shared by all sessions. It applies committed
// transactions as circuit steps, creates and drops materialized views (hydrating new ones from
// current data), and evaluates ad-hoc reads against one consistent timestamp.

import { closingGroupColumn, closingPartitionColumn, windowOfExpr, type EmitOnClose } from '../plan/emit_on_close.js';
import { WindowCloseOp } from '../dataflow/operators/window_close.js';
import type { LoggedWatermark, TableWatermark } from '../sources/watermark.js';
import { Catalog, type CatalogEntry, type IndexEntry, type MaterializedViewEntry, type TableEntry } from '../catalog/catalog.js';
import { Circuit, failedOperator, hydrate } from '../dataflow/circuit.js';
import { BatchBuilder, batchFromRows, concatBatches, emptyBatch, rowAt, sliceBatch, type Batch } from '../dataflow/batch.js';
import type { Operator } from '../dataflow/operator.js';
import { SnapshotOp, SourceOp } from '../dataflow/source.js';
import { ArrangeOp } from '../dataflow/operators/arrange.js';
import { OrderedArrangeOp } from '../dataflow/operators/ordered_arrange.js';
import { IntegrateOp } from '../dataflow/operators/integrate.js';
import { AggregateOp } from '../dataflow/operators/aggregate.js';
import { DistinctOp } from '../dataflow/operators/distinct.js';
import { SetOpOp } from '../dataflow/operators/set_op.js';
import type { Row, Value } from '../expr/value.js';
import { lower, type LowerContext } from '../plan/lower.js';
import { planChildren, type Plan } from '../plan/logical.js';
import { T, type SqlType } from '../sql/types.js';
import { consolidate, consolidateSteps } from '../dataflow/consolidate.js';
import { formatValue } from '../expr/format.js';
import { TableStore, type UniqueIndex } from '../storage/table_store.js';
import { concurrentUpdate, SqlError, SQLSTATE, internalError } from '../errors.js';
import { finishReadWork, limitBounds, splitRead } from './read.js';
import { materializeReadOnly } from './window.js';
import { addKey, type KeySets, type TableReader } from './transaction.js';
import { chooseAccessPath, scansUnderFilters, type AccessPath, type IndexInfo } from '../plan/access_path.js';
import { tableCandidates, tableIndexes, viewCandidates } from './index_read.js';
import { runSliced, runSync, SLICE_MS, ticker, type Work } from './work.js';
import { parseSeriesRelation, seriesLength, seriesSlice, seriesTypes, seriesWhole } from './series.js';
import { MemoryBudget, MemoryLimitError, sampledRowBytes } from '../dataflow/memory.js';
import type { CommitRecord, DdlEntry, LoggedTable } from '../storage/wal_records.js';
import { StepClock } from '../dataflow/clock.js';
import { ClockTicks } from './clock_ticks.js';
import { readsClock, substituteClock } from '../plan/temporal_filter.js';
import { insertOnly as onlyInserts, readInsertsOnly } from '../plan/insert_only.js';
import { quickReadOrNull } from './quick_read.js';

/** Changes of one table in one transaction: committed row ids to delete, rows to insert. */
export interface TableChanges {
  deletes: number[];
  /** Rows to insert, or a ready batch of them (weights 1) from a bulk path. */
  inserts: Row[] | Batch;
  /** The table's compaction count when the transaction read the ids it deletes (Transaction). */
  idEpoch?: number;
  /** For a partitioned source's table: the partition of each insert (its watermark is per partition). */
  partitions?: ArrayLike<number>;
}

/** Record the keys of a written row in each unique index of its table (serializable checks). */
function noteWrittenKeys(into: KeySets, table: TableEntry, row: Row): void {
  for (const u of table.store.uniques) {
    const k = u.keyOf(row);
    if (k !== undefined) addKey(into, table, u.name, k);
  }
}

/** What ends a subscription whose relation is dropped. */
function droppedError(name: string): SqlError {
  return new SqlError(SQLSTATE.UNDEFINED_TABLE, `subscription ended: relation "${name}" was dropped`);
}

function insertRows(ins: Row[] | Batch): Row[] {
  if (Array.isArray(ins)) return ins;
  const rows: Row[] = [];
  for (let i = 0; i < ins.length; i++) rows.push(rowAt(ins, i));
  return rows;
}

/** What a commit carries besides its row changes, for the write-ahead log. */
export interface CommitMeta {
  /** The transaction's DDL, in order (it has already taken effect; the log replays it first). */
  ddl?: readonly DdlEntry[];
  /** Positions reached by the source that produced the changes (exactly-once recovery). */
  sources?: CommitRecord['sources'];
  /** Recovery: the replayed commit's timestamp. */
  time?: number;
  /** Recovery: the watermarks the replayed commit left (its rows were all accepted). */
  watermarks?: readonly LoggedWatermark[];
}

/** Where committed transactions are logged before they count (storage/durability.ts). */
export interface CommitLog {
  /** Append the record (in the page cache, not yet synced); throws if it cannot be written. Returns its end position. */
  append(record: CommitRecord): number;
  /** Null if the log is durable up to `lsn`; else a promise of it (rejecting if it cannot be). */
  durable(lsn: number): Promise<void> | null;
  /** Refuse every write from now on (memory has moved ahead of the log): `reason` says why. */
  fail(reason: unknown): void;
  /** Once the log has failed: the position up to which it is durable (else null), and why. */
  readonly failedAt: number | null;
  readonly failure: Error | null;
}

export interface Change {
  row: Row;
  diff: number;
  timestamp: number;
}

export type ChangeListener = (changes: Change[], timestamp: number) => void;

/** The changes of a relation or of a query's own dataflow, from the next commit on. */
export interface Watch {
  /** Column types of the changes. */
  readonly types: readonly SqlType[];
  /** Current contents (weights ≥ 1), consistent with the changes that follow. */
  snapshot(): Batch;
  stop(): void;
}

interface ReadLeaf {
  op: SourceOp;
  /** Rows of the leaf's input (captured when the read was prepared, or made on demand). */
  length: number;
  slice(from: number, to: number): Batch;
  whole(): Batch;
  /** What the leaf gives at hydration: all of its input (one-shot reads) or nothing (chunked). */
  hydrateWith: Batch | null;
}

interface PreparedRead {
  /** The plan lowered (window and set-returning nodes already computed). */
  body: Plan;
  created: Operator[];
  root: Operator;
  finish: ReturnType<typeof splitRead>['finish'];
  leaves: ReadLeaf[];
}

/** How a read runs (Engine.readWork). */
export interface ReadOptions {
  /** Batches that scans of those (non-catalog) names read. */
  extra?: Map<string, Batch>;
  /** Fed through its dataflow in chunks, in slices (the wire server's reads). */
  chunked?: boolean;
  /** Where its rows go as they are produced, when nothing needs them whole. */
  sink?: RowSink;
  /** false: not tried as a quick read first (the wire server's reads tried Session.quickSelect). */
  quick?: boolean;
}

/**
 * Where a chunked read may send its result rows as they are produced (the wire server's
 * DataRows), when nothing needs the whole result first (no ORDER BY; no aggregate, DISTINCT,
 * set operation or outer join, whose output can change as more input arrives).
 */
export interface RowSink {
  rows(rows: Row[]): void;
}

interface QueryWatch {
  output: Operator;
  deps: ReadonlySet<string>;
  onChanges: ChangeListener;
  onEnd: (reason: SqlError) => void;
}

export class Engine {
  readonly catalog = new Catalog();
  readonly circuit = new Circuit();
  private arrangements = new Map<string, ArrangeOp>();
  /** Indexes on materialized views: each the view's contents ordered by its columns. */
  private viewIndexes = new Map<string, { view: string; cols: readonly number[]; op: OrderedArrangeOp }>();
  private listeners = new Map<string, Map<ChangeListener, ((reason: SqlError) => void) | undefined>>();
  /** Dataflows built for a query (not a catalog view) that someone is watching. */
  private queryWatches = new Set<QueryWatch>();
  private commitListeners = new Set<(timestamp: number) => void>();
  private accessMemo = new WeakMap<Plan, { version: number; paths: { scan: Plan & { kind: 'scan' }; path: AccessPath }[] }>();
  /** Reads may use indexes (off only to compare with full scans in tests and benchmarks). */
  useIndexes = true;
  /** Sliced hydrations in progress: each gets every commit's step outputs (addMaterializedViewWork). */
  /**
   * Views being hydrated in slices: each copies, from every part of a commit's step, the
   * outputs it replays later (a step's outputs are reused by the next), and keeps the copies
   * once the commit has succeeded.
   */
  private stepRecorders = new Set<StepRecorder>();
  /** Input rows per chunk of a chunked (yielding) read. */
  readChunkRows = 16384;
  /** What one operation may allocate (tributary.memory_limit), checked before big allocations. */
  readonly memory = new MemoryBudget();
  /** Logical time of the last committed transaction (milliseconds since the epoch, strictly increasing). */
  timestamp = 0;
  /** The write-ahead log, with a data directory (null: in memory only, and during recovery). */
  wal: CommitLog | null = null;
  /** The log position just past the last commit logged (what a session waits for to be durable). */
  lastCommitLsn = 0;
  /** Every committed DDL statement, oldest first, as logged: a checkpoint runs them again to rebuild the catalog. */
  readonly ddlHistory: DdlEntry[] = [];
  /** Per source table: the position each partition goes on from, as of the last logged commit. */
  readonly sourcePositions = new Map<TableEntry, Map<number, number>>();
  /** A checkpoint is being restored: dataflows are built but not hydrated (their state is loaded). */
  restoring = false;
  /**
   * New views reuse existing arrangements of tables and views (off while replaying a view
   * that was built in slices, which built its own: a checkpoint restores the same shape).
   */
  shareArrangements = true;
  /** Whether the last materialized view created was built in slices, with arrangements of its own. */
  lastViewOwnArrangements = false;
  /** The time temporal filters see (one per step; clock_ticks.ts moves it). */
  readonly clock = new StepClock();
  /** What moves the clock, and the timer for views' scheduled changes. */
  readonly ticks = new ClockTicks({
    clock: this.clock,
    circuit: this.circuit,
    canTick: () => !this.pendingCommit && !this.circuit.stepUnderWay && !this.restoring && !this.buildingViews,
    tickStep: () => this.tickStep(),
  });

  /** Follow another clock (tests): `source` gives microseconds since the epoch. */
  useClock(source: () => bigint): void {
    this.clock.source = source;
  }

  /** Move the clock to the present (a step, if views have changes due by then). */
  syncClock(): void {
    this.ticks.sync();
  }

  /** A step with no input: the views' scheduled changes up to the clock's time. */
  private tickStep(): void {
    const time = this.nextTimestamp();
    let out: Map<Operator, Batch>;
    try {
      out = this.circuit.step(time, this.memory, true);
    } catch (e) {
      const torn = this.circuit.rollback();
      if (torn.size > 0) this.rebuildViews(torn);
      this.nameFailedViews(e);
      throw e;
    }
    this.notify(out, time);
    for (const l of this.commitListeners) l(time);
  }

  /** Whether view `name`'s contents follow the clock (it, or a view it reads, has a temporal filter). */
  followsClock(name: string, seen = new Set<string>()): boolean {
    const e = this.catalog.get(name);
    if (e?.kind !== 'materialized view' || seen.has(name)) return false;
    seen.add(name);
    return readsClock(e.plan) || e.dependsOn.some((d) => this.followsClock(d, seen));
  }

  /** A materialized view is being created in slices (its operators are not yet all in place). */
  get buildingViews(): boolean {
    return this.stepRecorders.size > 0;
  }

  /** The operators of indexes on materialized views, by index name. */
  viewIndexOperators(): [string, Operator][] {
    return [...this.viewIndexes].map(([name, ix]) => [name, ix.op]);
  }

  /** A commit was logged (or replayed): remember its DDL and its sources' positions for checkpoints. */
  noteLogged(ddl: readonly DdlEntry[], sources: CommitRecord['sources']): void {
    for (const d of ddl) this.ddlHistory.push(d);
    for (const s of sources) {
      const t = this.catalog.get(s.table);
      if (t?.kind !== 'table') continue;
      let m = this.sourcePositions.get(t);
      if (!m) this.sourcePositions.set(t, (m = new Map()));
      for (const [p, next] of s.positions) m.set(p, next);
    }
  }

  /** While recovery replays the log: sources created by replayed DDL start only once it is done. */
  deferredFeeds: (() => void)[] | null = null;

  /** A DDL statement took effect but its log record could not be written (see CommitLog.fail). */
  ddlNotLogged(reason: unknown): void {
    this.wal?.fail(reason);
  }

  /** Start a table's source now, or after recovery if it is under way. */
  startFeed(start: () => void): void {
    if (this.deferredFeeds) this.deferredFeeds.push(start);
    else start();
  }

  /** Open snapshots (transactions at REPEATABLE READ or SERIALIZABLE) and their timestamps. */
  private snapshots = new Map<object, number>();
  /**
   * While snapshots are open: what each commit changed (serializable validation), per table
   * the keys of the rows it deleted or inserted in each unique index.
   */
  private writeLog: { at: number; tables: KeySets }[] = [];

  /** Start a snapshot for `owner` at the last commit; close it with closeSnapshot. */
  openSnapshot(owner: object): number {
    this.snapshots.set(owner, this.timestamp);
    return this.timestamp;
  }

  closeSnapshot(owner: object): void {
    if (!this.snapshots.delete(owner)) return;
    if (this.snapshots.size === 0) {
      this.writeLog = [];
      return;
    }
    const oldest = this.horizon()!;
    let k = 0;
    while (k < this.writeLog.length && this.writeLog[k].at <= oldest) k++;
    if (k > 0) this.writeLog.splice(0, k);
  }

  /** The oldest open snapshot's timestamp: what is older no snapshot can see. Null if none is open. */
  private horizon(): number | null {
    return this.snapshots.size > 0 ? Math.min(...this.snapshots.values()) : null;
  }

  /**
   * A table whose change by a commit after `since` would change what was read: `whole`,
   * tables read whole; `keys`, lookups by key in unique indexes. Null if none.
   */
  changedSince(since: number, whole: ReadonlySet<TableEntry>, keys: KeySets): TableEntry | null {
    for (const w of this.writeLog) {
      if (w.at <= since) continue;
      for (const [t, written] of w.tables) {
        if (whole.has(t)) return t;
        const looked = keys.get(t);
        if (!looked) continue;
        for (const [index, ks] of looked) {
          const changed = written.get(index);
          if (changed) for (const k of ks) if (changed.has(k)) return t;
        }
      }
    }
    return null;
  }

  private nextTimestamp(): number {
    this.timestamp = Math.max(this.timestamp + 1, Date.now());
    return this.timestamp;
  }

  // ---- tables ---------------------------------------------------------------------------

  /** `orderedPk`: see TableStore (false for a source's table). */
  addTable(entry: Omit<TableEntry, 'store' | 'source' | 'oid'>, orderedPk = true): TableEntry {
    const types = entry.columns.map((c) => c.type);
    const store = new TableStore(types, entry.primaryKey ? { name: `${entry.name}_pkey`, cols: entry.primaryKey } : null, entry.appendOnly ? entry.name : null, orderedPk);
    // an append-only table keeps no rows: a view created over it starts from now
    const source = new SourceOp(types, entry.appendOnly ? () => emptyBatch(types) : () => store.scan(), entry.name, !entry.appendOnly);
    const full: TableEntry = { ...entry, oid: this.catalog.allocOid(), store, source };
    this.catalog.add(full);
    this.circuit.add([source]);
    return full;
  }

  /**
   * Apply one transaction's changes atomically at a new timestamp: tables first, then one
   * circuit step. If a view cannot be maintained (an error in one of its expressions), the
   * transaction is undone: the tables by their own undo, the operators the step reached by
   * their logs (circuit.rollback); a view whose operators cannot undo is rebuilt.
   */
  commit(changes: Map<TableEntry, TableChanges>, meta?: CommitMeta): number {
    if (changes.size === 0) return this.logWithoutChanges(meta);
    this.finishPendingCommit();
    this.ticks.sync();
    return runSync(this.commitWork(changes, meta));
  }

  /** A transaction that changed no rows: only its DDL (or a source's position) is logged. */
  private logWithoutChanges(meta: CommitMeta | undefined): number {
    if (this.wal && (meta?.ddl?.length || meta?.sources?.length)) {
      this.lastCommitLsn = this.wal.append({ time: this.timestamp, ddl: meta.ddl ?? [], tables: [], sources: meta.sources ?? [] });
      this.noteLogged(meta.ddl ?? [], meta.sources ?? []);
    }
    return this.timestamp;
  }

  /**
   * A commit being run in slices by commitSliced(), or null. While it is, the tables hold its
   * rows and the views part of its change: every other use of the engine's state must first
   * wait for it (`pendingCommit.done`) or finish it (finishPendingCommit).
   */
  pendingCommit: PendingCommit | null = null;
  /** Work per slice of a sliced commit before it pauses (ms; tests set 0 to pause at every one). */
  commitSliceMs = SLICE_MS;

  /** Run the rest of the pending commit now (its owner gets its outcome). */
  finishPendingCommit(): void {
    this.pendingCommit?.finish();
  }

  /**
   * commit(), in slices: the tables' changes in chunks of rows and the circuit step in parts
   * of readChunkRows input rows, awaiting `pause()` between slices so that other clients are
   * served. If pause throws (a cancel, a timeout) before the commit is complete, it is undone
   * and the error passes on.
   */
  async commitSliced(changes: Map<TableEntry, TableChanges>, pause: () => Promise<void>, meta?: CommitMeta): Promise<number> {
    // nothing to commit (a read's transaction): no need to wait for one under way
    if (changes.size === 0) return this.logWithoutChanges(meta);
    while (this.pendingCommit) await this.pendingCommit.done;
    this.ticks.sync();
    const pc = new PendingCommit(this.commitWork(changes, meta), () => (this.pendingCommit = null));
    this.pendingCommit = pc;
    let start = performance.now();
    while (!pc.advance()) {
      if (performance.now() - start < this.commitSliceMs) continue;
      try {
        await pause();
      } catch (e) {
        if (pc.cancel()) throw e;
      }
      start = performance.now();
    }
    return pc.outcome();
  }

  /** The commit as a Work: yields between chunks of rows. */
  *commitWork(changes: Map<TableEntry, TableChanges>, meta?: CommitMeta): Work<number> {
    if (changes.size === 0) return this.logWithoutChanges(meta);
    // deletes are timed for the snapshots open now (a later one sees them all)
    const keep = this.snapshots.size > 0;
    const time = meta?.time !== undefined ? (this.timestamp = Math.max(this.timestamp + 1, meta.time)) : this.nextTimestamp();
    // what the log records of each table (deleted rows by value: ids do not survive a restart)
    const wal = this.wal;
    const logged: LoggedTable[] = [];
    // what was applied to each table, to undo it: deleted ids, inserted ids, one range of ids
    const applied: { table: TableEntry; deleted: number[]; inserted: number[]; first: number; count: number }[] = [];
    const deltas: [TableEntry, Batch[]][] = [];
    let stepped = false;
    let done = false;
    // with snapshots open: the keys each table's change touches, per unique index
    const writtenKeys: KeySets | null = keep ? new Map() : null;
    const chunk = this.readChunkRows;
    // watermarks: each table's state after this commit's rows, kept if the commit is
    const watermarks: [TableWatermark, ReturnType<TableWatermark['filter']>['after']][] = [];
    const loggedMarks: LoggedWatermark[] = [];
    try {
      for (let [table, ch] of changes) {
        if (table.watermark && ch.inserts.length > 0) {
          // late rows are dropped before the table, the log and the views see them
          const replayed = meta?.watermarks?.find((w) => w.table === table.name);
          const f = replayed ? table.watermark.replayed(ch.inserts, replayed) : table.watermark.filter(ch.inserts, ch.partitions);
          watermarks.push([table.watermark, f.after]);
          loggedMarks.push(table.watermark.logged(table.name, f.after));
          table.watermark.stage(f.after);
          ch = { ...ch, inserts: f.accepted };
        }
        if (this.catalog.get(table.name) !== table) {
          // dropped by another session since this transaction wrote to it
          throw new SqlError(SQLSTATE.SERIALIZATION_FAILURE, `could not serialize access: relation "${table.name}" was dropped by a concurrent transaction`);
        }
        if (ch.deletes.length > 0 && ch.idEpoch !== undefined && ch.idEpoch !== table.store.compactions) {
          // the table was compacted since this transaction read its rows: the ids are stale
          throw concurrentUpdate();
        }
        for (const id of ch.deletes) if (!table.store.isLive(id)) throw concurrentUpdate();
        const b = new BatchBuilder(table.store.types, ch.deletes.length + (table.store.uniques.length ? ch.inserts.length : 0));
        const rec = { table, deleted: [] as number[], inserted: [] as number[], first: 0, count: 0 };
        applied.push(rec);
        writtenKeys?.set(table, new Map());
        const cleared = ch.deletes.length > 0 && ch.deletes.length === table.store.size;
        const deletedRows: Row[] = [];
        if (wal) logged.push({ name: table.name, cleared, deletes: deletedRows, inserts: ch.inserts });
        for (const id of ch.deletes) {
          const row = table.store.delete(id, keep ? time : undefined);
          if (wal && !cleared) deletedRows.push(row);
          if (writtenKeys) noteWrittenKeys(writtenKeys, table, row);
          b.push(row, -1);
          rec.deleted.push(id);
          if (rec.deleted.length % chunk === 0) yield;
        }
        const delta: Batch[] = [];
        if (table.store.uniques.length === 0) {
          // no key to check row by row: append the inserts to the table column by column, a
          // chunk at a time (the ids of a table's appends are consecutive)
          if (b.length > 0) delta.push(b.finish());
          const n = ch.inserts.length;
          for (let from = 0; from < n; from += chunk) {
            const to = Math.min(n, from + chunk);
            const whole = from === 0 && to === n;
            const part = whole ? ch.inserts : Array.isArray(ch.inserts) ? ch.inserts.slice(from, to) : sliceBatch(ch.inserts, from, to);
            const ins = Array.isArray(part) ? batchFromRows(table.store.types, part) : part;
            const first = table.store.insertBatch(ins);
            if (from === 0) rec.first = first;
            rec.count += table.store.keepsRows ? ins.length : 0;
            delta.push(ins);
            if (to < n) yield;
          }
        } else {
          for (const row of insertRows(ch.inserts)) {
            // another session may have committed the same key since this transaction checked it
            for (const u of table.store.uniques) {
              const key = u.keyOf(row);
              if (key !== undefined && u.map.has(key)) throw duplicateKey(table, u, row);
            }
            rec.inserted.push(table.store.insert(row));
            if (writtenKeys) noteWrittenKeys(writtenKeys, table, row);
            b.push(row, 1);
            if (rec.inserted.length % chunk === 0) yield;
          }
          delta.push(b.finish());
        }
        deltas.push([table, delta]);
      }
      stepped = true;
      // the log record is written once the step has succeeded and before it settles: a
      // failure to write it (disk full) undoes the commit like any failure of its step
      const writeAhead = wal
        ? () => {
            this.lastCommitLsn = wal.append({ time, ddl: meta?.ddl ?? [], tables: logged, sources: meta?.sources ?? [], watermarks: loggedMarks });
            this.noteLogged(meta?.ddl ?? [], meta?.sources ?? []);
          }
        : undefined;
      const out = yield* this.stepInParts(deltas, time, writeAhead);
      const horizon = this.horizon();
      for (const rec of applied) rec.table.store.versions.committed(time, rec.table.store.logLength, horizon);
      if (writtenKeys) this.writeLog.push({ at: time, tables: writtenKeys });
      for (const [r, copies] of out.recorded) r.keep(copies);
      this.notify(out.watched, time);
      for (const l of this.commitListeners) l(time);
      for (const rec of applied) rec.table.store.maybeCompact(horizon);
      for (const [w, after] of watermarks) w.keep(after);
      done = true;
      this.ticks.committed();
      return time;
    } catch (e) {
      this.nameFailedViews(e);
      throw e;
    } finally {
      // an error, or the work closed before its end (a cancel): undo everything
      if (!done) {
        for (const [w] of watermarks) w.unstage();
        for (const rec of applied.reverse()) {
          for (const id of rec.inserted) rec.table.store.delete(id);
          for (let k = 0; k < rec.count; k++) rec.table.store.delete(rec.first + k);
          for (const id of rec.deleted) rec.table.store.undelete(id);
        }
        for (const src of changes.keys()) (src.source as SourceOp).push(emptyBatch(src.store.types));
        // a failure before the step (a key taken meanwhile) left every view as it was; one in
        // the step is undone by the operators themselves, except where one cannot (rebuilt)
        if (stepped) {
          const undoable = this.circuit.failedStep !== null || this.circuit.stepUnderWay;
          const torn = undoable ? this.circuit.rollback() : new Set(this.circuit.operators());
          if (torn.size > 0) this.rebuildViews(torn);
        }
      }
    }
  }

  /**
   * The circuit step of a commit, in parts of at most readChunkRows input rows (one step when
   * the change is smaller), yielding between parts. Returns the outputs that are passed on
   * after the commit: of the operators someone listens to, summed over the parts, and what
   * the views being built meanwhile (stepRecorders) copied of each part.
   */
  private *stepInParts(deltas: readonly [TableEntry, Batch[]][], time: number, beforeSettle?: () => void): Work<{ watched: Map<Operator, Batch>; recorded: Map<StepRecorder, Map<Operator, Batch>[]> }> {
    const recorded = new Map([...this.stepRecorders].map((r) => [r, [] as Map<Operator, Batch>[]]));
    const record = (out: Map<Operator, Batch>) => {
      for (const [r, copies] of recorded) copies.push(r.copy(out));
    };
    const total = deltas.reduce((n, [, d]) => n + d.reduce((m, b) => m + b.length, 0), 0);
    if (total <= this.readChunkRows) {
      for (const [table, delta] of deltas) (table.source as SourceOp).push(delta.length === 1 ? delta[0] : concatBatches(table.store.types, delta));
      const out = this.circuit.step(time, this.memory, true, beforeSettle);
      record(out);
      return { watched: out, recorded };
    }
    // outputs are reused by the next part: what is passed on later is copied
    const watched = new Set<Operator>(this.queryWatches.size ? [...this.queryWatches].map((w) => w.output) : []);
    for (const [name, set] of this.listeners) {
      const e = set.size > 0 ? this.catalog.get(name) : undefined;
      if (e?.kind === 'table') watched.add(e.source);
      else if (e?.kind === 'materialized view') watched.add(e.output);
    }
    const sums = new Map<Operator, BatchBuilder>();
    for (const [table, batches] of deltas) {
      for (const delta of batches) {
        for (let from = 0; from < delta.length; from += this.readChunkRows) {
          (table.source as SourceOp).push(sliceBatch(delta, from, Math.min(delta.length, from + this.readChunkRows)));
          const out = this.circuit.stepPart(time, this.memory);
          for (const op of watched) {
            const d = out.get(op);
            if (!d || d.length === 0) continue;
            let sum = sums.get(op);
            if (!sum) sums.set(op, (sum = new BatchBuilder(d.types, d.length)));
            sum.appendBatch(d, null);
          }
          record(out);
          yield;
        }
      }
    }
    this.circuit.endStep(beforeSettle);
    return { watched: new Map([...sums].map(([op, b]) => [op, b.finish()])), recorded };
  }

  /** An error of view maintenance says which materialized views it stopped (CONTEXT). */
  private nameFailedViews(e: unknown): void {
    const op = failedOperator(e);
    if (!op || !(e instanceof SqlError) || e.where) return;
    const names: string[] = [];
    for (const v of this.catalog.all()) {
      if (v.kind !== 'materialized view') continue;
      const seen = new Set<Operator>();
      const reaches = (o: Operator): boolean => o === op || (!seen.has(o) && (seen.add(o), o.inputs.some(reaches)));
      if (reaches(v.output)) names.push(`"${v.name}"`);
    }
    if (names.length > 0) e.where = `while maintaining materialized view${names.length > 1 ? 's' : ''} ${names.join(', ')}`;
  }

  // ---- materialized views ------------------------------------------------------------------

  /** Build, hydrate and register a materialized view's dataflow. Nothing changes if it fails. */
  addMaterializedView(entry: Omit<MaterializedViewEntry, 'output' | 'operators' | 'oid'>): MaterializedViewEntry {
    this.lastViewOwnArrangements = !this.shareArrangements;
    const built = this.buildView(entry.plan, this.memory, true, entry.emit);
    const full: MaterializedViewEntry = { ...entry, oid: this.catalog.allocOid(), output: built.output, operators: built.created };
    this.catalog.add(full);
    return full;
  }

  /**
   * addMaterializedView as a Work, for views over big inputs: the new operators are fed their
   * inputs' contents (captured now) in chunks, yielding between them, and then the changes
   * committed meanwhile, one commit per step, in order; the view joins the circuit right after
   * the last of them, in the same synchronous stretch, so it misses no commit and sees none
   * twice. Writers never wait. Its arrangements are its own (an existing shared one already
   * holds everything, so it could not be fed in chunks); later views may share them. Small
   * inputs (up to readChunkRows rows) take the one-step path of addMaterializedView.
   */
  *addMaterializedViewWork(entry: Omit<MaterializedViewEntry, 'output' | 'operators' | 'oid'>): Work<MaterializedViewEntry> {
    this.circuit.loadDeferred(); // the new operators may read any existing one
    // over an append-only table (nothing to feed in slices)
    if (entry.emit) return this.addMaterializedView(entry);
    const created: Operator[] = [];
    const shared: ArrangeOp[] = [];
    const cx = this.viewLowering(created, shared, () => undefined);
    const root = lower(entry.plan, cx);
    let output: Operator = root;
    if (root.snapshot() === undefined || !keepsWholeOutput(root)) {
      output = new IntegrateOp(root, onlyInserts(entry.plan, this.catalog));
      created.push(output);
    }
    const isNew = new Set(created);
    const existing = [...new Set(created.flatMap((op) => op.inputs.filter((i) => !isNew.has(i))))];
    const contents = new Map(existing.map((op) => [op, op.snapshot()!] as const));
    const total = Math.max(0, ...[...contents.values()].map((b) => b.length));
    this.lastViewOwnArrangements = total > this.readChunkRows;
    if (total <= this.readChunkRows) return this.addMaterializedView(entry);
    const recorded: Map<Operator, Batch>[] = [];
    const recorder: StepRecorder = {
      copy: (out) => {
        const m = new Map<Operator, Batch>();
        for (const op of existing) {
          const d = out.get(op);
          if (!d || d.length === 0) continue;
          const copy = new BatchBuilder(d.types, d.length); // outputs are reused by the next step
          copy.appendBatch(d, null);
          m.set(op, copy.finish());
        }
        return m;
      },
      keep: (copies) => {
        for (const m of copies) if (m.size > 0) recorded.push(m);
      },
    };
    this.stepRecorders.add(recorder);
    try {
      const ordered = [...created].sort((a, b) => a.id - b.id);
      const step = (given: (op: Operator) => Batch | undefined, hydrating: boolean) => {
        const ctx = { time: this.timestamp, hydrating, memory: this.memory };
        const out = new Map<Operator, Batch>();
        for (const op of ordered) {
          const inputs = op.inputs.map((i) => (isNew.has(i) ? out.get(i) : given(i)) ?? emptyBatch(i.types));
          if (!hydrating && op.inputs.length > 0 && inputs.every((b) => b.length === 0)) continue;
          out.set(op, op.step(inputs, ctx));
        }
      };
      // nothing from the inputs first: a global aggregate's row, a VALUES or series leaf's rows
      step(() => undefined, true);
      // chunks adapt so that one takes about a slice, as in a chunked read
      let size = this.readChunkRows;
      for (let from = 0, next = 0; from < total; from = next) {
        yield;
        next = Math.min(total, from + size);
        const started = performance.now();
        step((op) => {
          const b = contents.get(op)!;
          return from < b.length ? sliceBatch(b, from, Math.min(b.length, next)) : undefined;
        }, false);
        const took = performance.now() - started;
        if (took > 2 * SLICE_MS) size = Math.max(Math.min(1024, this.readChunkRows), size >> 1);
        else if (took < SLICE_MS / 2) size = Math.min(4 * this.readChunkRows, size * 2);
      }
      // the commits since the contents were captured, oldest first
      for (;;) {
        yield;
        const m = recorded.shift();
        if (!m) break;
        step((op) => m.get(op), false);
      }
      // from here on nothing else runs until the view is in place
      const live = new Set(this.circuit.operators());
      if (existing.some((op) => !live.has(op)) || this.catalog.has(entry.name)) {
        throw new SqlError(this.catalog.has(entry.name) ? SQLSTATE.DUPLICATE_TABLE : SQLSTATE.UNDEFINED_TABLE,
          this.catalog.has(entry.name) ? `relation "${entry.name}" already exists` : 'a relation the materialized view reads was dropped or rebuilt while it was being created');
      }
      for (const op of created) {
        const due = op.gatedErrors?.due();
        if (due) throw due;
      }
      this.circuit.add(created);
      for (const a of shared) {
        if (integrated(a.inputs[0])) this.arrangements.set(arrangementKey(a.inputs[0], a.keyCols), a);
      }
      const full: MaterializedViewEntry = { ...entry, oid: this.catalog.allocOid(), output, operators: created };
      this.catalog.add(full);
      return full;
    } finally {
      this.stepRecorders.delete(recorder);
    }
  }

  /** How a maintained dataflow is lowered: into `created`, its arrangements listed in `shared`. */
  private viewLowering(created: Operator[], shared: ArrangeOp[], findArrangement: LowerContext['findArrangement']): LowerContext {
    return {
      leaf: (rel) => this.leafOperator(rel, created),
      findArrangement,
      params: [],
      created,
      sharedArrangements: shared,
      clock: this.clock,
      shareSubplans: new Map(),
      insertOnly: (p) => onlyInserts(p, this.catalog),
      windowOf: (p, e) => {
        const w = windowOfExpr(p, e, this.catalog);
        const t = w && this.catalog.get(w.table);
        return w && t?.kind === 'table' && t.watermark ? { endOffset: w.endOffset, watermark: t.watermark } : null;
      },
      groupWindow: (p) => this.closingWindow(closingGroupColumn(p, this.catalog)),
      partitionWindow: (t) => this.closingWindow(closingPartitionColumn(t.input, t.partitionBy, this.catalog)),
    };
  }

  /** A closing column (emit_on_close.ts) with its table's watermark, or null. */
  private closingWindow(w: { col: number; endOffset: bigint; table: string } | null): { col: number; endOffset: bigint; watermark: TableWatermark } | null {
    const t = w && this.catalog.get(w.table);
    return w && t?.kind === 'table' && t.watermark ? { col: w.col, endOffset: w.endOffset, watermark: t.watermark } : null;
  }

  /** `integrate`: keep the contents (a view, a subscription with a snapshot); without, only the changes flow. */
  private buildView(plan: Plan, memory: MemoryBudget | undefined = this.memory, integrate = true, emit?: EmitOnClose): { output: Operator; created: Operator[] } {
    this.circuit.loadDeferred(); // the new operators may read any existing one
    const created: Operator[] = [];
    const shared: ArrangeOp[] = [];
    const cx = this.viewLowering(created, shared, (input, keys) => (this.shareArrangements ? this.arrangements.get(arrangementKey(input, keys)) : undefined));
    let root = lower(plan, cx);
    if (emit) {
      // rows wait until their window closes
      const table = this.catalog.get(emit.table);
      if (table?.kind !== 'table' || !table.watermark) throw internalError(`emit on window close over "${emit.table}", which has no watermark`);
      // (an aggregate by the window below forgets closed windows itself: closing_groups.ts)
      root = new WindowCloseOp(root, emit.col, emit.endOffset, table.watermark);
      created.push(root);
    }
    // A view needs its contents integrated somewhere. Operators that keep their whole output
    // (aggregates, table sources, other views) serve as the view's state themselves; anything
    // else gets an IntegrateOp.
    let output: Operator = root;
    if (integrate && (root.snapshot() === undefined || !keepsWholeOutput(root))) {
      output = new IntegrateOp(root, onlyInserts(plan, this.catalog));
      created.push(output);
    }
    // restoring a checkpoint: the operators' state is loaded instead
    if (!this.restoring) hydrate(created, this.timestamp, memory);
    this.circuit.add(created);
    for (const a of shared) {
      // only arrangements of integrated collections (tables, views) can be shared safely
      if (integrated(a.inputs[0])) {
        this.arrangements.set(arrangementKey(a.inputs[0], a.keyCols), a);
      }
    }
    this.ticks.schedule();
    return { output, created };
  }

  /** CREATE INDEX on a materialized view: order its contents by `cols`, kept up to date from now on. */
  addViewIndex(name: string, view: MaterializedViewEntry, cols: readonly number[]): void {
    this.circuit.loadDeferred(); // the new operators may read any existing one
    const op = new OrderedArrangeOp(view.output, cols);
    if (!this.restoring) hydrate([op], this.timestamp);
    this.circuit.add([op]);
    this.viewIndexes.set(name, { view: view.name, cols, op });
  }

  dropViewIndex(name: string): void {
    if (this.viewIndexes.delete(name)) this.collectGarbage();
  }

  /** The indexes of a materialized view, for access paths: ordered, as a table's plain indexes. */
  private viewIndexInfo(view: string): IndexInfo[] {
    const out: IndexInfo[] = [];
    for (const [name, ix] of this.viewIndexes) if (ix.view === view) out.push({ name, cols: ix.cols, hash: false, ordered: true });
    return out;
  }

  viewIndexCandidates(path: AccessPath, params: readonly Value[], limit = Infinity): Batch | null {
    const ix = this.viewIndexes.get(path.index.name);
    return ix ? viewCandidates(ix.op.arrangement, path, params, limit) : null;
  }

  private leafOperator(relation: string, created: Operator[]): Operator {
    const series = parseSeriesRelation(relation);
    if (series) {
      const rows = seriesWhole(series);
      const op = new SnapshotOp(seriesTypes(series), () => rows);
      created.push(op);
      return op;
    }
    const e = this.catalog.resolve(relation);
    if (e.kind === 'table') return e.source;
    if (e.kind === 'materialized view') return e.output;
    throw internalError(`view ${relation} was not inlined`);
  }

  /** Drop a relation (and, with cascade, its dependents); raise 2BP01 otherwise. */
  drop(name: string, cascade: boolean): CatalogEntry[] {
    const order = this.catalog.dropOrder(name);
    if (order.length > 1 && !cascade) {
      const target = order[order.length - 1];
      const deps = order.slice(0, -1);
      throw new SqlError(
        SQLSTATE.DEPENDENT_OBJECTS_STILL_EXIST,
        `cannot drop ${target.kind} ${name} because other objects depend on it`,
        {
          detail: deps.map((d) => `${d.kind} ${d.name} depends on ${dependencyTarget(d, order)}`).join('\n'),
          hint: 'Use DROP ... CASCADE to drop the dependent objects too.',
        },
      );
    }
    const ended: [(reason: SqlError) => void, string][] = [];
    for (const e of order) {
      this.catalog.remove(e.name);
      if (e.kind === 'table' && e.feed) void e.feed.stop();
      for (const onEnd of this.listeners.get(e.name)?.values() ?? []) if (onEnd) ended.push([onEnd, e.name]);
      this.listeners.delete(e.name);
    }
    for (const [onEnd, name] of ended) onEnd(droppedError(name));
    const dropped = new Set(order.map((e) => e.name));
    for (const w of [...this.queryWatches]) {
      const gone = [...w.deps].find((d) => dropped.has(d));
      if (gone !== undefined) this.endQueryWatch(w, droppedError(gone));
    }
    this.collectGarbage();
    return order;
  }

  /**
   * drop(), and how to undo it: put the same entries back (tables with their rows, which no
   * one else could change meanwhile: the transaction holds their names), views rebuilt, with
   * their indexes. For a DROP in a transaction that is rolled back.
   */
  dropUndoable(name: string, cascade: boolean): { dropped: CatalogEntry[]; undo: () => void } {
    const aside = this.indexesOf(new Set(this.catalog.dropOrder(name).map((e) => e.name)));
    const dropped = this.drop(name, cascade);
    // creation order: what a view reads is back before it
    return { dropped, undo: () => this.putBack([...dropped].reverse(), aside) };
  }

  /** The indexes of `names` (catalog entries, and the arrangements of views' indexes), to put back later. */
  private indexesOf(names: ReadonlySet<string>): { indexes: IndexEntry[]; viewIndexes: [string, { view: string; cols: readonly number[] }][] } {
    return {
      indexes: [...this.catalog.indexes.values()].filter((ix) => names.has(ix.relation)),
      viewIndexes: [...this.viewIndexes].filter(([, ix]) => names.has(ix.view)),
    };
  }

  /**
   * Put relations taken out of the catalog back, in creation order, with their indexes:
   * tables as they were (nothing can have changed them), materialized views rebuilt from
   * their plans over what is there now. No memory check may stop this: it held before.
   */
  private putBack(entries: readonly CatalogEntry[], aside: ReturnType<Engine['indexesOf']>): void {
    for (const e of entries) {
      if (e.kind === 'materialized view') {
        const built = this.buildView(e.plan, undefined);
        e.output = built.output;
        e.operators = built.created;
      }
      this.catalog.add(e, true);
      if (e.kind === 'table') this.circuit.add([e.source]);
    }
    for (const ix of aside.indexes) this.catalog.indexes.set(ix.name, ix);
    for (const [name, ix] of aside.viewIndexes) this.addViewIndex(name, this.catalog.get(ix.view) as MaterializedViewEntry, ix.cols);
  }

  private collectGarbage(): void {
    // an index goes with its view (the catalog drops a relation's indexes with it)
    for (const [name, ix] of this.viewIndexes) if (!this.catalog.indexes.has(name) || this.catalog.get(ix.view)?.kind !== 'materialized view') this.viewIndexes.delete(name);
    const roots: Operator[] = [...[...this.queryWatches].map((w) => w.output), ...[...this.viewIndexes.values()].map((ix) => ix.op)];
    for (const e of this.catalog.all()) {
      if (e.kind === 'table') roots.push(e.source);
      else if (e.kind === 'materialized view') roots.push(e.output);
    }
    const dead = new Set(this.circuit.collectGarbage(roots));
    for (const [k, a] of this.arrangements) if (dead.has(a)) this.arrangements.delete(k);
  }

  /**
   * After a failed step: recreate, from the restored tables, the dataflow of every view and
   * subscribed query downstream of an operator that could not undo the step (its state holds
   * part of the undone change). Other views keep their dataflows, and so do their
   * subscribers. Table sources hold no state. (Rebuilt views move to the end of the dataflow's
   * order, which decides whose error a later commit reports when several views fail on it.)
   */
  private rebuildViews(ran: ReadonlySet<Operator>): void {
    const torn = new Map<Operator, boolean>();
    const isTorn = (op: Operator): boolean => {
      let t = torn.get(op);
      if (t === undefined) {
        torn.set(op, false); // operators form a DAG; this only guards the recursion
        t = (ran.has(op) && !(op instanceof SourceOp)) || op.inputs.some(isTorn);
        torn.set(op, t);
      }
      return t;
    };
    const views = this.catalog.all().filter((e): e is MaterializedViewEntry => e.kind === 'materialized view' && isTorn(e.output));
    // query dataflows that saw part of the failed step cannot be trusted any more
    for (const w of [...this.queryWatches]) {
      if (isTorn(w.output)) this.endQueryWatch(w, new SqlError(SQLSTATE.QUERY_CANCELED, 'subscription ended: a failed transaction forced its dataflow to be rebuilt; subscribe again'));
    }
    if (views.length === 0) return this.collectGarbage();
    // a view over an append-only table cannot be rebuilt: the table no longer has its rows
    const lost = views.filter((v) => readsAppendOnly(v.output));
    // the views' indexes stay: set aside while the views are out of the catalog
    const aside = this.indexesOf(new Set(views.map((v) => v.name)));
    for (const v of views) this.catalog.remove(v.name);
    this.collectGarbage();
    this.putBack(views, aside);
    for (const v of lost) {
      v.broken = new SqlError(SQLSTATE.OBJECT_NOT_IN_PREREQUISITE_STATE, `materialized view "${v.name}" has lost its contents`, {
        detail: 'A transaction failed while maintaining it, and an append-only table it reads keeps no rows to rebuild it from.',
        hint: 'Drop and re-create the view; it will see the rows that arrive from then on.',
      });
      for (const onEnd of this.listeners.get(v.name)?.values() ?? []) onEnd?.(v.broken);
      this.listeners.delete(v.name);
    }
  }

  // ---- reads and subscriptions --------------------------------------------------------------

  /**
   * Evaluate a query plan once over the current state (tables as `tables` gives them,
   * so a session sees its own uncommitted writes; views as of the last commit). `extra` names
   * batches that scans of those (non-catalog) names read.
   */
  read(plan: Plan, params: readonly Value[], tables: TableReader, extra?: Map<string, Batch>): Row[] {
    return runSync(this.readWork(plan, params, tables, { extra }))!;
  }

  /**
   * read(), for long queries: the inputs (captured now, so the result is of this timestamp
   * whatever commits meanwhile) are fed through the read's dataflow in chunks, and the work
   * (chunks, sorting, window functions) is done in slices, awaiting `pause()` between them so
   * other clients are served. The dataflow is incremental, so the sum of its outputs over the
   * chunks is the result of the whole input. With a `sink`, a result that needs no sorting or
   * consolidation goes to it as it is produced (then the promise gives null); `urgent` asks for
   * a pause before the slice is over (the client's socket is full).
   */
  async readChunked(plan: Plan, params: readonly Value[], tables: TableReader, pause: () => Promise<void>, sink?: RowSink, urgent?: () => boolean): Promise<Row[] | null> {
    return runSliced(this.readWork(plan, params, tables, { chunked: true, sink }), pause, urgent);
  }

  /** A read as a Work; null when the rows went to `sink`. */
  readWork(plan: Plan, params: readonly Value[], tables: TableReader, o: ReadOptions): Work<Row[] | null> {
    return this.readSteps(plan, params, tables, o);
  }

  private *readSteps(plan: Plan, params: readonly Value[], tables: TableReader, o: ReadOptions): Work<Row[] | null> {
    // a point or short range read through an index: answered at once (its errors, if any,
    // are reported by the general read below, which raises them again)
    if (!o.extra?.size && o.quick !== false) {
      const quick = quickReadOrNull(this, plan, params, tables);
      if (quick !== null) return quick;
    }
    // window functions and SELECT-list set-returning functions: computed over their input's rows
    const extra = new Map(o.extra ?? []);
    const inner = { extra, chunked: o.chunked };
    if (this.ticks.error !== null) this.checkClockBehind(plan);
    // mz_now() (in views inlined for a transaction's own view of the tables, or written): the time its views are at
    if (readsClock(plan)) plan = substituteClock(plan, tables.clock?.() ?? this.clock.current);
    plan = yield* materializeReadOnly(plan, params, (p) => this.readSteps(p, params, tables, inner) as Work<Row[]>, extra);
    const r = this.prepareRead(plan, params, tables, extra);
    const chunkRows = this.readChunkRows;
    const total = Math.max(0, ...r.leaves.map((l) => l.length));
    // A join whose output for a step would not fit the memory budget fails the step before
    // allocating it; a chunked read then starts over on the same captured inputs in smaller
    // chunks (the failed step left its operators' state torn), down to one row per chunk, and
    // one input at a time: then no step joins two new chunks, whose pairs a join must
    // consolidate. Rows already streamed cannot be taken back: a streamed read that sent some fails.
    const smaller = (e: unknown, rows: number): number => {
      if (!o.chunked || !(e instanceof MemoryLimitError) || !e.perStep || rows <= 1) throw e;
      return Math.max(1, Math.floor((rows * e.allowed) / e.needed / 2));
    };
    let rr = r;
    let chunk = chunkRows;
    let oneAtATime = false;
    if (!o.chunked || total <= chunkRows) {
      try {
        // one step: every leaf's whole input at hydration
        for (const l of r.leaves) l.hydrateWith = l.whole();
        const outputs = hydrate(r.created, this.timestamp, this.memory);
        const result = r.created.length === 0 ? emptyBatch(r.root.types) : outputs.get(r.root)!;
        return yield* this.finishReadSteps(r, result, params);
      } catch (e) {
        chunk = smaller(e, total);
        oneAtATime = true;
        rr = this.relower(r, params);
      }
    }
    const stream = o.sink && r.finish.sort === null && readInsertsOnly(r.body) ? new ResultStream(o.sink, r, params) : null;
    for (;;) {
      try {
        return yield* this.runChunks(rr, params, stream, chunk, oneAtATime);
      } catch (e) {
        if (stream?.sent) throw e;
        chunk = smaller(e, Math.min(chunk, total));
        oneAtATime = true;
        rr = this.relower(rr, params);
      }
    }
  }

  /** A read of a view that follows the clock, while the last tick failed: its error, naming the view. */
  private checkClockBehind(plan: Plan): void {
    const visit = (p: Plan): void => {
      if (p.kind === 'scan' && this.followsClock(p.relation)) {
        const e = this.ticks.error;
        if (e instanceof SqlError) throw new SqlError(e.code, e.message, { hint: e.hint, where: e.where, detail: `The views that follow the clock cannot move past ${formatValue(this.clock.current, T.timestamptz)}: the change due then fails.${e.detail ? ' ' + e.detail : ''}` });
        throw e;
      }
      planChildren(p).forEach(visit);
    };
    visit(plan);
  }

  /** The chunks of a read through its dataflow; null when the rows went to `stream`. */
  private *runChunks(r: PreparedRead, params: readonly Value[], stream: ResultStream | null, chunkRows: number, oneAtATime: boolean): Work<Row[] | null> {
    const time = this.timestamp;
    // the sum of the outputs, copied at once: an operator may reuse its output buffer next step
    let sum = new BatchBuilder(r.root.types, 64);
    let retractions = false;
    let consolidateAt = 1 << 16;
    const circuit = new Circuit();
    const take = function* (out: Batch | undefined): Work<boolean> {
      if (!out || out.length === 0) return false;
      if (stream) return yield* stream.push(out); // true: LIMIT reached, the rest is never computed
      for (let i = 0; i < out.length && !retractions; i++) retractions = out.weights[i] < 0;
      sum.appendBatch(out, null);
      if (retractions && sum.length > consolidateAt) {
        // an aggregate's updates cancel out: keep the sum about the size of the result
        const c = yield* consolidateSteps(sum.finish());
        sum = new BatchBuilder(r.root.types, c.length + 64);
        sum.appendBatch(c, null);
        consolidateAt = Math.max(1 << 16, 2 * c.length);
      }
      return false;
    };
    // empty inputs first: e.g. a global aggregate's row
    if (stream?.done || (yield* take(hydrate(r.created, time, this.memory).get(r.root)))) return null;
    circuit.add(r.created);
    // chunks start at chunkRows and adapt so that one takes about a slice
    const minChunk = Math.min(1024, chunkRows);
    const maxChunk = Math.max(chunkRows, 4 * this.readChunkRows);
    let size = chunkRows;
    // all inputs' chunks together, or (oneAtATime) each input's chunks in turn
    for (const leaves of oneAtATime ? r.leaves.map((l) => [l]) : [r.leaves]) {
      const total = Math.max(0, ...leaves.map((l) => l.length));
      for (let from = 0, next = 0; from < total; from = next) {
        yield;
        next = Math.min(total, from + size);
        const started = performance.now();
        for (const l of leaves) if (from < l.length) l.op.push(l.slice(from, Math.min(l.length, next)));
        if (yield* take(circuit.step(time, this.memory).get(r.root))) return null;
        const took = performance.now() - started;
        if (took > 2 * SLICE_MS) size = Math.max(Math.min(minChunk, size), size >> 1);
        else if (took < SLICE_MS / 2 && !oneAtATime) size = Math.min(maxChunk, size * 2);
      }
    }
    if (stream) return null;
    const result = sum.finish();
    this.memory.check(result.length, sampledRowBytes(result), "The query's result");
    return yield* this.finishReadSteps(r, result, params);
  }

  /** The same read lowered afresh over the same captured inputs (leaves in lowering order). */
  private relower(r: PreparedRead, params: readonly Value[]): PreparedRead {
    const created: Operator[] = [];
    const leaves: ReadLeaf[] = [];
    const cx: LowerContext = {
      leaf: () => {
        const old = r.leaves[leaves.length];
        const leaf: ReadLeaf = { ...old, op: new SourceOp(old.op.types, () => leaf.hydrateWith ?? emptyBatch(old.op.types), 'read'), hydrateWith: null };
        leaves.push(leaf);
        created.push(leaf.op);
        return leaf.op;
      },
      params,
      created,
      insertOnly: readInsertsOnly,
    };
    const root = lower(r.body, cx);
    return { ...r, created, root, leaves };
  }

  /** A read's dataflow, with each leaf's input captured now. */
  private prepareRead(plan: Plan, params: readonly Value[], tables: TableReader, extra?: Map<string, Batch>): PreparedRead {
    const { body, finish } = splitRead(plan);
    const narrowed = this.indexReads(body, params, tables);
    const created: Operator[] = [];
    const leaves: ReadLeaf[] = [];
    const leafOf = (types: readonly SqlType[], length: number, slice: (from: number, to: number) => Batch, whole: () => Batch): Operator => {
      const leaf: ReadLeaf = { op: new SourceOp(types, () => leaf.hydrateWith ?? emptyBatch(types), 'read'), length, slice, whole, hydrateWith: null };
      leaves.push(leaf);
      created.push(leaf.op);
      return leaf.op;
    };
    const batchLeaf = (data: Batch) => leafOf(data.types, data.length, (from, to) => sliceBatch(data, from, to), () => data);
    const cx: LowerContext = {
      leaf: (rel, scan) => {
        const given = extra?.get(rel);
        if (given) return batchLeaf(given);
        const viaIndex = scan && narrowed.get(scan);
        if (viaIndex) return batchLeaf(viaIndex);
        const series = parseSeriesRelation(rel);
        if (series) return leafOf(seriesTypes(series), seriesLength(series), (from, to) => seriesSlice(series, from, to), () => seriesWhole(series));
        const e = this.catalog.resolve(rel);
        if (e.kind === 'table') return batchLeaf(tables.contents(e));
        tables.noteRead?.(e);
        if (e.kind === 'materialized view') return batchLeaf(e.output.snapshot()!);
        throw internalError(`view ${rel} was not inlined`);
      },
      params,
      created,
      // a read's leaves give their rows once, as inserts: what only passes them on only inserts
      insertOnly: readInsertsOnly,
    };
    const root = lower(body, cx);
    return { created, root, body, finish, leaves };
  }

  /** Scans of a read that an index narrows, with the candidate rows read through it. */
  private indexReads(body: Plan, params: readonly Value[], tables: TableReader): Map<Plan, Batch> {
    const out = new Map<Plan, Batch>();
    for (const { scan, path } of this.accessPaths(body)) {
      const e = this.catalog.resolve(scan.relation);
      const rows =
        e.kind === 'table'
          ? tableCandidates(e, path, params, tables)
          : e.kind === 'materialized view'
            ? (tables.noteRead?.(e), this.viewIndexCandidates(path, params))
            : null;
      if (rows) out.set(scan, rows);
    }
    return out;
  }

  /**
   * The access path of each scan under a filter that an index can serve (also for EXPLAIN).
   * Memoized per plan (cached plans come back) while the catalog, indexes included, is unchanged.
   */
  accessPaths(body: Plan): { scan: Plan & { kind: 'scan' }; path: AccessPath }[] {
    if (!this.useIndexes) return [];
    const memo = this.accessMemo.get(body);
    if (memo && memo.version === this.catalog.version) return memo.paths;
    const out: { scan: Plan & { kind: 'scan' }; path: AccessPath }[] = [];
    this.accessMemo.set(body, { version: this.catalog.version, paths: out });
    scansUnderFilters(body, (scan, pred) => {
      const e = this.catalog.get(scan.relation);
      if (!e || (e.kind !== 'table' && e.kind !== 'materialized view')) return;
      const indexes = e.kind === 'table' ? tableIndexes(e) : this.viewIndexInfo(e.name);
      const path = chooseAccessPath(pred, scan.schema.map((f) => f.type), indexes);
      if (path) out.push({ scan, path });
    });
    return out;
  }

  private *finishReadSteps(r: PreparedRead, result: Batch, params: readonly Value[]): Work<Row[]> {
    // Consolidate only when needed: without retractions the rows keep their scan order, as a
    // PostgreSQL sequential scan returns them (INSERT … SELECT reports errors in that order).
    let positive = true;
    let rows = 0;
    for (let i = 0; i < result.length; i++) {
      positive &&= result.weights[i] > 0;
      rows += Math.abs(result.weights[i]);
    }
    // the result is expanded into row arrays (and sorted): that must fit
    this.memory.check(rows, sampledRowBytes(result) + (r.finish.sort ? 48 : 0), "The query's result");
    const expanded = yield* expand(positive ? result : yield* consolidateSteps(result));
    return yield* finishReadWork(expanded, r.finish, params, r.root.types);
  }

  /** Materialized views whose contents depend on a table (to know when a read must inline them). */
  viewsReading(table: string): Set<string> {
    const out = new Set<string>();
    for (const e of this.catalog.dropOrder(table)) if (e.kind === 'materialized view') out.add(e.name);
    return out;
  }

  /**
   * Watch a table or materialized view (by name) or a maintainable query plan (with the
   * relations it reads). A query gets a dataflow of its own, built now from current data and
   * dropped by stop(); `onEnd` is called if the watch cannot go on (a relation it reads was
   * dropped). Everything is synchronous, so the snapshot and the changes after it never
   * overlap or leave a gap.
   */
  watch(target: { relation: string } | { plan: Plan; deps: readonly string[]; snapshot?: boolean }, onChanges: ChangeListener, onEnd: (reason: SqlError) => void): Watch {
    if ('relation' in target) {
      const e = this.catalog.resolve(target.relation);
      if (e.kind === 'view') return this.watch({ plan: e.plan, deps: [e.name, ...e.dependsOn] }, onChanges, onEnd);
      const op = e.kind === 'table' ? e.source : e.output;
      const stop = this.listen(e.name, onChanges, onEnd);
      return { types: op.types, snapshot: () => (e.kind === 'table' ? e.store.scan() : e.output.snapshot()!), stop };
    }
    // without a snapshot nothing needs the query's contents: a stateless query keeps no state
    const built = this.buildView(target.plan, this.memory, target.snapshot !== false);
    const w: QueryWatch = { output: built.output, deps: new Set(target.deps), onChanges, onEnd };
    this.queryWatches.add(w);
    return {
      types: built.output.types,
      snapshot: () => built.output.snapshot()!,
      stop: () => {
        if (this.queryWatches.delete(w)) this.collectGarbage();
      },
    };
  }

  private endQueryWatch(w: QueryWatch, reason: SqlError): void {
    this.queryWatches.delete(w);
    w.onEnd(reason);
  }

  /** Called after every commit with its timestamp (SUBSCRIBE's progress messages). */
  onCommit(l: (timestamp: number) => void): () => void {
    this.commitListeners.add(l);
    return () => this.commitListeners.delete(l);
  }

  /** Changes of a table or materialized view; `onEnd` is called if it is dropped. */
  listen(view: string, l: ChangeListener, onEnd?: (reason: SqlError) => void): () => void {
    let set = this.listeners.get(view);
    if (!set) this.listeners.set(view, (set = new Map()));
    set.set(l, onEnd);
    return () => set!.delete(l);
  }

  private notify(out: Map<Operator, Batch>, time: number): void {
    for (const [name, set] of this.listeners) {
      if (set.size === 0) continue;
      const e = this.catalog.get(name);
      if (!e || (e.kind !== 'materialized view' && e.kind !== 'table')) continue;
      const changes = changesOf(out.get(e.kind === 'table' ? e.source : e.output), time);
      if (changes !== null) for (const l of set.keys()) l(changes, time);
    }
    for (const w of this.queryWatches) {
      const changes = changesOf(out.get(w.output), time);
      if (changes !== null) w.onChanges(changes, time);
    }
  }
}

/** A delta as change rows (consolidated: a step's delta may cancel out), or null when empty. */
function changesOf(delta: Batch | undefined, time: number): Change[] | null {
  if (!delta || delta.length === 0) return null;
  const c = consolidate(delta);
  if (c.length === 0) return null;
  const changes: Change[] = [];
  for (let i = 0; i < c.length; i++) changes.push({ row: rowAt(c, i), diff: c.weights[i], timestamp: time });
  return changes;
}

function keepsWholeOutput(op: Operator): boolean {
  // an aggregate that forgets closed windows keeps only the open ones
  return ((op instanceof AggregateOp || op instanceof DistinctOp) && op.closing === null) || op instanceof SetOpOp || integrated(op);
}

/** Does the operator's dataflow read an append-only table? */
function readsAppendOnly(op: Operator, seen = new Set<Operator>()): boolean {
  if (seen.has(op)) return false;
  seen.add(op);
  return (op instanceof SourceOp && !op.keepsRows) || op.inputs.some((i) => readsAppendOnly(i, seen));
}

/** Does the operator's snapshot hold a whole collection (a table that keeps its rows, a view's contents)? */
function integrated(op: Operator): boolean {
  return (op instanceof SourceOp && op.keepsRows) || op instanceof IntegrateOp;
}

function arrangementKey(input: Operator, keys: readonly number[]): string {
  return `${input.id}:${keys.join(',')}`;
}

function dependencyTarget(d: CatalogEntry, order: CatalogEntry[]): string {
  if (d.kind === 'table') return '';
  const on = order.find((o) => d.dependsOn.includes(o.name));
  return on ? `${on.kind} ${on.name}` : '';
}

/** Rows of a batch repeated by weight (a read's result must have no negative weights). */
function* expand(b: Batch): Work<Row[]> {
  const rows: Row[] = [];
  const tick = ticker();
  for (let i = 0; i < b.length; i++) {
    const w = b.weights[i];
    if (w < 0) throw internalError('negative multiplicity in a query result');
    const r = rowAt(b, i);
    for (let k = 0; k < w; k++) rows.push(k === 0 ? r : r.slice());
    if (tick()) yield;
  }
  return rows;
}

/** A streamed result: OFFSET/LIMIT and the final column selection applied as rows go out. */
class ResultStream {
  private skip: number;
  private left: number;
  constructor(
    private readonly sink: RowSink,
    private readonly r: PreparedRead,
    params: readonly Value[],
  ) {
    const { offset, limit } = limitBounds(r.finish, params);
    this.skip = offset;
    this.left = limit ?? Infinity;
  }

  /** Some output reached the stream (a read that restarts would count or send it twice). */
  sent = false;

  get done(): boolean {
    return this.left <= 0;
  }

  /** Send a chunk's output, a few hundred rows at a time; true once the LIMIT is reached. */
  *push(b: Batch): Work<boolean> {
    if (b.length > 0) this.sent = true;
    const cols = this.r.finish.columns;
    let rows: Row[] = [];
    for (let i = 0; i < b.length && this.left > 0; i++) {
      if (rows.length >= 512) {
        this.sink.rows(rows);
        rows = [];
        yield;
      }
      const w = b.weights[i];
      if (w < 0) throw internalError('negative multiplicity in a streamed query result');
      for (let k = 0; k < w && this.left > 0; k++) {
        if (this.skip > 0) {
          this.skip--;
          continue;
        }
        const row = rowAt(b, i);
        rows.push(cols ? cols.map((c) => row[c]) : row);
        this.left--;
      }
    }
    if (rows.length > 0) this.sink.rows(rows);
    return this.left <= 0;
  }
}

export function duplicateKey(table: TableEntry, u: UniqueIndex, row: readonly Value[]): SqlError {
  return new SqlError(SQLSTATE.UNIQUE_VIOLATION, `duplicate key value violates unique constraint "${u.name}"`, {
    detail: `Key (${keyText(table, u.cols, row)}) already exists.`,
  });
}

/** "(a, b)=(1, x)" as PostgreSQL words a key in constraint errors. */
export function keyText(table: TableEntry, cols: readonly number[], row: readonly Value[]): string {
  return `${cols.map((c) => table.columns[c].name).join(', ')})=(${cols.map((c) => formatValue(row[c], table.columns[c].type)).join(', ')}`;
}

/** What a view hydrated in slices takes from each commit (Engine.stepRecorders). */
interface StepRecorder {
  /** Copy what it needs of one step's (or part's) outputs. */
  copy(out: Map<Operator, Batch>): Map<Operator, Batch>;
  /** The commit succeeded: keep its copies, part by part. */
  keep(copies: Map<Operator, Batch>[]): void;
}

/**
 * A commit run in slices. Its owner advances it and others may finish it (they need the state
 * it changes); whoever ends it, the owner gets the outcome: the timestamp or the error.
 */
export class PendingCommit {
  private result: { time: number } | { error: unknown } | null = null;
  private resolve!: () => void;
  /** Settles when the commit has ended, committed or not. */
  readonly done = new Promise<void>((r) => (this.resolve = r));

  constructor(
    private readonly work: Work<number>,
    private readonly onEnd: () => void,
  ) {}

  /** Run one slice; true when the commit has ended. */
  advance(): boolean {
    if (this.result !== null) return true;
    try {
      const r = this.work.next();
      if (!r.done) return false;
      this.end({ time: r.value });
    } catch (error) {
      this.end({ error });
    }
    return true;
  }

  /** Run it to its end. */
  finish(): void {
    while (!this.advance());
  }

  /** Stop it before its end (undone); false when it had already ended. */
  cancel(): boolean {
    if (this.result !== null) return false;
    try {
      this.work.return(undefined as never);
    } finally {
      this.end({ error: null });
    }
    return true;
  }

  outcome(): number {
    const r = this.result!;
    if ('error' in r) throw r.error;
    return r.time;
  }

  private end(result: { time: number } | { error: unknown }): void {
    this.result = result;
    this.onEnd();
    this.resolve();
  }
}
