// Recovery: replay the write-ahead log into a fresh engine. Each record is one committed
// transaction: its DDL runs again through a session (with the settings it was run with), its
// row changes commit as one transaction at the logged timestamp, so every view is maintained
// exactly as it was. Sources created by the DDL start only at the end, each from the
// positions the last of its logged commits reached: nothing they had applied is applied again.

import type { TableEntry } from '../catalog/catalog.js';
import { SqlError } from '../errors.js';
import type { Row } from '../expr/value.js';
import { batchFromRows } from '../dataflow/batch.js';
import { CHUNK_MASK } from '../storage/chunked_log.js';
import { batchRowHash, rowMatcher, type BatchRowHash, type RowMatcher } from '../dataflow/row_hash.js';
import { type } from '../sql/types.js';
import type { WalRecord } from '../storage/wal.js';
import { decodeCommit, type DdlEntry, type LoggedTable } from '../storage/wal_records.js';
import { quoteLiteral } from '../catalog/system/info.js';
import type { Engine, TableChanges } from './engine.js';
import { Session } from './session.js';

export interface RecoveryReport {
  records: number;
  ddl: number;
  rows: number;
  ms: number;
}

/**
 * Replays log records, one at a time as the log is read, into a fresh engine. `finish()`
 * says what it did and returns `startSources`, to be called once the engine logs again: it
 * starts the sources the replayed DDL created, each from its logged positions.
 */
export class LogReplay {
  private readonly session: Session;
  private readonly finders = new Map<TableEntry, RowFinder>();
  private readonly feeds: (() => void)[] = [];
  private readonly started = performance.now();
  readonly report: RecoveryReport = { records: 0, ddl: 0, rows: 0, ms: 0 };

  constructor(private readonly engine: Engine) {
    this.session = new Session(engine);
    engine.deferredFeeds = this.feeds;
  }

  apply(rec: WalRecord): void {
    const engine = this.engine;
    const r = decodeCommit(rec.payload);
    this.report.records++;
    for (const d of r.ddl) {
      replayDdl(engine, this.session, d, rec.lsn);
      this.report.ddl++;
    }
    const changes = new Map<TableEntry, TableChanges>();
    for (const t of r.tables) {
      const table = engine.catalog.get(t.name);
      if (!table || table.kind !== 'table') throw corrupt(rec.lsn, `it changes table "${t.name}", which does not exist at that point`);
      const inserts = t.inserts as Row[];
      changes.set(table, { deletes: deletedIds(table, t, this.finders, rec.lsn), inserts });
      this.report.rows += t.deletes.length + inserts.length;
    }
    if (changes.size > 0) engine.commit(changes, { time: r.time, watermarks: r.watermarks });
    else engine.timestamp = Math.max(engine.timestamp, r.time);
    engine.noteLogged(r.ddl, r.sources);
  }

  finish(): { report: RecoveryReport; startSources: () => void } {
    this.engine.deferredFeeds = null;
    this.report.ms = performance.now() - this.started;
    const startSources = () => {
      for (const start of this.feeds) start();
      // the sources go on from where their applied messages end
      for (const [t, m] of this.engine.sourcePositions) {
        if (this.engine.catalog.get(t.name) === t && t.feed) t.feed.resume(m);
      }
    };
    return { report: this.report, startSources };
  }
}

export function replayDdl(engine: Engine, session: Session, d: DdlEntry, lsn: number): void {
  if (d.kind === 'table') {
    engine.addTable({ kind: 'table', name: d.name, columns: d.columns.map((c) => ({ name: c.name, type: type(c.type, c.typmod), notNull: false, default: null })), primaryKey: null });
    return;
  }
  try {
    for (const [k, v] of d.settings) session.execute(`SET ${k} = ${quoteLiteral(v)}`);
    engine.shareArrangements = !d.ownArrangements;
    session.execute(d.sql);
  } catch (e) {
    throw corrupt(lsn, `replaying "${d.sql.slice(0, 200)}" failed: ${(e as Error).message}`);
  } finally {
    engine.shareArrangements = true;
  }
}

