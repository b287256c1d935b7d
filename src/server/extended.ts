// The extended query protocol's objects: prepared statements (Parse) and portals (Bind),
// named or unnamed, and the decoding of Parse/Bind/Describe/Close messages. Execution of a
// portal lives in connection.ts, which owns the socket.

import { SqlError, SQLSTATE } from '../errors.js';
import type { Session } from '../engine/session.js';
import type { FieldInfo } from '../engine/result.js';
import type { PortalRows } from './portal_rows.js';
import { nodeTag, parseSql, type ParsedStatement } from '../sql/parser.js';
import { T, typeOid, type SqlType } from '../sql/types.js';
import { decodeBinaryParam, formatOf, hasBinaryFormat, typeForOid, wireField } from './formats.js';
import { MessageReader, decodeUtf8, noData, parameterDescription, protocolViolation, rowDescription } from './messages.js';
import { statementHandler } from './hooks.js';
import { abortedError, isTransactionExit } from '../engine/transaction_control.js';

export interface PreparedStatement {
  /** null for an empty query string (Execute answers EmptyQueryResponse). */
  stmt: ParsedStatement | null;
  /** OIDs the client declared in Parse (0 = infer). */
  declaredOids: number[];
  /** Final parameter types (declared, inferred, or text). */
  paramTypes: SqlType[];
  /** Result columns, or null for statements without rows. */
  fields: FieldInfo[] | null;
  /** RowDescriptions sent for its portals, by their result formats (most Binds repeat one). */
  described?: Map<string, Buffer>;
}

export interface Portal {
  prepared: PreparedStatement;
  /** Parameters as text (binary ones already decoded), null for SQL NULL. */
  params: (string | null)[];
  /** Result format codes from Bind. */
  resultFormats: number[];
  /** Set by the first Execute; later Executes go on from where the last one stopped. */
  rows?: PortalRows;
  /** Session.transactionsEnded at Bind: the portal ends with its transaction. */
  transaction: number;
}

/** parseSql, except that an empty (or blank) query is no statements rather than an error. */
export function parseStatements(sql: string): ParsedStatement[] {
  if (/^\s*$/.test(sql)) return [];
  try {
    return parseSql(sql);
  } catch (e) {
    if ((e as Error).message === 'Query cannot be empty') return [];
    throw e;
  }
}

function unnamedOrQuoted(kind: string, name: string): string {
  return name === '' ? `unnamed ${kind}` : `${kind} "${name}"`;
}

export class ExtendedState {
  readonly statements = new Map<string, PreparedStatement>();
  readonly portals = new Map<string, Portal>();

  parse(body: Buffer, session: Session): void {
    const r = new MessageReader(body);
    const name = r.cstring();
    const sql = r.cstring();
    const n = r.uint16();
    const declaredOids: number[] = [];
    for (let i = 0; i < n; i++) declaredOids.push(r.int32() >>> 0);
    r.end();
    if (name !== '' && this.statements.has(name)) {
      throw new SqlError('42P05', `prepared statement "${name}" already exists`);
    }
    const stmts = parseStatements(sql);
    if (stmts.length > 1) throw new SqlError(SQLSTATE.SYNTAX_ERROR, 'cannot insert multiple commands into a prepared statement');
    const declared = declaredOids.map(typeForOid);
    if (stmts.length > 0) session.checkNotAborted(stmts[0]);
    let prepared: PreparedStatement;
    if (stmts.length === 0) {
      prepared = { stmt: null, declaredOids, paramTypes: declared.map((t) => t ?? T.text), fields: null };
    } else if (statementHandler(nodeTag(stmts[0].node))) {
      // a taken-over statement (COPY …) describes itself when it runs
      prepared = { stmt: stmts[0], declaredOids, paramTypes: [], fields: null };
    } else {
      const d = session.describe(stmts[0], declared);
      prepared = { stmt: stmts[0], declaredOids, paramTypes: d.paramTypes, fields: d.fields };
    }
    this.statements.set(name, prepared);
  }

