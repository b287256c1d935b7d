// One client connection: startup, then the message loop of the simple and extended query
// protocols over a Session of its own.
//
// The engine is synchronous, so a statement runs to completion once started. The loop yields
// to the event loop between statements and between batches of result rows (`pace`): that is
// when CancelRequests from other connections get processed, when a vanished client is
// noticed, and when a client that stops reading makes us wait (backpressure) instead of
// buffering its results without bound.

import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { SecureContext } from 'node:tls';
import { SqlError, SQLSTATE, toSqlError } from '../errors.js';
import type { Session, StatementStream } from '../engine/session.js';
import type { Row } from '../expr/value.js';
import type { StatementResult } from '../engine/statement.js';
import type { FieldInfo } from '../engine/result.js';
import { nodeTag, parseSql, type ParsedStatement } from '../sql/parser.js';
import { PG_VERSION, TRIBUTARY_VERSION } from '../expr/functions/session_info.js';
import { encodeBinary, encodeText, formatOf, wireField } from './formats.js';
import { ExtendedState, parseStatements, type Portal } from './extended.js';
import { literalTemplate } from '../sql/literal_template.js';
import { PortalRows } from './portal_rows.js';
import { StatementTimer } from './statement_timer.js';
import { queryTextHandler, statementHandler, type HandlerContext } from './hooks.js';
import {
  ConnectionClosed,
  DataRowsWriter,
  Inbox,
  backendKeyData,
  bindComplete,
  closeComplete,
  commandComplete,
  decodeUtf8,
  emptyQueryResponse,
  errorOrNotice,
  errorResponse,
  parameterStatus,
  parseComplete,
  portalSuspended,
  readFrame,
  readyForQuery,
  rowDescription,
  type Frame,
} from './messages.js';
import { negotiateStartup, parseOptions, type AuthConfig, type StartupIO } from './startup.js';

export const SERVER_VERSION_STRING = `${PG_VERSION} (Tributary ${TRIBUTARY_VERSION})`;

/** PostgreSQL's authentication_timeout default. */
const STARTUP_TIMEOUT_MS = 60_000;
/** Queued output flushed to the socket at this size even mid-batch. */
const FLUSH_BYTES = 64 * 1024;

export interface ConnectionEnv {
  newSession(): Session;
  tls: SecureContext | null;
  auth: AuthConfig;
  maxMessage: number;
  /** Allocate pid + secret and record this connection for CancelRequests. */
  register(conn: Connection): { pid: number; secret: number };
  unregister(pid: number): void;
  cancel(pid: number, secret: number): void;
  /** Server-wide setting defaults (`tributary serve -c name=value`), already checked. */
  serverSettings?: ReadonlyMap<string, string>;
}

/** ParameterStatus names PostgreSQL reports (GUC_REPORT), with our setting names. */
const REPORTED: [wire: string, setting: string | null][] = [
  ['application_name', 'application_name'],
  ['client_encoding', 'client_encoding'],
  ['DateStyle', 'datestyle'],
  ['default_transaction_read_only', 'default_transaction_read_only'],
  ['in_hot_standby', null],
  ['integer_datetimes', 'integer_datetimes'],
  ['IntervalStyle', 'intervalstyle'],
  ['is_superuser', 'is_superuser'],
  ['server_encoding', 'server_encoding'],
  ['server_version', null],
  ['session_authorization', null],
  ['standard_conforming_strings', 'standard_conforming_strings'],
  ['TimeZone', 'timezone'],
];

function cancelError(): SqlError {
  return new SqlError(SQLSTATE.QUERY_CANCELED, 'canceling statement due to user request');
}

function timeoutError(): SqlError {
  return new SqlError(SQLSTATE.QUERY_CANCELED, 'canceling statement due to statement timeout');
}

const asSqlError = toSqlError;

