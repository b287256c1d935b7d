// A session's transaction state, as PostgreSQL's xact.c keeps it: no transaction (each
// statement then commits on its own), an implicit transaction (the statements of one Query
// message, or the extended protocol's up to Sync), or a BEGIN block, possibly aborted, with
// savepoints. Transaction statements (BEGIN, COMMIT/ROLLBACK [AND CHAIN], SAVEPOINT, RELEASE,
// ROLLBACK TO) run here; settings are snapshotted and restored with the transaction.

import { readWriteConflict, SqlError, SQLSTATE, unsupported } from '../errors.js';
import type { TableEntry } from '../catalog/catalog.js';
import type { ParsedStatement } from '../sql/parser.js';
import type { Engine } from './engine.js';
import { CHARACTERISTICS, type SetContext, type Settings, type SettingsSnapshot } from './settings.js';
import type { StatementResult } from './statement.js';
import { Transaction } from './transaction.js';
import { abortedError, isTransactionExit, takesSnapshot } from './transaction_control.js';

export type Txn = Transaction<SettingsSnapshot>;

/** Statements that write (a SERIALIZABLE transaction that ran one is checked at COMMIT). */
const WRITE_TAGS = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'CopyStmt', 'TruncateStmt']);

export class TransactionBlock {
  /** When the statement under way started (statement_timestamp(), and now() outside a transaction), ms. */
  statementMs = 0;
  /** The open transaction: a BEGIN block's, or the implicit one's. */
  txn: Txn | null = null;
  /** txn is the implicit transaction (not a BEGIN … COMMIT block). */
  private implicit = false;
  /** Inside beginImplicit … endImplicit (one simple-query message, or up to Sync). */
  private inImplicit = false;
  /**
   * The implicit transaction is a block in PostgreSQL's sense (several statements in one
   * Query message): SET LOCAL and SET TRANSACTION apply in it rather than warn.
   */
  private implicitIsBlock = false;
  /** Transactions ended so far (what began in one, a portal, ends with it). */
  ended = 0;

  constructor(
    private readonly engine: Engine,
    private readonly settings: Settings,
    /** Called after each commit of this session's, with the log's end before it. */
    private readonly committed: (before: number) => void = () => {},
  ) {}

  /** 'I' idle, 'T' in a transaction block, 'E' in a failed transaction block (ReadyForQuery). */
  get status(): 'I' | 'T' | 'E' {
    if (!this.txn) return 'I';
    return this.txn.failed ? 'E' : 'T';
  }

  /** In a BEGIN block (not an implicit transaction). */
  get inBlock(): boolean {
    return this.txn !== null && !this.implicit;
  }

  /**
   * Start an implicit block; statements then run one at a time. `multiStatement`: several
   * statements of one Query message (PostgreSQL's implicit transaction block), not a single
   * statement or the extended protocol's messages up to Sync.
   */
  beginImplicit(multiStatement: boolean): void {
    this.inImplicit = true;
    this.implicitIsBlock = multiStatement;
  }

  /**
   * End the implicit block: commit its transaction (`commit`), or, after an error (`!commit`),
   * discard it. A BEGIN block opened inside stays open, and after an error it is aborted:
   * whatever failed (a statement, parsing, a protocol message, COPY) fails the block. The
   * commit can fail (e.g. a view's query errors on the new data); the changes are then
   * rolled back and the error thrown.
   */
  endImplicit(commit: boolean): void {
    this.inImplicit = false;
    this.implicitIsBlock = false;
    if (!commit) return this.abortOnError();
    if (this.implicit) this.finish(true);
  }

  /** endImplicit(true), with the commit run in slices (Engine.commitSliced) between pauses. */
  endImplicitSliced(pause: () => Promise<void>): Promise<void> | void {
    this.inImplicit = false;
    this.implicitIsBlock = false;
    if (!this.implicit) return;
    // nothing to commit in slices (a read's transaction): ended at once, without a promise
    if (this.txn!.unchanged) return this.finish(true);
    return this.finishSliced(pause);
  }

  /**
   * An error happened in the current command: a BEGIN block is aborted (25P02 until it
   * ends), an implicit transaction rolled back.
   */
  abortOnError(): void {
    const txn = this.txn;
    if (!txn) return;
    if (this.implicit) return this.finish(false);
    // PostgreSQL aborts the (sub)transaction at once, undoing the SETs made since it began
    if (!txn.failed) this.settings.restore(txn.innermostSaved ?? txn.savedAtStart!);
    txn.failed = true;
  }

  /** Throws 25P02 if the block is aborted and `stmt` is not one that ends or recovers it. */
  checkNotAborted(stmt: ParsedStatement | null): void {
    if (this.txn?.failed && !isTransactionExit(stmt)) throw abortedError();
  }

