// A session: one client's connection state (transaction, settings) and statement dispatch.
// Autocommit statements run in a transaction of their own; BEGIN … COMMIT groups them, and
// a COMMIT applies all of the block's writes at one timestamp. As in PostgreSQL, any error
// inside a block aborts it: every statement but COMMIT/ROLLBACK/ROLLBACK TO then fails with
// 25P02 until the block ends (COMMIT then reports ROLLBACK) or ROLLBACK TO recovers it.

import { internalError, SqlError, SQLSTATE, toSqlError, unsupported } from '../errors.js';
import type { Row, Value } from '../expr/value.js';
import { optimize } from '../plan/optimizer.js';
import { explainPlan } from '../plan/explain.js';
import { accessPathText } from '../plan/access_path.js';
import { PreparedStatements } from './prepared.js';
import type { Plan } from '../plan/logical.js';
import type { BindEnv } from '../sql/bind_env.js';
import { bindQuery } from '../sql/bind_select.js';
import { SYSTEM_RELATION_PREFIX } from '../sql/bind_from.js';
import { ParamTypes } from '../sql/coerce.js';
import { nodeTag, parseSql, type ParsedStatement } from '../sql/parser.js';
import type { SqlType } from '../sql/types.js';
import { T } from '../sql/types.js';
import { createIndex, createMaterializedView, createMaterializedViewWork, createTable, createTableAs, createTableAsWork, createView, drop, type Dropper } from './ddl.js';
import { ddlInTransaction } from './ddl_transaction.js';
import { checkNotNull, copyTarget, del, deleteWork, insert, insertWork, truncate, update, updateWork, type DmlContext } from './dml.js';
import type { CatalogEntry, TableEntry } from '../catalog/catalog.js';
import type { CopyRecord } from './copy_format.js';
import type { Engine, RowSink } from './engine.js';
import { runSlicedUntil, type Work } from './work.js';
import { inlineStaleViews } from './stale_views.js';
import { quickRead } from './quick_read.js';
import { fieldInfo, paramValue } from './result.js';
import type { StatementResult } from './statement.js';
import { readOnlyError, Transaction } from './transaction.js';
import { Settings } from './settings.js';
import { readOnlyRefusal } from './transaction_control.js';
import { TransactionBlock, type Txn } from './transaction_block.js';
import { DEFAULT_SESSION_INFO, setActiveSessionInfo, type SessionInfo } from '../expr/functions/session_info.js';
import type { FieldInfo } from './result.js';
import { formatBytes } from '../dataflow/memory.js';
import type { Batch } from '../dataflow/batch.js';

/** What a statement would take and return, found without running it (the wire's Describe). */
export interface StatementDescription {
  /** Parameter types: given ones, inferred ones, and text for those nothing determined. */
  paramTypes: SqlType[];
  /** Result columns, or null when the statement returns no rows. */
  fields: FieldInfo[] | null;
}

/** Where executeStatementAsync may send a SELECT's rows as they are produced. */
export interface StatementStream {
  /** A SELECT's result columns, once it is planned and before any row is computed. */
  begin(fields: FieldInfo[]): void;
  rows(rows: Row[]): void;
  /** The consumer wants a pause now (its socket is full). */
  urgent(): boolean;
}

/** A SELECT run as far as its reader asks (Session.openSelect). */
export interface SelectRun {
  run(pause: () => Promise<void>, enough: () => boolean): Promise<StatementResult | null>;
  close(): void;
}

/** A COPY FROM STDIN in progress (Session.copyInStream). */
export interface CopyInStream {
  add(records: readonly CopyRecord[]): void;
  finish(): StatementResult;
  /** The statement failed outside add()/finish(): its transaction's state, and the error to report. */
  fail(e: unknown): SqlError;
}

export class Session {
  readonly settings = new Settings();
  /** The connection's user and database, read by current_user / current_database(). */
  info: SessionInfo = { ...DEFAULT_SESSION_INFO };

  /** What the functions of a statement starting now read: the session, and now() (the transaction's start, as PostgreSQL). */
  private statementInfo(): SessionInfo {
    this.block.statementMs = Date.now();
    return this.sessionInfo();
  }

  /** The session's info for its functions; one object while the connection's info stays (no copy per statement). */
  private sessionInfo(): SessionInfo {
    if (this.activeInfo?.of !== this.info) this.activeInfo = { of: this.info, info: { ...this.info, settings: this.settings, transaction: this.block } };
    return this.activeInfo.info;
  }
  private activeInfo: { of: SessionInfo; info: SessionInfo } | null = null;
  private readonly block: TransactionBlock;
  private readonly prepared = new PreparedStatements();

  /** The write-ahead log position this session's last commit must reach before it is acknowledged. */
  private commitLsn = 0;

  constructor(readonly engine: Engine) {
    this.block = new TransactionBlock(engine, this.settings, (before) => this.noteCommit(before));
    this.settings.server.set('tributary.memory_limit', () => formatBytes(engine.memory.limit));
  }

  /** A commit of this session's ended: if it logged something (the log's end moved from `before`), it is this session's to wait for. */
  private noteCommit(before: number): void {
    if (this.engine.lastCommitLsn !== before) this.commitLsn = Math.max(this.commitLsn, this.engine.lastCommitLsn);
  }