export class Connection {
  private stream: Duplex;
  private readonly inbox = new Inbox();
  private session!: Session;
  private pid = 0;
  private out: Buffer[] = [];
  private outBytes = 0;
  private closed = false;
  private cancelRequested = false;
  private readonly extended = new ExtendedState();
  /** After an error in an extended-protocol message: ignore everything until Sync. */
  private skipTillSync = false;
  private reported = new Map<string, string>();
  /** Settings.version when the reported values were last compared. */
  private reportedVersion = -1;
  private user = '';
  /** statement_timeout's clock (statement_timer.ts). */
  private readonly timer = new StatementTimer(() => this.session.settings.milliseconds('statement_timeout'));
  /** The running statement is the last of a Query message: its CommandComplete waits for the commit. */
  private holdCompletion = false;
  private heldCompletion: Buffer | null = null;
  /** Output waits for the session's last commit to be durable (flushOut). */
  private waitingForLog = false;
  /** ReadyForQuery was the last thing sent: waiting now is idling (idle_…_timeout). */
  private idle = false;

  constructor(
    private readonly socket: Socket,
    private readonly env: ConnectionEnv,
  ) {
    this.stream = socket;
    socket.setNoDelay(true);
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => (this.closed = true));
    this.inbox.attach(socket);
  }

  /** Called by the server's cancel registry (from another connection's CancelRequest). */
  requestCancel(): void {
    this.cancelRequested = true;
  }

  /** Close the connection (server shutdown): the client gets a FATAL 57P01 if it is idle. */
  terminate(): void {
    if (this.closed) return;
    this.send(errorOrNotice('E', { severity: 'FATAL', code: '57P01', message: 'terminating connection due to administrator command' }));
    this.flushOut();
    this.stream.end();
    this.stream.destroy();
    this.closed = true;
  }

  async run(): Promise<void> {
    const io: StartupIO = {
      stream: this.stream,
      inbox: this.inbox,
      tls: this.env.tls,
      auth: this.env.auth,
      remoteAddress: this.socket.remoteAddress,
      cancel: (pid, secret) => this.env.cancel(pid, secret),
    };
    // authentication_timeout: a client that never finishes its startup is dropped
    const timer = setTimeout(() => this.socket.destroy(), STARTUP_TIMEOUT_MS);
    timer.unref();
    try {
      const started = await negotiateStartup(io);
      clearTimeout(timer);
      if (!started) return; // CancelRequest: close without a reply
      this.stream = started.stream;
      this.stream.on('close', () => (this.closed = true));
      this.stream.on('error', () => (this.closed = true));
      this.start(started.params);
      await this.messageLoop();
    } catch (e) {
      this.stream = io.stream; // a startup failure after the TLS upgrade is reported over TLS
      if (!(e instanceof ConnectionClosed) && !this.closed) {
        // a protocol violation or a startup failure: report it (FATAL) and hang up
        const err = asSqlError(e);
        this.send(errorResponse(err.severity === 'ERROR' ? new SqlError(err.code, err.message, { severity: 'FATAL', detail: err.detail }) : err));
        this.flushOut();
      }
    } finally {
      clearTimeout(timer);
      this.extended.closePortals();
      if (this.pid) this.env.unregister(this.pid);
      this.session?.close();
      this.closed = true;
      this.stream.end();
      this.stream.destroy();
      if (this.stream !== this.socket) this.socket.destroy();
    }
  }

  private start(params: Map<string, string>): void {
    this.user = params.get('user')!;
    this.session = this.env.newSession();
    if (this.env.serverSettings) this.session.settings.setServerDefaults(this.env.serverSettings);
    this.session.info = { user: this.user, database: params.get('database') || this.user };
    // Startup parameters other than these are settings (libpq sends application_name,
    // client_encoding, …). A value we cannot honour is a warning here, not a refused
    // connection: drivers send their own defaults (e.g. their TimeZone) unasked.
    const warnings: string[] = [];
    for (const [name, value] of params) {
      if (name === 'user' || name === 'database' || name === 'replication') continue;
      if (name === 'options') {
        for (const [k, v] of parseOptions(value)) this.applySetting(k, v, warnings);
        continue;
      }
      this.applySetting(name, value, warnings);
    }
    const { pid, secret } = this.env.register(this);
    this.pid = pid;
    for (const [wire, value] of this.reportedValues()) {
      this.send(parameterStatus(wire, value));
      this.reported.set(wire, value);
    }
    this.send(backendKeyData(pid, secret));
    for (const w of warnings) this.send(errorOrNotice('N', { severity: 'WARNING', code: '01000', message: w }));
    this.send(readyForQuery('I'));
    this.idle = true;
    this.flushOut();
  }

  private applySetting(name: string, value: string, warnings: string[]): void {
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name)) {
      warnings.push(`invalid configuration parameter name "${name}"`);
      return;
    }
    try {
      const [stmt] = parseSql(`SET ${name} TO '${value.replace(/'/g, "''")}'`);
      this.session.executeStatement(stmt);
    } catch (e) {
      warnings.push(`startup parameter "${name}" = "${value}" ignored: ${(e as Error).message}`);
    }
  }

  private reportedValues(): [string, string][] {
    return REPORTED.map(([wire, setting]) => {
      if (wire === 'server_version') return [wire, SERVER_VERSION_STRING];
      if (wire === 'session_authorization') return [wire, this.user];
      if (setting === null) return [wire, 'off'];
      try {
        return [wire, this.session.settings.get(setting)];
      } catch {
        return [wire, ''];
      }
    });
  }

  /** ParameterStatus for reported settings that changed (SET application_name, RESET …). */
  private reportChanges(): void {
    // most statements change no setting: compare only after one did
    const version = this.session.settings.version;
    if (version === this.reportedVersion) return;
    this.reportedVersion = version;
    for (const [wire, value] of this.reportedValues()) {
      if (this.reported.get(wire) !== value) {
        this.reported.set(wire, value);
        this.send(parameterStatus(wire, value));
      }
    }
  }

  // ---- output ---------------------------------------------------------------------------

  send(b: Buffer): void {
    this.out.push(b);
    this.outBytes += b.length;
    if (this.outBytes >= FLUSH_BYTES) this.flushOut();
  }

  /** A statement's CommandComplete; held back while the last statement of a Query message commits. */
  private complete(tag: string): void {
    const b = commandComplete(tag);
    if (this.holdCompletion) this.heldCompletion = b;
    else this.send(b);
  }

  /**
   * Write queued output; false if the socket's buffer is full (wait for 'drain'). Nothing goes
   * out before the commits it may reflect are durable: while the last commit is not yet synced
   * to the write-ahead log, everything queued waits for it (in order; the session goes on). A
   * commit is acknowledged only once it is durable, and no result shows one that is not.
   */
  private flushOut(): boolean {
    if (this.out.length === 0 || this.closed || this.waitingForLog) return true;
    const durable = this.session?.durable();
    if (durable) {
      this.waitingForLog = true;
      durable.then(
        () => {
          this.waitingForLog = false;
          this.flushOut();
        },
        (e) => this.logFailed(e),
      );
      return true;
    }
    const data = this.out.length === 1 ? this.out[0] : Buffer.concat(this.out, this.outBytes);
    this.out = [];
    this.outBytes = 0;
    return this.stream.write(data);
  }

  /**
   * The log could not be synced: the commits waiting for it are not acknowledged (their
   * outcome is unknown to the client, as after a crash), and the connection ends.
   */
  private logFailed(e: unknown): void {
    this.out = [];
    this.outBytes = 0;
    this.waitingForLog = false;
    const err = asSqlError(e);
    if (!this.closed) this.stream.end(errorResponse(new SqlError(err.code, `could not make a commit durable: ${err.message}`, { severity: 'FATAL', detail: err.detail })));
    this.closed = true;
  }

  private async flush(): Promise<void> {
    if (this.flushOut()) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
    });
    if (this.closed) throw new ConnectionClosed();
  }

  private checkCancel(): void {
    if (this.closed) throw new ConnectionClosed();
    if (this.cancelRequested) {
      this.cancelRequested = false;
      throw cancelError();
    }
    if (this.timer.expired()) throw timeoutError();
  }

  /**
   * The next message. After ReadyForQuery, waiting is idling: idle_in_transaction_session_timeout
   * (in a block) or idle_session_timeout (outside one) closes the connection, as in PostgreSQL.
   */
  private async nextFrame(): Promise<Frame> {
    const inBlock = this.session.transactionStatus !== 'I';
    const ms = this.idle ? this.session.settings.milliseconds(inBlock ? 'idle_in_transaction_session_timeout' : 'idle_session_timeout') : 0;
    if (ms === 0) return readFrame(this.inbox, this.env.maxMessage);
    const timer = setTimeout(() => {
      this.send(
        errorOrNotice('E', inBlock
          ? { severity: 'FATAL', code: '25P03', message: 'terminating connection due to idle-in-transaction timeout' }
          : { severity: 'FATAL', code: '57P05', message: 'terminating connection due to idle-session timeout' }),
      );
      this.flushOut();
      this.closed = true;
      this.stream.end();
      this.stream.destroy();
    }, ms);
    try {
      return await readFrame(this.inbox, this.env.maxMessage);
    } finally {
      clearTimeout(timer);
      this.idle = false;
    }
  }

  /** Flush, let other connections (and cancel requests) run, then honour a cancel. */
  private async pace(): Promise<void> {
    await this.flush();
    await new Promise<void>((r) => setImmediate(r));
    this.checkCancel();
  }

  private handlerContext(simpleProtocol: boolean): HandlerContext {
    return {
      session: this.session,
      send: (b) => this.send(b),
      complete: (tag) => this.complete(tag),
      flush: () => this.flush(),
      readMessage: () => readFrame(this.inbox, this.env.maxMessage),
      checkCancel: () => this.checkCancel(),
      pace: () => this.pace(),
      simpleProtocol,
    };
  }

  // ---- message loop ---------------------------------------------------------------------

  private async messageLoop(): Promise<void> {
    let inARow = 0;
    for (;;) {
      let frame = this.inbox.frame(this.env.maxMessage);
      if (frame && ++inARow % 1024 === 0) {
        // a client pipelining many quick statements lets the others in now and then
        this.flushOut();
        await new Promise<void>((r) => setImmediate(r));
      }
      if (frame) this.idle = false;
      else frame = await this.nextFrame();
      if (frame.type === 'X') return;
      if (this.skipTillSync && frame.type !== 'S') continue;
      if (this.timer.expired()) {
        // it ran out while we waited for this message (after Parse, Bind or a PortalSuspended)
        await this.timedOutBefore(frame.type);
        continue;
      }
      switch (frame.type) {
        case 'Q':
          await this.simpleQuery(frame);
          break;
        case 'P':
        case 'B':
        case 'D':
        case 'E':
        case 'C': {
          const p = this.extendedMessage(frame);
          if (p) await p;
          break;
        }
        case 'H':
          await this.flush();
          break;
        case 'S': {
          const p = this.sync();
          if (p) await p;
          break;
        }
        case 'd':
        case 'c':
        case 'f':
          // CopyData/CopyDone/CopyFail outside COPY: ignored, as PostgreSQL does
          break;
        case 'F':
          this.session.abortOnError(); // like any error, it aborts an open block
          this.send(errorResponse(new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, 'the function call protocol is not supported')));
          this.readyForQuery();
          this.flushOut();
          break;
        default:
          throw new SqlError(SQLSTATE.PROTOCOL_VIOLATION, `invalid frontend message type ${frame.type.charCodeAt(0)}`, { severity: 'FATAL' });
      }
    }
  }

  private async simpleQuery(frame: Frame): Promise<void> {
    const end = frame.body.indexOf(0);
    if (end !== frame.body.length - 1) throw new SqlError(SQLSTATE.PROTOCOL_VIOLATION, 'invalid message format', { severity: 'FATAL' });
    this.cancelRequested = false;
    // a Query message discards the unnamed statement and portal
    this.extended.statements.delete('');
    this.extended.closePortal('');
    const session = this.session;
    session.beginImplicitBlock();
    let ok = true;
    try {
      // invalid UTF-8 is an ERROR of this query (it aborts an open block), as in PostgreSQL
      const sql = decodeUtf8(frame.body, 0, end);
      const textHandler = queryTextHandler(sql);
      if (textHandler) {
        session.checkNotAborted(null);
        await textHandler(sql, this.handlerContext(true));
      }
      else if (!this.quickText(sql)) {
        const stmts = parseStatements(sql);
        // several statements form an implicit transaction block, as in PostgreSQL
        session.beginImplicitBlock(stmts.length > 1);
        if (stmts.length === 0) this.send(emptyQueryResponse());
        for (let i = 0; i < stmts.length; i++) {
          await this.pace();
          this.holdCompletion = i === stmts.length - 1;
          await this.runSimpleStatement(stmts[i]);
        }
      }
    } catch (e) {
      if (e instanceof ConnectionClosed) throw e;
      ok = false;
      session.endImplicitBlock(false);
      this.send(errorResponse(asSqlError(e)));
    } finally {
      this.holdCompletion = false;
    }
    const held = this.heldCompletion;
    this.heldCompletion = null;
    if (ok) {
      try {
        // PostgreSQL commits before the last statement's CommandComplete: a failed commit
        // (a view's maintenance erring on the new rows) is reported instead of the tag
        await session.endImplicitBlockSliced(() => this.pace());
        if (held) this.send(held);
      } catch (e) {
        this.send(errorResponse(asSqlError(e)));
      }
    }
    this.readyForQuery();
    await this.flush();
  }

  /**
   * A point read whose text differs from earlier ones only by integer literals compared with
   * columns (sql/literal_template.ts): run with its literals as parameters of the template's
   * cached plan, when it is a quick read. False when it is not (nothing was sent then).
   */
  private quickText(sql: string): boolean {
    const t = literalTemplate(sql);
    if (!t) return false;
    this.timer.start();
    try {
      const r = this.session.quickSelect(t.stmt, t.params, t.types);
      if (!r) return false;
      this.holdCompletion = true; // the Query's only statement: completed once it commits
      this.sendQuick(r);
      return true;
    } finally {
      this.timer.stop();
    }
  }

  /** A quick read's result in the simple protocol: RowDescription, DataRows, CommandComplete. */
  private sendQuick(r: StatementResult): void {
    const stream = this.rowStream([], true);
    stream.begin(r.fields!);
    stream.rows(r.rows!);
    this.complete(countedTag(r.command, r.rowCount!));
  }

  private async runSimpleStatement(stmt: ParsedStatement): Promise<void> {
    // statement_timeout applies to each statement of a Query message (PostgreSQL 13 and later)
    this.timer.start();
    try {
      await this.runTimedStatement(stmt);
    } finally {
      this.timer.stop();
    }
  }

  private async runTimedStatement(stmt: ParsedStatement): Promise<void> {
    const handler = statementHandler(nodeTag(stmt.node));
    if (handler) {
      this.session.checkNotAborted(stmt);
      return handler(stmt, this.handlerContext(true));
    }
    // a long statement runs in slices; other clients (and a cancel) get their turn between,
    // and a SELECT's rows go out as they are produced when nothing needs them all first
    const quick = nodeTag(stmt.node) === 'SelectStmt' ? this.session.quickSelect(stmt, [], []) : null;
    if (quick) return this.sendQuick(quick);
    const stream = this.rowStream([], true);
    const result = await this.session.executeStatementAsync(stmt, [], [], () => this.pace(), stream);
    this.sendNotices(result);
    if (result.fields) {
      const n = result.streamed ? result.rowCount! : await PortalRows.of(result, stream).take(Infinity, () => this.pace());
      this.complete(countedTag(result.command, n));
    } else {
      this.complete(result.command);
    }
  }

  private sendNotices(result: StatementResult): void {
    for (const message of result.notices ?? []) {
      // the engine's notices are PostgreSQL's transaction-state WARNINGs
      const code = /no transaction in progress|can only be used in transaction blocks/.test(message) ? '25P01' : /already a transaction/.test(message) ? '25001' : '01000';
      this.send(errorOrNotice('N', { severity: code === '01000' ? 'NOTICE' : 'WARNING', code, message }));
    }
  }

  /**
   * DataRows for a statement's rows as they are produced (Session.executeStatementAsync), with
   * RowDescription first when `describe` (simple protocol). The statement pauses when the
   * socket's buffer is full, so a client that does not read holds up only its own statement.
   */
  private rowStream(formats: number[], describe: boolean): StatementStream {
    let put: CellWriter[] | null = null;
    return {
      begin: (fields: FieldInfo[]) => {
        if (put) return; // described already (a SELECT whose rows came whole at its end)
        put = cellWriters(fields, formats);
        if (describe) this.send(rowDescription(fields.map((f) => wireField(f, 0))));
      },
      rows: (rows: Row[]) => {
        const cols = put!;
        const out = new DataRowsWriter(rows.length * (7 + 12 * cols.length));
        for (const row of rows) {
          out.beginRow(cols.length);
          for (let c = 0; c < cols.length; c++) cols[c](out, row[c]);
          out.endRow();
        }
        if (out.length > 0) this.send(out.take());
      },
      urgent: () => this.closed || this.stream.writableNeedDrain,
    };
  }

  // ---- extended protocol ----------------------------------------------------------------

  private extendedMessage(frame: Frame): Promise<void> | void {
    try {
      // Parse, Bind, Describe and Execute run on statement_timeout's clock (statement_timer.ts)
      if (frame.type !== 'C') this.timer.start();
      switch (frame.type) {
        case 'P':
          this.extended.parse(frame.body, this.session);
          this.send(parseComplete());
          break;
        case 'B':
          this.extended.bind(frame.body, this.session);
          this.send(bindComplete());
          break;
        case 'D':
          for (const m of this.extended.describe(frame.body, this.session)) this.send(m);
          break;
        case 'E': {
          // only an Execute may wait (a long statement runs in slices)
          const done = this.executePortal(frame.body);
          if (typeof done !== 'boolean') return this.executed(done);
          if (done) this.timer.stop();
          this.closeEndedPortals();
          break;
        }
        case 'C':
          this.extended.close(frame.body);
          this.send(closeComplete());
          break;
      }
    } catch (e) {
      this.extendedError(e);
    }
  }

  private async executed(done: Promise<boolean>): Promise<void> {
    try {
      if (await done) this.timer.stop();
      this.closeEndedPortals();
    } catch (e) {
      this.extendedError(e);
    }
  }

  private extendedError(e: unknown): void {
    if (e instanceof ConnectionClosed) throw e;
    const err = asSqlError(e);
    if (err.severity !== 'ERROR') throw err;
    this.extendedFailed(err);
  }

  /** An extended-protocol message failed: its implicit transaction is rolled back, and messages up to Sync skipped. */
  private extendedFailed(err: SqlError): void {
    this.timer.stop();
    this.session.endImplicitBlock(false);
    this.send(errorResponse(err));
    // PostgreSQL flushes an error at once: the client may be waiting on a Flush we now skip
    this.flushOut();
    this.skipTillSync = true;
  }

  /**
   * statement_timeout ran out while we waited for this message: the message fails with 57014,
   * as PostgreSQL's does when it handles the interrupt on reading it. An extended-protocol
   * message then skips to Sync; any other is answered with ReadyForQuery.
   */
  private async timedOutBefore(type: string): Promise<void> {
    if ('PBDECH'.includes(type)) return this.extendedFailed(timeoutError());
    this.session.endImplicitBlock(false);
    this.send(errorResponse(timeoutError()));
    this.readyForQuery();
    await this.flush();
  }

  /** Execute; false when the portal was suspended (its row limit reached), true when it completed. */
  private executePortal(body: Buffer): boolean | Promise<boolean> {
    const { portal: name, maxRows } = ExtendedState.executeArgs(body);
    // a CancelRequest that came while nothing ran is ignored, as PostgreSQL ignores it while idle
    this.cancelRequested = false;
    const portal = this.extended.portals.get(name);
    if (!portal || portal.transaction !== this.session.transactionsEnded) throw new SqlError('34000', `portal "${name}" does not exist`);
    const stmt = portal.prepared.stmt;
    if (!stmt) {
      this.send(emptyQueryResponse());
      return true;
    }
    this.session.checkNotAborted(stmt);
    // a failed statement cannot go on (after ROLLBACK TO, its portal is still there)
    if (portal.rows?.failed) throw new SqlError('55000', `portal "${name}" cannot be run`);
    // Messages up to Sync form one implicit transaction, as in PostgreSQL.
    this.session.beginImplicitBlock();
    if (!portal.rows) {
      const out = this.rowStream(portal.resultFormats, false);
      const handler = statementHandler(nodeTag(stmt.node));
      if (handler) {
        // the handler answers for itself; a later Execute of this portal has nothing left
        portal.rows = PortalRows.of({ command: 'SELECT 0', fields: [], rows: [] }, out);
        return handler(stmt, this.handlerContext(false)).then(() => true);
      }
      this.session.checkResultType(stmt, portal.prepared.paramTypes, portal.prepared.fields);
      const quick = nodeTag(stmt.node) === 'SelectStmt' ? this.session.quickSelect(stmt, portal.params, portal.prepared.paramTypes) : null;
      if (quick) {
        // a point or short range read through an index: answered whole at once
        portal.rows = PortalRows.of(quick, out);
      } else if (nodeTag(stmt.node) === 'SelectStmt') {
        // a SELECT runs only as far as the Executes ask (portal_rows.ts)
        portal.rows = PortalRows.select((stream) => this.session.openSelect(stmt, portal.params, portal.prepared.paramTypes, stream), out);
      } else {
        return this.executeStatement(portal, stmt, out, maxRows);
      }
    }
    return this.sendPortalRows(portal, maxRows);
  }

  /** An Execute of a statement other than SELECT: run whole, in slices; its rows (RETURNING) kept in the portal. */
  private async executeStatement(portal: Portal, stmt: ParsedStatement, out: StatementStream, maxRows: number): Promise<boolean> {
    const result = await this.session.executeStatementAsync(stmt, portal.params, portal.prepared.paramTypes, () => this.pace());
    this.sendNotices(result);
    portal.rows = PortalRows.of(result, out);
    return this.sendPortalRows(portal, maxRows);
  }

  /** The rows an Execute asks for, then PortalSuspended or CommandComplete (false: suspended). */
  private sendPortalRows(portal: Portal, maxRows: number): boolean | Promise<boolean> {
    const limit = maxRows > 0 ? maxRows : Infinity;
    const n = portal.rows!.takeNow(limit);
    if (n !== null) return this.endExecute(portal, maxRows, n);
    return portal.rows!.take(limit, () => this.pace()).then((k) => this.endExecute(portal, maxRows, k));
  }

  private endExecute(portal: Portal, maxRows: number, n: number): boolean {
    // PostgreSQL suspends whenever the limit is reached, even when no row is left
    if (maxRows > 0 && n === maxRows) {
      this.send(portalSuspended());
      return false;
    }
    const result = portal.rows!.result!;
    this.send(commandComplete(result.fields ? countedTag(result.command, n) : result.command));
    return true;
  }

  private sync(): Promise<void> | void {
    this.skipTillSync = false;
    this.timer.stop();
    let ending: Promise<void> | void = undefined;
    try {
      ending = this.session.endImplicitBlockSliced(() => this.pace());
    } catch (e) {
      this.send(errorResponse(asSqlError(e)));
    }
    // a read's transaction ends at once; a commit in slices lets other clients run meanwhile
    if (ending) return this.synced(ending);
    this.readyForQuery();
    this.flushOut();
  }

  private async synced(ending: Promise<void>): Promise<void> {
    try {
      await ending;
    } catch (e) {
      this.send(errorResponse(asSqlError(e)));
    }
    this.readyForQuery();
    this.flushOut();
  }

  /** ReadyForQuery: statement_timeout's clock is stopped, portals end with their transaction, changed settings are reported. */
  private readyForQuery(): void {
    this.timer.stop();
    if (this.session.transactionStatus === 'I') this.extended.closePortals();
    this.closeEndedPortals();
    this.reportChanges();
    this.send(readyForQuery(this.session.transactionStatus));
    this.idle = true;
  }

  /** Portals do not outlive their transaction (none of ours are WITH HOLD). */
  private closeEndedPortals(): void {
    for (const [name, p] of this.extended.portals) if (p.transaction !== this.session.transactionsEnded) this.extended.closePortal(name);
  }
}