  /** Start a statement: in the open transaction, the implicit block's, or one of its own. */
  enter(tag: string): { txn: Txn; autocommit: boolean } {
    if (this.txn?.failed) throw abortedError();
    if (this.inImplicit && !this.txn) this.start(false);
    const autocommit = this.txn === null;
    const txn: Txn = this.txn ?? new Transaction(false);
    // the relations its statement names are looked up as this transaction sees them
    this.engine.catalog.viewer = txn;
    if (WRITE_TAGS.has(tag)) txn.wrote = true;
    if (takesSnapshot(tag)) {
      txn.snapshotTaken = true;
      if (!autocommit && txn.snapshot === null) this.takeSnapshot(txn);
    }
    return { txn, autocommit };
  }

  /**
   * The transaction's first query fixes what it reads: at REPEATABLE READ and SERIALIZABLE
   * (READ UNCOMMITTED and READ COMMITTED read each statement's latest commit, as PostgreSQL).
   */
  private takeSnapshot(txn: Txn): void {
    const level = this.settings.get('transaction_isolation');
    if (level !== 'repeatable read' && level !== 'serializable') return;
    txn.snapshot = this.engine.openSnapshot(txn);
    txn.snapshotClock = this.engine.clock.current;
    txn.serializable = level === 'serializable';
  }

  /**
   * SERIALIZABLE: committing must leave a history some serial order of the transactions
   * produces. Writers are ordered by their commits, so this one's reads, made at its snapshot,
   * must still hold at its commit: no table it read whole (directly or under a materialized
   * view), and no row it looked up by a unique key (or a row with that key it found absent),
   * was changed by a commit after its snapshot. Read-only transactions need no check: they
   * are ordered at their snapshot. (A transaction that ran a write statement counts as a
   * writer even if it changed nothing.)
   */
  private validate(txn: Txn): void {
    const read = new Set<TableEntry>();
    for (const e of this.engine.catalog.all()) {
      if (e.kind !== 'table') continue;
      if (txn.reads.has(e)) read.add(e);
      else for (const v of this.engine.viewsReading(e.name)) if (txn.reads.has(this.engine.catalog.get(v)!)) read.add(e);
    }
    const changed = this.engine.changedSince(txn.snapshot!, read, txn.keyReads);
    if (changed) throw readWriteConflict(`Reason code: Canceled on conflict out to a transaction that changed "${changed.name}" after this one's snapshot.`);
  }

  /** The session ends: an open transaction is rolled back. */
  discard(): void {
    if (this.txn) this.finish(false);
  }

  /** Where a SET runs, for the GUC checks on the transaction characteristics. */
  setContext(): SetContext {
    const txn = this.txn;
    return {
      inBlock: !!txn && (!this.implicit || this.implicitIsBlock),
      subtransaction: !!txn?.inSavepoint,
      snapshotTaken: !!txn?.snapshotTaken,
    };
  }

  /** run(), with a block's plain COMMIT run in slices between pauses (Engine.commitSliced). */
  async runSliced(stmt: ParsedStatement, pause: () => Promise<void>): Promise<StatementResult> {
    const n = stmt.node.TransactionStmt;
    if (n.kind !== 'TRANS_STMT_COMMIT' || n.chain || !this.inBlock || this.txn!.failed) return this.run(stmt);
    await this.finishSliced(pause);
    return { command: 'COMMIT' };
  }

  /** A TransactionStmt; an error in it aborts the block like any other. */
  run(stmt: ParsedStatement): StatementResult {
    try {
      this.checkNotAborted(stmt);
      return this.transactionStatement(stmt.node.TransactionStmt);
    } catch (e) {
      this.abortOnError();
      throw e;
    }
  }