  /**
   * Null if every commit so far is durable (or there is no data directory); else a promise
   * that resolves once they are. What a client is sent waits for it: a commit's
   * acknowledgement, and also any result or change that may include another session's
   * commit, so that no client sees what a crash could undo. If the log has failed, it
   * rejects for a session whose own commit was not synced (it must not be acknowledged);
   * other sessions' reads go on.
   */
  durable(): Promise<void> | null {
    const wal = this.engine.wal;
    if (!wal) return null;
    if (wal.failedAt !== null) return this.commitLsn > wal.failedAt ? Promise.reject(wal.failure) : null;
    const lsn = Math.max(this.commitLsn, this.seenLsn);
    return lsn > 0 ? wal.durable(lsn) : null;
  }

  /** The log position of the last commit a statement of this session could see (what its output may show). */
  private seenLsn = 0;

  /** A statement that reads or writes data runs now: its output may show every commit so far. */
  private sees(stmt: ParsedStatement): void {
    // only with a log, and only when there is a newer commit: touchesData walks the parse tree
    if (this.engine.wal && this.engine.lastCommitLsn > this.seenLsn && touchesData(stmt)) this.seenLsn = this.engine.lastCommitLsn;
  }

  /**
   * Commit an autocommit statement's transaction. Its DDL has taken effect already: if its
   * record cannot be written, memory is ahead of the log, so the log refuses further writes
   * (the server goes on serving reads) rather than diverge from what a restart would recover.
   */
  private commitAutocommit(txn: Txn): void {
    const before = this.engine.lastCommitLsn;
    try {
      this.engine.commit(txn.changes(), txn.commitMeta());
    } catch (e) {
      if (txn.walDdl.length > 0) this.engine.ddlNotLogged(e);
      throw e;
    }
    this.noteCommit(before);
  }

  private async commitAutocommitSliced(txn: Txn, pause: () => Promise<void>): Promise<void> {
    const before = this.engine.lastCommitLsn;
    try {
      await this.engine.commitSliced(txn.changes(), pause, txn.commitMeta());
    } catch (e) {
      if (txn.walDdl.length > 0) this.engine.ddlNotLogged(e);
      throw e;
    }
    this.noteCommit(before);
  }

  /** 'I' idle, 'T' in a transaction block, 'E' in a failed transaction block (ReadyForQuery). */
  get transactionStatus(): 'I' | 'T' | 'E' {
    return this.block.status;
  }

  /** Changes whenever a transaction ends (portals end with the transaction they ran in). */
  get transactionsEnded(): number {
    return this.block.ended;
  }

  /** Run every statement of a query string (several: as one implicit transaction); stops at the first error. */
  execute(sql: string, params: readonly unknown[] = []): StatementResult[] {
    let stmts: ParsedStatement[];
    try {
      stmts = parseSql(sql);
      if (stmts.length > 1 && params.length > 0) {
        throw new SqlError(SQLSTATE.SYNTAX_ERROR, 'cannot insert multiple commands into a prepared statement');
      }
    } catch (e) {
      this.abortOnError(); // a syntax error aborts the block too
      throw toSqlError(e);
    }
    // several statements in one string form one implicit transaction, as over the wire
    if (stmts.length > 1) return this.runImplicitBlock(stmts);
    return stmts.map((s) => this.executeStatement(s, params));
  }

  /**
   * Run statements with PostgreSQL's implicit-transaction semantics for a multi-statement
   * Query message: outside a BEGIN block they commit together, and an error rolls all of
   * them back. BEGIN among them turns the implicit transaction into an explicit block (left
   * open); COMMIT/ROLLBACK among them end it with a warning. DDL is not transactional here:
   * it commits the statements before it and runs on its own. Stops at the first error.
   */
  runImplicitBlock(stmts: readonly ParsedStatement[]): StatementResult[] {
    this.beginImplicitBlock(stmts.length > 1);
    const out: StatementResult[] = [];
    try {
      for (const s of stmts) out.push(this.executeStatement(s));
    } catch (e) {
      this.endImplicitBlock(false);
      throw e;
    }
    this.endImplicitBlock(true);
    return out;
  }

  /**
   * Start an implicit block; statements then run through executeStatement one at a time.
   * `multiStatement`: several statements of one Query message (PostgreSQL's implicit
   * transaction block), not a single statement or the extended protocol's messages up to Sync.
   */
  beginImplicitBlock(multiStatement = false): void {
    this.block.beginImplicit(multiStatement);
  }

  /**
   * End the implicit block: commit its transaction (`commit`), or after an error discard it;
   * an open BEGIN block is aborted then (TransactionBlock.endImplicit).
   */
  endImplicitBlock(commit: boolean): void {
    this.block.endImplicit(commit);
  }

  /** endImplicitBlock(true) with a big commit run in slices, awaiting `pause()` between them. */
  endImplicitBlockSliced(pause: () => Promise<void>): Promise<void> | void {
    return this.block.endImplicitSliced(pause);
  }

  /** The client is gone: roll back what is open (and release its snapshot). */
  close(): void {
    this.block.discard();
  }

  /** An error happened in the current command (whatever it was): the block fails. */
  abortOnError(): void {
    this.block.abortOnError();
  }

  /** Throws 25P02 if the block is aborted and `stmt` is not one that ends or recovers it. */
  checkNotAborted(stmt: ParsedStatement | null): void {
    this.block.checkNotAborted(stmt);
  }