/** A CommandComplete tag counting the rows sent (`SELECT n`; `INSERT 0 n` for a RETURNING portal's Execute, as PostgreSQL). */
function countedTag(command: string, n: number): string {
  if (command.startsWith('SELECT ')) return `SELECT ${n}`;
  return command.replace(/^(SELECT|INSERT 0|UPDATE|DELETE) \d+$/, `$1 ${n}`);
}

type CellWriter = (out: DataRowsWriter, v: any) => void;

/** How each column's values are written into DataRows. */
function cellWriters(fields: FieldInfo[], formats: number[]): CellWriter[] {
  return fields.map((f, i): CellWriter => {
    const t = f.sqlType;
    if (formatOf(formats, i) === 1) return (out, v) => out.cell(encodeBinary(v, t));
    // the commonest columns, as formatValue writes them, without its dispatch per value
    if (t.id === 'int4' || t.id === 'int2') return (out, v) => (v === null ? out.null() : out.int(v));
    if (t.id === 'int8') return (out, v) => (v === null ? out.null() : typeof v === 'number' ? out.int(v) : out.text(String(v)));
    if (t.id === 'text' || t.id === 'varchar') return (out, v) => (v === null ? out.null() : out.text(v));
    return (out, v) => out.cell(encodeText(v, t));
  });
}
