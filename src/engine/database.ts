// The embedding API: a Database is an engine plus a default session.
//
//   const db = await Database.open();
//   await db.query('CREATE TABLE t (k int, v bigint)');
//   const { rows, fields } = await db.query('SELECT * FROM mv WHERE k = $1', [1]);
//   const sub = db.subscribe('mv', (changes) => …);
//   await db.close();

import { forgetActiveCatalog } from '../catalog/system/functions.js';
import { refuseIfFed } from '../catalog/catalog.js';
import { SqlError, SQLSTATE } from '../errors.js';
import { ensureParser } from '../sql/parser.js';
import { Engine, type Change } from './engine.js';
import { Session } from './session.js';
import { fieldInfo, shapeRows, type FieldInfo, type QueryOptions, type QueryResult } from './result.js';
import type { StatementResult } from './statement.js';
import type { Row } from '../expr/value.js';
import { BatchBuilder, batchFromRows, reusableBuilder, rowAt } from '../dataflow/batch.js';
import { batchToArrow } from '../dataflow/arrow.js';
import type { Table as ArrowTable } from 'apache-arrow';
import { checkNotNull } from './dml.js';
import { columnDefaults, convertRow, fillColumns, rowsAsArrays, USE_DEFAULT, type InsertRow } from './insert_rows.js';
import type { ListeningServer, ServerOptions } from '../server/server.js';
import { parseMemorySize } from '../dataflow/memory.js';
import { Durability } from '../storage/durability.js';
import { openDataDir } from './open_data_dir.js';
import type { Checkpointer } from './checkpointer.js';

export interface OpenOptions {
  /**
   * Keep the database in this directory (created if missing): the catalog, every committed
   * change and the sources' positions survive a restart or a crash (docs/durability.md).
   * Without it the database is in memory only. One process at a time may open a directory.
   */
  dataDir?: string;
  /**
   * With a data directory: a commit returns only once it is on disk (default true). False
   * trades that for throughput: a crash may lose the last fraction of a second of commits
   * (never part of one). PostgreSQL's synchronous_commit.
   */
  synchronousCommit?: boolean;
  /**
   * With a data directory: milliseconds between checkpoints while commits arrive (default
   * 5000); 0 checkpoints only when the database closes. A restart loads the newest
   * checkpoint and replays the log after it.
   */
  checkpointIntervalMs?: number;
  /** Where recovery and checkpoints report what they did (default: stderr). */
  log?: (line: string) => void;
  /**
   * What one operation (a join step, a query's result) may allocate, in bytes or as a
   * PostgreSQL memory size ('512MB'); past it the statement fails with 53200. Default: a
   * quarter of the V8 heap limit. Shown as the setting tributary.memory_limit.
   */
  memoryLimit?: number | string;
  /**
   * The clock that temporal filters (`WHERE ts + INTERVAL '1 hour' > now()` in a view) follow,
   * in microseconds since the Unix epoch. Default: the system clock. For tests and replays of
   * recorded time; it may stand still but is never taken back.
   */
  clock?: () => bigint;
}

export interface SubscribeOptions {
  /** Emit the current contents first (as inserts at the current timestamp). Default true. */
  snapshot?: boolean;
  /** Called once if the subscription ends on its own: the view was dropped (42P01). */
  onEnd?: (error: SqlError) => void;
}

export interface ChangeRow<R = Record<string, unknown>> {
  row: R;
  /** +1 for an inserted row, -1 for a deleted one (an update is a -1 and a +1). */
  diff: number;
  /** Logical timestamp of the transaction that made the change. */
  timestamp: number;
}

export interface Subscription {
  unsubscribe(): void;
}

export class Database {
  readonly engine: Engine;
  private readonly session: Session;
  private closed = false;
  /** One reusable batch per table for `insert` (its batch does not outlive the commit). */
  private readonly insertBuffers = new WeakMap<object, BatchBuilder>();

  private constructor(
    engine: Engine,
    private readonly storage: Durability | null,
    private readonly checkpointer: Checkpointer | null,
  ) {
    this.engine = engine;
    this.session = new Session(engine);
  }