  /** Throws 25006 if the current transaction is read-only (`command`: PostgreSQL's name for the write). */
  checkWritable(command: string): void {
    if (this.settings.readOnly) throw readOnlyError(command);
  }

  executeStatement(stmt: ParsedStatement, rawParams: readonly unknown[] = [], paramTypes: readonly (SqlType | undefined)[] = []): StatementResult {
    // another session's commit may be under way in slices: its change must be whole first
    if (this.engine.pendingCommit && touchesData(stmt)) this.engine.finishPendingCommit();
    this.engine.syncClock(); // views that follow the clock are read at the present
    const prevInfo = setActiveSessionInfo(this.statementInfo());
    try {
      return this.executeOne(stmt, rawParams, paramTypes);
    } finally {
      setActiveSessionInfo(prevInfo);
      this.sees(stmt);
    }
  }

  private executeOne(stmt: ParsedStatement, rawParams: readonly unknown[], paramTypes: readonly (SqlType | undefined)[]): StatementResult {
    const tag = nodeTag(stmt.node);
    const n = stmt.node[tag];
    if (tag === 'TransactionStmt') return this.block.run(stmt);
    if (tag === 'PrepareStmt' || tag === 'ExecuteStmt' || tag === 'DeallocateStmt') return this.preparedStatement(tag, n, stmt, rawParams, paramTypes);
    return this.inTransaction(tag, (txn) => {
      if (tag === 'SelectStmt' && !this.settings.readOnly) {
        const c = this.selectPlan(stmt, paramTypes);
        return this.runRead(c, paramValues(c.params, rawParams, c.resolved), txn);
      }
      return this.dispatch(tag, n, stmt, txn, new ParamTypes(paramTypes), rawParams);
    });
  }

  /** PREPARE / EXECUTE / DEALLOCATE: EXECUTE runs the prepared statement as itself. */
  private preparedStatement(tag: string, n: any, stmt: ParsedStatement, rawParams: readonly unknown[], paramTypes: readonly (SqlType | undefined)[]): StatementResult {
    try {
      this.checkNotAborted(stmt);
      if (tag === 'PrepareStmt') {
        this.prepared.prepare(n, stmt, (s, types) => this.describe(s, types));
        return { command: 'PREPARE' };
      }
      if (tag === 'DeallocateStmt') return { command: this.prepared.deallocate(n) };
      const outer = new ParamTypes(paramTypes);
      const e = this.prepared.bindExecute(n, this.engine.catalog, outer, () => paramValues(outer, rawParams));
      return this.executeOne(e.stmt, e.params, e.paramTypes);
    } catch (e) {
      if (this.block.inBlock) this.abortOnError(); // an implicit block is ended by its caller
      throw e;
    }
  }

  /**
   * A SELECT's bound and optimized plan, cached on its parse tree while the catalog is
   * unchanged. Binding sees parameter types, never values, so one plan serves every execution
   * with the same declared types. Plans reading system catalogs are not cached: those are bound
   * as constants of the moment.
   */
  private selectPlan(stmt: ParsedStatement, paramTypes: readonly (SqlType | undefined)[]): CachedSelect {
    const key = typesKey(paramTypes);
    const version = this.engine.catalog.version;
    let byKey = selectPlans.get(stmt);
    const hit = byKey?.get(key);
    // while some transaction holds names, bind again: the lock check is made in binding
    if (hit && hit.version === version && this.engine.catalog.locks.size === 0) return hit;
    const params = new ParamTypes(paramTypes);
    const env: BindEnv = { catalog: this.engine.catalog, params, ctes: new Map(), outer: null, dependencies: new Set() };
    const plan = bindQuery(stmt.node.SelectStmt, env);
    const c: CachedSelect = { version, key, params, resolved: params.resolved(), plan, optimized: optimize(plan) };
    if (![...env.dependencies].some((d) => d.startsWith(SYSTEM_RELATION_PREFIX))) {
      if (!byKey) selectPlans.set(stmt, (byKey = new Map()));
      if (byKey.size >= 4) byKey.clear(); // a statement is bound with one or two sets of types
      byKey.set(key, c);
    }
    return c;
  }

  /** selectPlan, or null when optimizing fails (the error is the Execute's to report). */
  private selectPlanLenient(stmt: ParsedStatement, paramTypes: readonly (SqlType | undefined)[]): CachedSelect | null {
    try {
      return this.selectPlan(stmt, paramTypes);
    } catch {
      return null;
    }
  }

