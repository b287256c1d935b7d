// COPY over the wire: `COPY t [(cols)] FROM STDIN` reads CopyData messages until CopyDone and
// inserts the rows as one statement; `COPY t|(query) TO STDOUT` sends a result as CopyData.
// Text and CSV formats (engine/copy_format.ts); files and programs on the server are refused.

import { refuseIfFed } from '../catalog/catalog.js';
import { SqlError, SQLSTATE, unsupported } from '../errors.js';
import { CopyParser, copyOptions, formatCopyRow, type CopyOptions } from '../engine/copy_format.js';
import { formatValue } from '../expr/format.js';
import type { Row } from '../expr/value.js';
import type { FieldInfo } from '../engine/result.js';
import { parseSql, type ParsedStatement } from '../sql/parser.js';
import { Utf8Stream, copyData, copyDone, copyResponse } from './messages.js';
import { registerStatementHandler, type HandlerContext } from './hooks.js';
import { quoteIdent } from '../catalog/system/info.js';

/** Rows sent between yields to the event loop. */
const OUT_BATCH = 1000;
/** Records (or CopyData messages) read between yields to the event loop. */
const PACE_RECORDS = 10000;

registerStatementHandler('CopyStmt', async (stmt, cx) => {
  const n = stmt.node.CopyStmt;
  if (n.filename !== undefined || n.is_program) {
    throw unsupported(`COPY ${n.is_from ? 'from' : 'to'} a ${n.is_program ? 'program' : 'file'} on the server (use ${n.is_from ? 'FROM STDIN' : 'TO STDOUT'}, e.g. psql's \\copy)`);
  }
  const opts = copyOptions(n.options);
  if (n.is_from) await copyFrom(n, opts, cx);
  else await copyTo(n, opts, cx);
});

async function copyFrom(n: any, opts: CopyOptions, cx: HandlerContext): Promise<void> {
  if (n.query) throw new SqlError(SQLSTATE.SYNTAX_ERROR, 'COPY FROM does not support a query');
  if (n.whereClause) throw unsupported('COPY FROM … WHERE');
  const columns: string[] | null = n.attlist ? (n.attlist as any[]).map((a) => a.String.sval) : null;
  // check the target before the client starts sending data
  const target = cx.session.lookup(n.relation.relname);
  if (!target) throw new SqlError(SQLSTATE.UNDEFINED_TABLE, `relation "${n.relation.relname}" does not exist`);
  if (target.kind !== 'table') throw new SqlError(SQLSTATE.WRONG_OBJECT_TYPE, `cannot copy to ${target.kind} "${target.name}"`);
  refuseIfFed(target);
  cx.session.checkWritable('COPY FROM');
  cx.send(copyResponse('G', columns?.length ?? target.columns.length));
  await cx.flush();
  // Records are parsed and inserted as CopyData arrives, so the input is never held whole.
  // An error (a bad row) ends the COPY at once, as in PostgreSQL: the CopyData still coming
  // is ignored by the connection's main loop.
  const copy = cx.session.copyInStream(n.relation, columns);
  const parser = new CopyParser(opts);
  // the data must be valid UTF-8 (22021, with the line as CONTEXT), checked as it arrives
  const utf8 = new Utf8Stream((line) => `COPY ${n.relation.relname}, line ${line}`);
  let sincePace = 0;
  try {
    for (;;) {
      const m = await cx.readMessage();
      if (m.type === 'd') {
        const records = parser.push(utf8.push(m.body));
        copy.add(records);
        // let other clients run (and notice a cancel) now and then
        sincePace += records.length + 1;
        if (sincePace >= PACE_RECORDS) {
          sincePace = 0;
          await cx.pace();
        }
      } else if (m.type === 'c') break;
      else if (m.type === 'f') {
        const msg = m.body.toString('utf8').replace(/\0$/, '');
        throw new SqlError(SQLSTATE.QUERY_CANCELED, `COPY from stdin failed: ${msg}`);
      } else if (m.type === 'H' || m.type === 'S') continue; // ignored during COPY, as PostgreSQL does
      else throw new SqlError(SQLSTATE.PROTOCOL_VIOLATION, `unexpected message type 0x${m.type.charCodeAt(0).toString(16).padStart(2, '0')} during COPY from stdin`);
    }
    utf8.end();
    copy.add(parser.end());
  } catch (e) {
    throw copy.fail(e);
  }
  cx.complete(copy.finish().command);
}

async function copyTo(n: any, opts: CopyOptions, cx: HandlerContext): Promise<void> {
  let query: ParsedStatement;
  if (n.query) {
    query = { node: n.query, text: '' } as ParsedStatement;
  } else {
    const e = cx.session.lookup(n.relation.relname);
    if (e?.kind === 'view') {
      throw new SqlError(SQLSTATE.WRONG_OBJECT_TYPE, `cannot copy from view "${e.name}"`, { hint: 'Try the COPY (SELECT ...) TO variant.' });
    }
    const cols = n.attlist ? (n.attlist as any[]).map((a) => quoteIdent(a.String.sval)).join(', ') : '*';
    query = parseSql(`SELECT ${cols} FROM ${quoteIdent(n.relation.relname)}`)[0];
  }
  // the query runs in slices (other clients are served, a cancel is noticed) and its rows go
  // out as they are produced when nothing needs them all first
  let fields: FieldInfo[] = [];
  let started = false;
  const begin = (f: FieldInfo[]) => {
    fields = f;
    started = true;
    cx.send(copyResponse('H', fields.length));
    if (opts.header) cx.send(copyData(formatCopyRow(fields.map((x) => x.name), opts)));
  };
  const sendRows = (rows: readonly Row[]) => {
    for (const row of rows) cx.send(copyData(formatCopyRow(row.map((v, c) => (v === null ? null : formatValue(v, fields[c].sqlType))), opts)));
  };
  const result = await cx.session.executeStatementAsync(query, [], [], () => cx.pace(), { begin, rows: sendRows, urgent: () => false });
  if (!started) begin(result.fields ?? []);
  const rows = result.rows ?? [];
  // one CopyData per row, as PostgreSQL sends them; yield to other clients every batch
  for (let i = 0; i < rows.length; i += OUT_BATCH) {
    sendRows(rows.slice(i, i + OUT_BATCH));
    await cx.pace();
  }
  cx.send(copyDone());
  cx.complete(`COPY ${result.rowCount ?? rows.length}`);
}