function corrupt(lsn: number, what: string): SqlError {
  return new SqlError('XX001', `could not recover the data directory: the write-ahead log record at ${lsn} cannot be replayed: ${what}`);
}

/** The ids of the logged deleted rows: by primary key, else by value (RowFinder). */
function deletedIds(table: TableEntry, t: LoggedTable, finders: Map<TableEntry, RowFinder>, lsn: number): number[] {
  const store = table.store;
  if (t.cleared) {
    const ids: number[] = [];
    for (let id = 0; id < store.logLength; id++) if (store.isLive(id)) ids.push(id);
    return ids;
  }
  if (t.deletes.length === 0) return [];
  const ids: number[] = [];
  if (table.primaryKey) {
    for (const row of t.deletes) {
      const id = store.lookupPk(store.pkOf(row));
      if (id === undefined) throw corrupt(lsn, `a deleted row of "${table.name}" is not in the table`);
      ids.push(id);
    }
    return ids;
  }
  let f = finders.get(table);
  if (!f) finders.set(table, (f = new RowFinder(table)));
  for (const row of t.deletes) {
    const id = f.take(row);
    if (id === undefined) throw corrupt(lsn, `a deleted row of "${table.name}" is not in the table`);
    ids.push(id);
  }
  return ids;
}

/**
 * Live rows of a table without a primary key, by value: a hash of each row (from its columns,
 * no row objects or string keys) chained by row id, built once, then kept up to date with the
 * rows appended since (row ids are log positions until the table is compacted, which
 * renumbers them: then it is built again). A row found is taken: the same values deleted
 * twice in one record are two rows.
 */
class RowFinder {
  private head = new Int32Array(0);
  private next = new Int32Array(0);
  private taken = new Uint8Array(0);
  private mask = 0;
  private seen = 0;
  private epoch = -1;
  private readonly hash: BatchRowHash;
  private readonly matches: RowMatcher;

  constructor(private readonly table: TableEntry) {
    this.hash = batchRowHash(table.store.types);
    this.matches = rowMatcher(table.store.types);
  }

  take(row: Row): number | undefined {
    const store = this.table.store;
    if (store.compactions !== this.epoch) this.rebuild();
    if (this.seen < store.logLength) this.index(store.logLength);
    const one = batchFromRows(store.types, [row]);
    for (let id = this.head[this.hash(one, 0) & this.mask]; id >= 0; id = this.next[id]) {
      if (this.taken[id] === 0 && store.isLive(id) && this.matches(store.chunkOf(id), id & CHUNK_MASK, row)) {
        this.taken[id] = 1;
        return id;
      }
    }
    return undefined;
  }

  private rebuild(): void {
    this.epoch = this.table.store.compactions;
    this.seen = 0;
    this.head = new Int32Array(0);
    this.next = new Int32Array(0);
    this.taken = new Uint8Array(0);
  }

  /** Chain rows seen..n of the log (growing the table to twice the rows when needed). */
  private index(n: number): void {
    if (this.head.length < 2 * n) {
      let size = 1024;
      while (size < 2 * n) size *= 2;
      this.head = new Int32Array(size).fill(-1);
      this.mask = size - 1;
      const next = new Int32Array(size);
      next.set(this.next.subarray(0, Math.min(this.next.length, size)));
      this.next = next;
      const taken = new Uint8Array(size);
      taken.set(this.taken.subarray(0, Math.min(this.taken.length, size)));
      this.taken = taken;
      this.seen = 0; // chains are rebuilt over every row
    }
    for (let id = this.seen; id < n; id++) {
      if (!this.table.store.isLive(id)) continue;
      const h = this.hash(this.table.store.chunkOf(id), id & CHUNK_MASK) & this.mask;
      this.next[id] = this.head[h];
      this.head[h] = id;
    }
    this.seen = n;
  }
}