  /**
   * The result columns a SELECT would have now (null for other statements). A prepared
   * statement whose columns changed since Parse fails as PostgreSQL's does (0A000), rather
   * than sending rows the client would decode with the old description.
   */
  checkResultType(stmt: ParsedStatement, paramTypes: readonly SqlType[], described: readonly FieldInfo[] | null): void {
    if (nodeTag(stmt.node) !== 'SelectStmt' || described === null) return;
    // a cached plan still current was checked against these fields before
    const hit = selectPlans.get(stmt)?.get(typesKey(paramTypes));
    if (hit && hit.checked === described && hit.version === this.engine.catalog.version && this.engine.catalog.locks.size === 0) return;
    this.asActive(() => {
      const c = this.selectPlan(stmt, paramTypes);
      const schema = c.plan.schema;
      const same = schema.length === described.length && schema.every((f, i) => fieldInfo(f.name, f.type).dataTypeID === described[i].dataTypeID && f.type.typmod === described[i].sqlType.typmod);
      if (!same) throw new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, 'cached plan must not change result type');
      c.checked = described;
    });
  }

  /** A relation by name as this session's transaction sees it (55P03 if another one holds the name). */
  lookup(name: string): CatalogEntry | undefined {
    return this.asActive(() => {
      this.engine.catalog.checkLock(name);
      return this.engine.catalog.get(name);
    });
  }

  /** Run outside a statement as this session: its settings, its transaction's view of the catalog. */
  private asActive<T>(run: () => T): T {
    const prevInfo = setActiveSessionInfo(this.statementInfo());
    this.engine.catalog.viewer = this.block.txn;
    try {
      return run();
    } finally {
      setActiveSessionInfo(prevInfo);
      this.engine.catalog.viewer = null;
    }
  }

  /**
   * COPY FROM STDIN with records as they arrive: they are inserted into the statement's
   * transaction chunk by chunk (so the input is never held whole), and the COPY commits at
   * finish() (in autocommit). An error in add() or finish() fails the statement as any
   * statement fails; a failure outside them (CopyFail, a lost client) goes through fail().
   */
  copyInStream(table: any, columns: readonly string[] | null): CopyInStream {
    const t = this.block.enter('CopyStmt');
    this.block.statementMs = Date.now(); // one statement, whatever the chunks it arrives in
    let failed = false;
    const guarded = <T>(run: () => T): T => {
      const prevInfo = setActiveSessionInfo(this.sessionInfo());
      this.engine.catalog.viewer = t.txn;
      try {
        return run();
      } catch (e) {
        if (failed) throw e;
        failed = true;
        throw this.statementFailed(t, e);
      } finally {
        setActiveSessionInfo(prevInfo);
        this.engine.catalog.viewer = null;
      }
    };
    const target = guarded(() => {
      this.checkWritable('COPY FROM');
      return copyTarget({ engine: this.engine, txn: t.txn }, table, columns);
    });
    return {
      add: (records) => guarded(() => target.add(records)),
      finish: () =>
        guarded(() => {
          if (t.autocommit) this.commitAutocommit(t.txn);
          return { command: `COPY ${target.count}`, rowCount: target.count };
        }),
      fail: (e) => {
        if (failed) return e instanceof SqlError ? e : this.statementFailed(t, e);
        failed = true;
        return this.statementFailed(t, e);
      },
    };
  }

  /**
   * Rows already converted to the table's types (db.insert's), inserted as an INSERT
   * statement of this session: in its open block if there is one, refused if read-only.
   */
  insertRows(table: TableEntry, rows: readonly Row[]): StatementResult {
    return this.inTransaction('InsertStmt', (txn) => {
      this.checkWritable('INSERT');
      for (const r of rows) {
        checkNotNull(table, r);
        txn.insert(table, r);
      }
      return { command: `INSERT 0 ${rows.length}`, rowCount: rows.length };
    });
  }

  /**
   * insertRows for a batch of converted rows (db.insert): taken whole where the transaction
   * can (Transaction.insertBatch). `nullRow`: the first row that breaks a NOT NULL, if any.
   */
  insertBatch(table: TableEntry, rows: Batch, nullRow: Row | null): StatementResult {
    return this.inTransaction('InsertStmt', (txn) => {
      this.checkWritable('INSERT');
      if (nullRow !== null) checkNotNull(table, nullRow);
      txn.insertBatch(table, rows);
      return { command: `INSERT 0 ${rows.length}`, rowCount: rows.length };
    });
  }

  /** Run one statement's work in the current transaction, or in its own (autocommit). */
  private inTransaction(tag: string, run: (txn: Txn) => StatementResult): StatementResult {
    const t = this.block.enter(tag);
    try {
      const result = run(t.txn);
      if (t.autocommit) this.commitAutocommit(t.txn);
      return result;
    } catch (e) {
      throw this.statementFailed(t, e);
    } finally {
      this.engine.catalog.viewer = null;
    }
  }

  /**
   * executeStatement, except that SELECT, INSERT, UPDATE and DELETE run in slices (reads in
   * chunks), awaiting `pause()` between them: the wire server serves other clients there and
   * notices a cancel or a timeout. Same results. With `stream`, a SELECT whose rows need no
   * sorting or consolidation gives them to `stream.rows` as they are produced; the result then
   * has `streamed: true` and no rows (`fields` and the count as usual).
   */
  async executeStatementAsync(stmt: ParsedStatement, rawParams: readonly unknown[], paramTypes: readonly (SqlType | undefined)[], pause: () => Promise<void>, stream?: StatementStream): Promise<StatementResult> {
    // another session's commit under way in slices: wait for its end (other clients go on)
    if (this.engine.pendingCommit && touchesData(stmt)) while (this.engine.pendingCommit) await this.engine.pendingCommit.done;
    this.engine.syncClock();
    const tag = nodeTag(stmt.node);
    if (tag === 'TransactionStmt') {
      const prevInfo = setActiveSessionInfo(this.statementInfo());
      try {
        return await this.block.runSliced(stmt, pause);
      } finally {
        setActiveSessionInfo(prevInfo);
      }
    }
    const dml = tag === 'InsertStmt' || tag === 'UpdateStmt' || tag === 'DeleteStmt';
    const ctas = tag === 'CreateTableAsStmt' && !this.block.txn && !this.settings.readOnly;
    const matview = ctas && stmt.node[tag].objtype === 'OBJECT_MATVIEW';
    if (ctas && !matview && stmt.node[tag].objtype !== 'OBJECT_TABLE') return this.executeStatement(stmt, rawParams, paramTypes);
    // read-only transactions refuse writes through the one-pass path (refuseWrite)
    if (!(tag === 'SelectStmt' || ((dml || ctas) && !this.settings.readOnly)) || this.block.status === 'E') return this.executeStatement(stmt, rawParams, paramTypes);
    const t = this.block.enter(tag);
    const params = new ParamTypes(paramTypes);
    const n = stmt.node[tag];
    const work = matview || ctas ? this.loggedDdl(t.txn, stmt, matview ? createMaterializedViewWork(this.engine, n, stmt.text, true) : createTableAsWork(this.engine, n, true, t.txn)) : dml ? this.dmlWork(tag, n, t.txn, params, rawParams) : this.selectWork(stmt, t.txn, paramTypes, rawParams, stream);
    this.sees(stmt); // a read's rows may go out as they are produced
    const r = await this.runStatement(t, work, pause, stream?.urgent);
    this.sees(stmt);
    return (r as { value: StatementResult }).value;
  }

  /**
   * A SELECT to be run piecemeal (a row-limited portal): each `run` goes on where the last one
   * stopped, until `enough()` or the end (then it returns the result, else null). Its rows go to
   * `stream` as executeStatementAsync's do, so a plan that can hand them out as they are
   * produced keeps none of them; the read answers at the timestamp it started at, whatever
   * commits between runs. `close` abandons it.
   */
  openSelect(stmt: ParsedStatement, rawParams: readonly unknown[], paramTypes: readonly (SqlType | undefined)[], stream: StatementStream): SelectRun {
    const t = this.block.enter('SelectStmt');
    this.engine.catalog.viewer = null;
    const work = this.selectWork(stmt, t.txn, paramTypes, rawParams, stream);
    let open = true;
    let started = false;
    return {
      run: async (pause, enough) => {
        if (!open) throw internalError('a finished SELECT was resumed');
        // its first run captures its inputs: never part of another session's commit
        if (!started && touchesData(stmt)) while (this.engine.pendingCommit) await this.engine.pendingCommit.done;
        if (!started) this.engine.syncClock();
        if (!started) this.sees(stmt); // it reads the state as of its first run
        started = true;
        try {
          const r = await this.runStatement(t, work, pause, stream.urgent, enough);
          open = !r.done;
          return r.done ? r.value : null;
        } catch (e) {
          open = false;
          throw e;
        }
      },
      close: () => {
        if (open) work.return(undefined as never);
        open = false;
      },
    };
  }

  /**
   * A SELECT that an index narrows to a few rows (quick_read.ts), answered at once: the same
   * result, in the same transaction, as executeStatementAsync, without its slicing, which
   * could serve no other client sooner. Null when it is not such a read, or when anything
   * fails: nothing has happened then that the general path does not do again (it reports the
   * error).
   */
  quickSelect(stmt: ParsedStatement, rawParams: readonly unknown[], paramTypes: readonly (SqlType | undefined)[]): StatementResult | null {
    // a commit under way (the general path waits for it), an aborted block (25P02), or
    // SELECT INTO (refused, with 25006 in a read-only transaction): the general path
    if (this.engine.pendingCommit || this.block.status === 'E' || stmt.node.SelectStmt?.intoClause) return null;
    this.engine.syncClock();
    const t = this.block.enter('SelectStmt');
    const prevInfo = setActiveSessionInfo(this.statementInfo());
    let result: StatementResult | null = null;
    try {
      const c = this.selectPlan(stmt, paramTypes);
      const rows = quickRead(this.engine, this.readPlan(c.plan, t.txn, c.optimized), paramValues(c.params, rawParams, c.resolved), t.txn);
      if (rows !== null) result = selectResult(cachedFields(c), rows);
    } catch {
      result = null;
    } finally {
      setActiveSessionInfo(prevInfo);
      this.engine.catalog.viewer = null;
    }
    if (result === null) return null;
    this.sees(stmt);
    if (t.autocommit) this.commitAutocommit(t.txn);
    return result;
  }

  /**
   * Run or resume a statement's Work in slices as this session (its settings, its
   * transaction's view of the catalog; other sessions run during the pauses), until it ends
   * (an autocommit statement then commits) or `enough()`. On failure the statement fails as
   * any does; an error from `pause` (a cancel, the client gone) passes on as it is.
   */
  private async runStatement<T>(t: { txn: Txn; autocommit: boolean }, work: Work<T>, pause: () => Promise<void>, urgent: () => boolean = () => false, enough: () => boolean = () => false): Promise<{ done: true; value: T } | { done: false }> {
    const mine = this.statementInfo();
    let prevInfo = setActiveSessionInfo(mine);
    this.engine.catalog.viewer = t.txn;
    let pauseError: unknown;
    const ourPause = async () => {
      setActiveSessionInfo(prevInfo);
      this.engine.catalog.viewer = null;
      try {
        await pause();
      } catch (e) {
        pauseError = e;
        throw e;
      }
      prevInfo = setActiveSessionInfo(mine);
      this.engine.catalog.viewer = t.txn;
    };
    try {
      const r = await runSlicedUntil(work, ourPause, urgent, enough);
      if (r.done && t.autocommit) await this.commitAutocommitSliced(t.txn, ourPause);
      return r;
    } catch (e) {
      const err = this.statementFailed(t, e);
      throw e === pauseError ? e : err;
    } finally {
      setActiveSessionInfo(prevInfo);
      this.engine.catalog.viewer = null;
    }
  }

  private *selectWork(stmt: ParsedStatement, txn: Txn, paramTypes: readonly (SqlType | undefined)[], rawParams: readonly unknown[], stream?: StatementStream): Work<StatementResult> {
    const c = this.selectPlan(stmt, paramTypes);
    const values = paramValues(c.params, rawParams, c.resolved);
    const readPlan = this.readPlan(c.plan, txn, c.optimized); // planning errors come before RowDescription
    const fields = cachedFields(c);
    stream?.begin(fields);
    let count = 0;
    const sink: RowSink | undefined = stream && {
      rows: (rows) => {
        count += rows.length;
        stream.rows(rows);
      },
    };
    // the wire server tried the read as Session.quickSelect before (COPY's query is no point read)
    const rows = yield* this.engine.readWork(readPlan, values, txn, { chunked: true, sink, quick: false });
    if (rows !== null) return selectResult(fields, rows);
    return { command: `SELECT ${count}`, rowCount: count, fields, rows: [], streamed: true };
  }

  private dmlWork(tag: string, n: any, txn: Txn, params: ParamTypes, raw: readonly unknown[]): Work<StatementResult> {
    const values = () => paramValues(params, raw);
    const cx: DmlContext = { engine: this.engine, txn, params, values, chunked: true };
    return tag === 'InsertStmt' ? insertWork(cx, n) : tag === 'UpdateStmt' ? updateWork(cx, n) : deleteWork(cx, n);
  }

  /** A statement failed: the transaction's state afterwards, and the error to report. */
  private statementFailed(t: { txn: Txn; autocommit: boolean }, e: unknown): SqlError {
    if (!t.autocommit) this.abortOnError();
    // A bug must still reach the client as a PostgreSQL error, never as a bare exception;
    // stack and allocation limits become PostgreSQL's 54001 and 53200.
    return toSqlError(e);
  }

  /**
   * Parameter types and result columns of a statement, without running it: binds the plan.
   * INSERT/UPDATE/DELETE bind while they execute, so they run in a throwaway transaction that
   * sees no rows, with nothing evaluated, and is never committed.
   */
  describe(stmt: ParsedStatement, paramTypes: readonly (SqlType | undefined)[] = []): StatementDescription {
    this.checkNotAborted(stmt);
    return this.asActive(() => this.describeOne(stmt, paramTypes));
  }

  private describeOne(stmt: ParsedStatement, paramTypes: readonly (SqlType | undefined)[]): StatementDescription {
    const tag = nodeTag(stmt.node);
    const n = stmt.node[tag];
    const params = new ParamTypes(paramTypes);
    const done = (fields: FieldInfo[] | null): StatementDescription => ({ paramTypes: params.resolved(), fields });
    switch (tag) {
      case 'SelectStmt': {
        // binding only (optimizing cannot fail at Parse: an error that folding raises, such as
        // 1/0, is reported at Execute); the plan is cached for the executions to come
        const c = this.selectPlanLenient(stmt, paramTypes);
        if (c) return { paramTypes: c.resolved, fields: cachedFields(c) };
        return done(planFields(this.bindSelect(n, params)));
      }
      case 'ExplainStmt':
        if (nodeTag(n.query) === 'SelectStmt') this.bindSelect(n.query.SelectStmt, params);
        return done([fieldInfo('QUERY PLAN', T.text)]);
      case 'ExecuteStmt': {
        const p = this.prepared.bindExecute(n, this.engine.catalog, params, null);
        return done(this.describeOne(p.stmt, p.paramTypes).fields);
      }
      case 'VariableShowStmt': {
        const name = String(n.name);
        return done([fieldInfo(['tables', 'views', 'materialized_views'].includes(name) ? 'name' : name, T.text)]);
      }
      case 'InsertStmt':
      case 'UpdateStmt':
      case 'DeleteStmt': {
        // INSERT/UPDATE/DELETE bind as they execute: run them over no rows, evaluating nothing
        const txn = new Transaction(false, true);
        const values = () => params.resolved().map(() => null);
        const cx: DmlContext = { engine: this.engine, txn, params, values, describeOnly: true };
        const r = tag === 'InsertStmt' ? insert(cx, n) : tag === 'UpdateStmt' ? update(cx, n) : del(cx, n);
        return done((n.returningList ?? []).length > 0 ? (r.fields ?? []) : null);
      }
      default:
        return done(null);
    }
  }

  private dispatch(tag: string, n: any, stmt: ParsedStatement, txn: Txn, params: ParamTypes, raw: readonly unknown[]): StatementResult {
    const values = () => paramValues(params, raw);
    const refused = this.settings.readOnly ? readOnlyRefusal(tag, n) : null;
    if (refused) throw readOnlyError(refused);
    switch (tag) {
      case 'SelectStmt': {
        const plan = this.bindSelect(n, params);
        return this.runRead({ plan, optimized: null }, values(), txn);
      }
      case 'InsertStmt':
      case 'UpdateStmt':
      case 'DeleteStmt': {
        // Parameter values are converted when evaluation needs them, i.e. after binding has
        // settled the types of the parameters used so far.
        const cx: DmlContext = { engine: this.engine, txn, params, values };
        const run = () => (tag === 'InsertStmt' ? insert(cx, n) : tag === 'UpdateStmt' ? update(cx, n) : del(cx, n));
        return this.settings.readOnly ? refuseWrite(txn, statementName(tag), run) : run();
      }
      case 'CreateStmt':
        return this.ddl(txn, stmt, () => createTable(this.engine, n, this.block.setContext().inBlock));
      case 'ViewStmt':
        return this.ddl(txn, stmt, () => createView(this.engine, n, stmt.text));
      case 'CreateTableAsStmt':
        if (n.objtype === 'OBJECT_TABLE') return this.ddl(txn, stmt, () => createTableAs(this.engine, n, txn));
        if (n.objtype !== 'OBJECT_MATVIEW') throw unsupported(`CREATE ${String(n.objtype).replace('OBJECT_', '')} AS`);
        return this.ddl(txn, stmt, () => createMaterializedView(this.engine, n, stmt.text, txn));
      case 'TruncateStmt':
        return truncate({ engine: this.engine, txn, params, values }, n);
      case 'IndexStmt':
        return this.ddl(txn, stmt, () => createIndex(this.engine, n));
      case 'DropStmt':
        return this.ddl(txn, stmt, (dropper) => drop(this.engine, n, dropper));
      case 'VariableSetStmt': {
        const notices = this.settings.set(n, this.block.setContext());
        return { command: n.kind === 'VAR_RESET' || n.kind === 'VAR_RESET_ALL' ? 'RESET' : 'SET', notices };
      }
      case 'VariableShowStmt':
        return this.show(n.name);
      case 'ExplainStmt': {
        const q = n.query;
        if (nodeTag(q) !== 'SelectStmt') throw unsupported('EXPLAIN of this statement');
        const plan = optimize(this.bindSelect(q.SelectStmt, params));
        const paths = new Map<Plan, string>(this.engine.accessPaths(plan).map((a) => [a.scan, accessPathText(a.scan.relation, a.path)]));
        const lines = explainPlan(plan, 0, (scan) => paths.get(scan)).split('\n');
        return { command: 'EXPLAIN', fields: [fieldInfo('QUERY PLAN', T.text)], rows: lines.map((l) => [l]), rowCount: lines.length };
      }
      case 'CopyStmt':
        throw unsupported('COPY outside the wire protocol (embedded programs use db.insert and db.toArrow)');
      case 'DiscardStmt':
        if (this.block.inBlock) throw new SqlError(SQLSTATE.ACTIVE_SQL_TRANSACTION, 'DISCARD ALL cannot run inside a transaction block');
        this.settings.reset();
        this.prepared.clear();
        return { command: 'DISCARD ALL' };
      default:
        throw unsupported(statementName(tag));
    }
  }

  private bindSelect(n: any, params: ParamTypes): Plan {
    const env: BindEnv = { catalog: this.engine.catalog, params, ctes: new Map(), outer: null, dependencies: new Set() };
    return bindQuery(n, env);
  }

  /** Ad-hoc read at the current timestamp (plus this session's own pending writes). */
  private runRead(c: { plan: Plan; optimized: Plan | null }, params: readonly Value[], txn: Txn): StatementResult {
    return selectResult(planFields(c.plan), this.engine.read(this.readPlan(c.plan, txn, c.optimized), params, txn));
  }

  /** The plan a read of `plan` evaluates in this transaction (`optimized`: plan, already optimized). */
  private readPlan(plan: Plan, txn: Txn, optimized: Plan | null = null): Plan {
    const p = inlineStaleViews(this.engine, plan, txn);
    return p === plan && optimized ? optimized : optimize(p);
  }

  /**
   * DDL: on its own it applies at once; in a transaction it is part of it (ddl_transaction.ts).
   * With a data directory it is recorded for the log, committed with its transaction.
   */
  private ddl(txn: Txn, stmt: ParsedStatement, run: (dropper?: Dropper) => StatementResult): StatementResult {
    const tag = nodeTag(stmt.node);
    const log = this.ddlLogger(txn, stmt);
    const r = this.block.txn === txn ? ddlInTransaction(this.engine, txn, tag, run, this.block.setContext().inBlock) : run();
    log?.();
    return r;
  }

  /** A DDL statement's Work, recorded for the log once it has succeeded (see ddl()). */
  private *loggedDdl(txn: Txn, stmt: ParsedStatement, work: Work<StatementResult>): Work<StatementResult> {
    const log = this.ddlLogger(txn, stmt);
    const r = yield* work;
    log?.();
    return r;
  }

  /**
   * What records a DDL statement for the log once it has run (null without a log): its text
   * and the settings that change how it binds; for CREATE TABLE AS, the table it made (its
   * rows are logged as the transaction's inserts, its query is not run again).
   */
  private ddlLogger(txn: Txn, stmt: ParsedStatement): (() => void) | null {
    if (!this.engine.wal) return null;
    const tag = nodeTag(stmt.node);
    const n = stmt.node[tag];
    if (tag === 'CreateTableAsStmt' && n.objtype === 'OBJECT_TABLE') {
      const name: string = n.into.rel.relname;
      const before = this.engine.catalog.get(name);
      return () => {
        const t = this.engine.catalog.get(name);
        if (!t || t === before || t.kind !== 'table') return; // IF NOT EXISTS skipped it
        txn.logDdl({ kind: 'table', name, columns: t.columns.map((c) => ({ name: c.name, type: c.type.id, typmod: c.type.typmod })) });
      };
    }
    const settings = DDL_SETTINGS.map((k) => [k, this.settings.get(k)] as const);
    const view = tag === 'CreateTableAsStmt';
    return () => txn.logDdl(view && this.engine.lastViewOwnArrangements ? { kind: 'sql', sql: stmt.text, settings, ownArrangements: true } : { kind: 'sql', sql: stmt.text, settings });
  }

  private show(name: string): StatementResult {
    if (name === 'tables' || name === 'views' || name === 'materialized_views') {
      const kind = name === 'tables' ? 'table' : name === 'views' ? 'view' : 'materialized view';
      const rows = this.engine.catalog.all().filter((e) => e.kind === kind).map((e) => [e.name]);
      return { command: `SHOW`, fields: [fieldInfo('name', T.text)], rows, rowCount: rows.length };
    }
    const v = this.settings.get(name);
    return { command: 'SHOW', fields: [fieldInfo(name, T.text)], rows: [[v]], rowCount: 1 };
  }
}