  private transactionStatement(n: any): StatementResult {
    const options: any[] = n.options ?? [];
    const outsideBlock = (what: string) => new SqlError(SQLSTATE.NO_ACTIVE_SQL_TRANSACTION, `${what} can only be used in transaction blocks`);
    switch (n.kind as string) {
      case 'TRANS_STMT_BEGIN':
      case 'TRANS_STMT_START': {
        let notices: string[] = [];
        this.settings.checkTransactionOptions(options);
        if (this.implicit) {
          // the implicit transaction becomes the BEGIN block, statements so far included
          this.implicit = false;
        } else if (this.txn) notices = ['there is already a transaction in progress'];
        else this.start(true);
        this.settings.setTransactionOptions(options, this.setContext());
        return { command: 'BEGIN', notices };
      }
      case 'TRANS_STMT_COMMIT':
      case 'TRANS_STMT_ROLLBACK': {
        const commit = n.kind === 'TRANS_STMT_COMMIT';
        const word = commit ? 'COMMIT' : 'ROLLBACK';
        if (!this.inBlock) {
          if (n.chain) throw outsideBlock(`${word} AND CHAIN`);
          // COMMIT ends an implicit transaction normally, ROLLBACK discards it
          if (this.txn) this.finish(commit);
          return { command: word, notices: ['there is no transaction in progress'] };
        }
        const failed = this.txn!.failed;
        const characteristics = Object.keys(CHARACTERISTICS).map((k) => [k, this.settings.get(k)] as const);
        this.finish(commit && !failed);
        if (n.chain) {
          // a new block at once, with the same characteristics (which, unlike BEGIN's options,
          // an abort of the new block keeps: they are part of what it started with)
          const txn = this.start(true);
          for (const [k, v] of characteristics) this.settings.setLocal(k, v);
          txn.savedAtStart = this.settings.snapshot();
        }
        return { command: commit && !failed ? 'COMMIT' : 'ROLLBACK' };
      }
      case 'TRANS_STMT_SAVEPOINT':
        if (!this.inBlock) throw outsideBlock('SAVEPOINT');
        this.txn!.savepoint(String(n.savepoint_name), this.settings.snapshot());
        return { command: 'SAVEPOINT' };
      case 'TRANS_STMT_RELEASE': {
        if (!this.inBlock) throw outsideBlock('RELEASE SAVEPOINT');
        const sp = this.txn!.release(String(n.savepoint_name));
        // as PostgreSQL's CommitSubTransaction: a read-only mode set inside does not outlive it
        this.settings.setLocal('transaction_read_only', sp.saved.local.get('transaction_read_only') ?? 'off');
        return { command: 'RELEASE' };
      }
      case 'TRANS_STMT_ROLLBACK_TO': {
        if (!this.inBlock) throw outsideBlock('ROLLBACK TO SAVEPOINT');
        const sp = this.txn!.rollbackTo(String(n.savepoint_name));
        this.txn!.undoDdl(sp.ddlMark, this.engine.catalog);
        this.settings.restore(sp.saved);
        return { command: 'ROLLBACK' };
      }
      default:
        throw unsupported(`transaction statement ${String(n.kind).replace('TRANS_STMT_', '').replace('_', ' ')}`);
    }
  }

  /** A new transaction (a BEGIN block or an implicit one) with its characteristics fixed. */
  private start(explicit: boolean): Txn {
    const txn: Txn = new Transaction(explicit);
    txn.savedAtStart = this.settings.snapshot();
    this.settings.beginTransaction();
    this.txn = txn;
    this.implicit = !explicit;
    return txn;
  }

  /**
   * End the current transaction: commit its changes or discard them (with the settings it
   * changed). A failing commit discards them too, and throws.
   */
  private finish(commit: boolean): void {
    const txn = this.take();
    try {
      if (commit) {
        if (txn.serializable && txn.wrote) this.validate(txn);
        const before = this.engine.lastCommitLsn;
        this.engine.commit(txn.changes(), txn.commitMeta());
        this.committed(before);
      }
    } catch (e) {
      commit = false;
      throw commitError(txn, e);
    } finally {
      this.release(txn, commit);
    }
  }

  /** finish(true), with the commit run in slices between pauses. */
  private async finishSliced(pause: () => Promise<void>): Promise<void> {
    const txn = this.take();
    let commit = true;
    try {
      if (txn.serializable && txn.wrote) this.validate(txn);
      const before = this.engine.lastCommitLsn;
      await this.engine.commitSliced(txn.changes(), pause, txn.commitMeta());
      this.committed(before);
    } catch (e) {
      commit = false;
      throw commitError(txn, e);
    } finally {
      this.release(txn, commit);
    }
  }

  /** The transaction being ended, out of the block. */
  private take(): Txn {
    const txn = this.txn!;
    this.txn = null;
    this.implicit = false;
    this.ended++;
    return txn;
  }

  /** What ending a transaction releases, committed or not. */
  private release(txn: Txn, commit: boolean): void {
    if (!commit) txn.undoDdl(0, this.engine.catalog);
    txn.releaseNames(this.engine.catalog);
    this.engine.catalog.viewer = null;
    this.engine.closeSnapshot(txn);
    if (!commit && txn.savedAtStart) this.settings.restore(txn.savedAtStart);
    this.settings.endTransaction();
  }
}

/**
 * A key another transaction committed after this one's snapshot: as PostgreSQL's
 * SERIALIZABLE, a conflict to retry rather than a constraint the data breaks.
 */
function commitError(txn: Txn, e: unknown): unknown {
  if (txn.serializable && e instanceof SqlError && e.code === SQLSTATE.UNIQUE_VIOLATION) return readWriteConflict(e.message);
  return e;
}