  bind(body: Buffer, session: Session): void {
    const r = new MessageReader(body);
    const portalName = r.cstring();
    const stmtName = r.cstring();
    const nFormats = r.uint16();
    const formats: number[] = [];
    for (let i = 0; i < nFormats; i++) formats.push(r.int16());
    const nParams = r.uint16();
    const raw: (Buffer | null)[] = [];
    for (let i = 0; i < nParams; i++) {
      const len = r.int32();
      if (len < -1) throw protocolViolation('invalid parameter length');
      raw.push(len === -1 ? null : r.bytes(len));
    }
    const nResult = r.uint16();
    const resultFormats: number[] = [];
    for (let i = 0; i < nResult; i++) resultFormats.push(r.int16());
    r.end();
    const prepared = this.statements.get(stmtName);
    if (!prepared) throw new SqlError('26000', `${stmtName === '' ? 'unnamed prepared statement' : `prepared statement "${stmtName}"`} does not exist`);
    const want = prepared.paramTypes.length;
    if (nParams !== want) {
      throw protocolViolation(`bind message supplies ${nParams} parameters, but prepared statement "${stmtName}" requires ${want}`);
    }
    if (nFormats > 1 && nFormats !== nParams) {
      throw protocolViolation(`bind message has ${nFormats} parameter formats but ${nParams} parameters`);
    }
    for (const f of [...formats, ...resultFormats]) {
      if (f !== 0 && f !== 1) throw protocolViolation(`unsupported format code: ${f}`);
    }
    const ncols = prepared.fields?.length ?? 0;
    if (nResult > 1 && nResult !== ncols) {
      throw protocolViolation(`bind message has ${nResult} result formats but query has ${ncols} columns`);
    }
    prepared.fields?.forEach((f, i) => {
      if (formatOf(resultFormats, i) === 1 && !hasBinaryFormat(f.sqlType)) {
        throw new SqlError('42883', `no binary output function available for type ${f.type}`);
      }
    });
    // an aborted block binds only COMMIT/ROLLBACK without parameters, as PostgreSQL's exec_bind_message
    if (session.transactionStatus === 'E' && (!isTransactionExit(prepared.stmt) || nParams > 0)) throw abortedError();
    if (portalName !== '' && this.portals.has(portalName)) throw new SqlError('42P03', `portal "${portalName}" already exists`);
    const params = raw.map((b, i) => {
      if (b === null) return null;
      try {
        if (formatOf(formats, i) === 0) return decodeUtf8(b);
        return decodeBinaryParam(b, prepared.paramTypes[i], i + 1);
      } catch (e) {
        // bind_param_error_callback names the parameter of an encoding error
        if (e instanceof SqlError && e.code === '22021') e.where ??= `${portalName === '' ? 'unnamed portal' : `portal "${portalName}"`} parameter $${i + 1}`;
        throw e;
      }
    });
    this.closePortal(portalName); // the unnamed portal is replaced
    this.portals.set(portalName, { prepared, params, resultFormats, transaction: session.transactionsEnded });
  }

  /** Describe: ParameterDescription + RowDescription/NoData for 'S', RowDescription/NoData for 'P'. */
  describe(body: Buffer, session: Session): Buffer[] {
    const r = new MessageReader(body);
    const kind = String.fromCharCode(r.byte());
    const name = r.cstring();
    r.end();
    // an aborted block cannot describe result columns (PostgreSQL would need the catalogs)
    const aborted = session.transactionStatus === 'E';
    if (kind === 'S') {
      const p = this.statements.get(name);
      if (!p) throw new SqlError('26000', `${unnamedOrQuoted('prepared statement', name)} does not exist`);
      if (aborted && p.fields) throw abortedError();
      const oids = p.paramTypes.map((t, i) => p.declaredOids[i] || typeOid(t));
      // formats are not known before Bind: describe the columns as text
      return [parameterDescription(oids), p.fields ? rowDescription(p.fields.map((f) => wireField(f, 0))) : noData()];
    }
    if (kind === 'P') {
      const p = this.portals.get(name);
      if (!p) throw new SqlError('34000', `portal "${name}" does not exist`);
      const fields = p.prepared.fields;
      if (aborted && fields) throw abortedError();
      if (!fields) return [noData()];
      const key = p.resultFormats.join();
      const described = (p.prepared.described ??= new Map());
      let d = described.get(key);
      if (!d) {
        if (described.size >= 8) described.clear();
        described.set(key, (d = rowDescription(fields.map((f, i) => wireField(f, formatOf(p.resultFormats, i))))));
      }
      return [d];
    }
    throw protocolViolation(`invalid DESCRIBE message subtype ${kind.charCodeAt(0)}`);
  }

  close(body: Buffer): void {
    const r = new MessageReader(body);
    const kind = String.fromCharCode(r.byte());
    const name = r.cstring();
    r.end();
    if (kind === 'S') this.statements.delete(name);
    else if (kind === 'P') this.closePortal(name);
    else throw protocolViolation(`invalid CLOSE message subtype ${kind.charCodeAt(0)}`);
  }

  /** Drop a portal, abandoning its statement if it is still running. */
  closePortal(name: string): void {
    this.portals.get(name)?.rows?.close();
    this.portals.delete(name);
  }

  /** Drop every portal (their transaction ended, or the client left). */
  closePortals(): void {
    for (const name of [...this.portals.keys()]) this.closePortal(name);
  }

  /** Execute's message: portal name and row limit (0 = all). */
  static executeArgs(body: Buffer): { portal: string; maxRows: number } {
    const r = new MessageReader(body);
    const portal = r.cstring();
    const maxRows = r.int32();
    r.end();
    return { portal, maxRows };
  }
}