/** Settings that change what a DDL statement means (literals in defaults and views): replayed with it. */
const DDL_SETTINGS = ['TimeZone', 'DateStyle', 'IntervalStyle'];

interface CachedSelect {
  version: number;
  /** The declared parameter types it was bound with. */
  key: string;
  /** The parameter types binding settled. */
  params: ParamTypes;
  /** params.resolved(), once. */
  resolved: SqlType[];
  /** Its result columns (cachedFields). */
  fields?: FieldInfo[];
  /** The fields of a prepared statement its result type was last found to match (checkResultType). */
  checked?: readonly FieldInfo[];
  plan: Plan;
  optimized: Plan;
}

const selectPlans = new WeakMap<ParsedStatement, Map<string, CachedSelect>>();

function statementName(tag: string): string {
  return tag.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
}

/** A key for a list of parameter types (plans are cached by it). */
function typesKey(paramTypes: readonly (SqlType | undefined)[]): string {
  if (paramTypes.length === 0) return '';
  if (paramTypes.length === 1) return paramTypes[0] ? `${paramTypes[0].id}:${paramTypes[0].typmod}` : '';
  return paramTypes.map((t) => (t ? `${t.id}:${t.typmod}` : '')).join(',');
}

/** The statement's parameter values (`types`: its resolved types); referring to one that was not supplied is an error. */
function paramValues(params: ParamTypes, raw: readonly unknown[], types: readonly SqlType[] = params.resolved()): Value[] {
  if (types.length > raw.length) {
    const missing = params.positions.findIndex((p, i) => i >= raw.length && p !== undefined);
    const k = missing >= 0 ? missing : types.length - 1;
    throw new SqlError(SQLSTATE.UNDEFINED_PARAMETER, `there is no parameter $${k + 1}`, { position: params.positions[k] });
  }
  return types.map((t, i) => paramValue(raw[i], t));
}