  static async open(options: OpenOptions = {}): Promise<Database> {
    await ensureParser();
    let memoryLimit: number | undefined;
    if (options.memoryLimit !== undefined) {
      const n = typeof options.memoryLimit === 'number' ? options.memoryLimit : parseMemorySize(options.memoryLimit);
      if (n === null || !(n > 0)) {
        throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `invalid value for parameter "tributary.memory_limit": "${options.memoryLimit}"`);
      }
      memoryLimit = n;
    }
    const makeEngine = () => {
      const engine = new Engine();
      if (memoryLimit !== undefined) engine.memory.limit = memoryLimit;
      if (options.clock) engine.useClock(options.clock);
      return engine;
    };
    if (options.dataDir === undefined) return new Database(makeEngine(), null, null);
    const log = options.log ?? ((line: string) => console.error(`tributary: ${line}`));
    const { engine, durability, checkpointer } = openDataDir(makeEngine, {
      dataDir: options.dataDir,
      synchronousCommit: options.synchronousCommit,
      checkpointIntervalMs: options.checkpointIntervalMs,
      log,
    });
    return new Database(engine, durability, checkpointer);
  }

  /** Take a checkpoint now (with a data directory; otherwise nothing). */
  async checkpoint(): Promise<void> {
    await this.checkpointer?.checkpoint();
  }

  /** The data directory's log, or null for an in-memory database. */
  get durability(): Durability | null {
    return this.storage;
  }

  /** A new session on the same engine (its own transaction state and settings). */
  newSession(): Session {
    return new Session(this.engine);
  }

  /**
   * Run SQL (one or more statements; with parameters, exactly one). Returns the result of the
   * last statement. Values come back as natural JS values (see result.ts), or with
   * `{ format: 'text' }` as PostgreSQL's text output.
   */
  async query<R = Record<string, unknown>>(sql: string, params: readonly unknown[] = [], options: QueryOptions = {}): Promise<QueryResult<R> & { notices: string[] }> {
    this.checkOpen();
    const results = this.session.execute(sql, params);
    await this.session.durable();
    const last = results[results.length - 1] ?? { command: '' };
    return shape<R>(last, options, results.flatMap((r) => r.notices ?? []));
  }

  /** Stream a materialized view's changes: rows with diff ±1 and the commit timestamp. */
  subscribe<R = Record<string, unknown>>(view: string, onChanges: (changes: ChangeRow<R>[]) => void, options: SubscribeOptions = {}): Subscription {
    this.checkOpen();
    this.engine.finishPendingCommit(); // the snapshot is of whole commits
    this.engine.syncClock();
    const e = this.session.lookup(view);
    if (!e) throw new SqlError(SQLSTATE.UNDEFINED_TABLE, `relation "${view}" does not exist`);
    if (e.kind !== 'materialized view') {
      throw new SqlError(SQLSTATE.WRONG_OBJECT_TYPE, `"${view}" is not a materialized view`);
    }
    const fields = e.columns.map((c) => fieldInfo(c.name, c.type));
    const toRow = (r: Row) => shapeRows([r], fields, {})[0] as R;
    // the documented API: one entry per row copy, diff +1 or -1
    const shaped = (changes: Change[]) =>
      onChanges(
        changes.flatMap((c) => {
          const row = toRow(c.row);
          const one = { row, diff: Math.sign(c.diff), timestamp: c.timestamp };
          return Math.abs(c.diff) === 1 ? [one] : Array.from({ length: Math.abs(c.diff) }, () => ({ ...one }));
        }),
      );
    let stop = () => {};
    const emit = this.storage ? this.onceDurable(shaped, (e) => (stop(), options.onEnd?.(e))) : shaped;
    if (options.snapshot ?? true) {
      const snap = e.output.snapshot()!;
      const changes: Change[] = [];
      for (let i = 0; i < snap.length; i++) {
        const row = rowAt(snap, i);
        for (let k = 0; k < snap.weights[i]; k++) changes.push({ row, diff: 1, timestamp: this.engine.timestamp });
      }
      if (changes.length) emit(changes);
    }
    stop = this.engine.listen(view, (changes) => emit(changes), options.onEnd);
    return { unsubscribe: () => stop() };
  }

  /**
   * With a data directory: `deliver`, called only once the commits so far are durable, in
   * order (at once when they already are), so that a subscriber never sees a change a crash
   * could undo. If the log cannot be synced, delivery ends with `fail`.
   */
  private onceDurable(deliver: (changes: Change[]) => void, fail: (e: SqlError) => void): (changes: Change[]) => void {
    let pending = 0;
    let chain: Promise<void> = Promise.resolve();
    let ended = false;
    return (changes) => {
      if (ended) return;
      const wait = this.engine.wal?.durable(this.engine.lastCommitLsn) ?? null;
      if (wait === null && pending === 0) return deliver(changes);
      pending++;
      chain = chain
        .then(() => wait)
        .then(
          () => {
            pending--;
            if (!ended) deliver(changes);
          },
          (e) => {
            if (ended) return;
            ended = true;
            fail(e instanceof SqlError ? e : new SqlError('58030', String((e as Error)?.message ?? e)));
          },
        );
    };
  }

  /**
   * Insert rows into a table without going through SQL text: the fast path for programs and
   * sources. A row is an array of values in column order (one per column), or a plain object
   * keyed by column name (columns it omits take their DEFAULT, NULL without one); values are
   * converted like query parameters. Returns the number of rows inserted. The rows form one
   * transaction, or join the default session's open BEGIN block (and its read-only mode).
   */
  insert(table: string, rows: readonly InsertRow[]): number {
    this.checkOpen();
    const t = this.session.lookup(table);
    if (!t || t.kind !== 'table') throw new SqlError(SQLSTATE.UNDEFINED_TABLE, `table "${table}" does not exist`);
    refuseIfFed(t);
    const raw = rowsAsArrays(t, rows);
    const defaults = columnDefaults(t);
    const alone = this.session.transactionStatus === 'I' && !this.session.settings.readOnly;
    // straight into a columnar batch: no intermediate row per value. Alone, the batch is dead
    // once commit returns, so its builder is reused (see reusableBuilder); in a block it waits
    // for COMMIT.
    const cols = t.columns;
    const b = alone ? reusableBuilder(this.insertBuffers.get(t) ?? null, t.store.types, raw.length) : new BatchBuilder(t.store.types, raw.length);
    if (alone) this.insertBuffers.set(t, b);
    const n = raw.length;
    const firstNullViolation = fillColumns(b, t, raw, defaults);
    b.advance(n, 1);
    if (!alone) {
      // as an INSERT of the default session: in its block, refused if read-only or aborted
      this.session.insertBatch(t, b.finish(), firstNullViolation < n ? convertRow(t, raw[firstNullViolation], defaults) : null);
      return n;
    }
    if (firstNullViolation < n) checkNotNull(t, convertRow(t, raw[firstNullViolation], defaults));
    this.engine.commit(new Map([[t, { deletes: [], inserts: b.finish() }]]));
    // synchronous: the rows are on disk when it returns
    this.storage?.syncUpTo(this.engine.lastCommitLsn);
    return n;
  }

  /**
   * Insert the rows of an Apache Arrow table (columns matched by name; missing columns take
   * their DEFAULT) as db.insert does. Values convert like query parameters.
   */
  insertArrow(table: string, data: ArrowTable): number {
    this.checkOpen();
    const t = this.session.lookup(table);
    if (!t || t.kind !== 'table') throw new SqlError(SQLSTATE.UNDEFINED_TABLE, `table "${table}" does not exist`);
    const vectors = t.columns.map((c) => data.getChild(c.name));
    for (const f of data.schema.fields) {
      if (!t.columns.some((c) => c.name === f.name)) {
        throw new SqlError(SQLSTATE.UNDEFINED_COLUMN, `column "${f.name}" of relation "${table}" does not exist`);
      }
    }
    const rows: unknown[][] = [];
    for (let i = 0; i < data.numRows; i++) rows.push(vectors.map((v) => (v ? v.get(i) : USE_DEFAULT)));
    return this.insert(table, rows);
  }

  /** The current contents of a table or view as an Apache Arrow table (SQL types in field metadata). */
  async toArrow(relation: string): Promise<ArrowTable> {
    this.checkOpen();
    const e = this.engine.catalog.resolve(relation);
    const [r] = this.session.execute(`SELECT * FROM "${e.name.replace(/"/g, '""')}"`);
    const fields = r.fields ?? [];
    return batchToArrow(batchFromRows(fields.map((f) => f.sqlType), r.rows ?? []), fields.map((f) => f.name));
  }

  /**
   * Serve this database over the PostgreSQL wire protocol (psql, drivers). Each connection
   * gets its own session. Resolves once listening; `port: 0` picks a free port.
   */
  async listen(options: ServerOptions = {}): Promise<ListeningServer> {
    this.checkOpen();
    const { startServer } = await import('../server/server.js');
    return startServer(() => this.newSession(), options);
  }

  /** Close the database: its sources stop consuming, its log is synced and the data directory released. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.engine.ticks.stop();
    await Promise.all(this.engine.catalog.all().map((e) => (e.kind === 'table' && e.feed ? e.feed.stop() : undefined)));
    await this.checkpointer?.close();
    this.engine.wal = null;
    this.storage?.close();
    forgetActiveCatalog(this.engine.catalog);
  }

  private checkOpen(): void {
    if (this.closed) throw new SqlError('08003', 'database is closed');
  }
}

function shape<R>(r: StatementResult, options: QueryOptions, notices: string[]): QueryResult<R> & { notices: string[] } {
  const fields: FieldInfo[] = r.fields ?? [];
  const rows = r.rows ? (shapeRows(r.rows, fields, options) as R[]) : [];
  return { command: r.command, rowCount: r.rowCount ?? rows.length, fields, rows, notices };
}