/**
 * A write statement in a read-only transaction: it binds and evaluates as usual (so its
 * binding errors come first, as PostgreSQL's parse analysis does), but its first write, or
 * its end if it writes nothing, is 25006.
 */
function refuseWrite(txn: Txn, command: string, run: () => StatementResult): StatementResult {
  txn.readOnlyCommand = command;
  try {
    run();
  } finally {
    txn.readOnlyCommand = null;
  }
  throw readOnlyError(command);
}

function selectResult(fields: FieldInfo[], rows: Row[]): StatementResult {
  return { command: `SELECT ${rows.length}`, rowCount: rows.length, fields, rows };
}

function planFields(plan: Plan): FieldInfo[] {
  return plan.schema.map((f) => fieldInfo(f.name, f.type));
}

/** A cached plan's result columns, made once (they are described at every Parse of an unnamed statement). */
function cachedFields(c: CachedSelect): FieldInfo[] {
  return (c.fields ??= planFields(c.plan));
}

/**
 * Whether a statement may read or write what a commit changes: all but SET, SHOW and a
 * SELECT that names no relation (`SELECT 1`, `SELECT now()`), which need not wait for one.
 */
function touchesData(stmt: ParsedStatement): boolean {
  const tag = nodeTag(stmt.node);
  if (tag === 'VariableSetStmt' || tag === 'VariableShowStmt') return false;
  return tag !== 'SelectStmt' || namesRelation(stmt.node);
}

function namesRelation(node: unknown): boolean {
  if (node === null || typeof node !== 'object') return false;
  if (Array.isArray(node)) return node.some(namesRelation);
  for (const [k, v] of Object.entries(node)) if (k === 'RangeVar' || namesRelation(v)) return true;
  return false;
}
