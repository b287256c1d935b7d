// SUBSCRIBE, as Materialize has it: `SUBSCRIBE [TO] name | (query) [WITH (SNAPSHOT [=] bool,
// PROGRESS [=] bool)]`, also spelled `COPY (SUBSCRIBE …) TO STDOUT`. The client gets a COPY OUT
// stream that never ends by itself: the current contents (unless SNAPSHOT false), then every
// change, as rows `mz_timestamp, [mz_progressed,] mz_diff, columns…` in timestamp order.
// With PROGRESS, a row with mz_progressed true promises that no later row has a smaller
// timestamp. It ends when the client cancels (57014) or goes away, when a relation it reads is
// dropped, or when the client falls too far behind (then only this subscriber is dropped:
// changes are queued from the commit path and never wait for the socket). The snapshot is sent
// in slices as the socket drains; the limit is on the estimated memory of the queued changes.

import { SqlError, SQLSTATE, unsupported } from '../errors.js';
import { type Change, type Watch } from '../engine/engine.js';
import { bindMaintainedQuery } from '../engine/ddl.js';
import { formatCopyRow, type CopyOptions } from '../engine/copy_format.js';
import { getValue } from '../dataflow/batch.js';
import { formatValue } from '../expr/format.js';
import type { Row } from '../expr/value.js';
import { nodeTag, parseSql } from '../sql/parser.js';
import type { SqlType } from '../sql/types.js';
import { copyData, copyResponse } from './messages.js';
import { formatBytes, valueBytes } from '../dataflow/memory.js';
import { registerQueryTextHandler, type HandlerContext } from './hooks.js';

const TEXT: CopyOptions = { format: 'text', delimiter: '\t', null: '\\N', header: false, quote: '"', escape: '"' };

let bufferLimit = 64 * 1024 * 1024;

/** Memory (estimated, in bytes) a subscriber's waiting changes may hold before it is dropped (tests lower it). */
export function setSubscribeBufferLimit(bytes: number): void {
  bufferLimit = bytes;
}

/** Idle interval between progress rows, so a quiet subscription still sees time advance. */
const PROGRESS_EVERY_MS = 1000;

/** Rows formatted and sent between waits for the socket to drain. */
const SEND_SLICE = 1000;

export interface SubscribeStatement {
  target: { relation: string } | { query: string };
  snapshot: boolean;
  progress: boolean;
}

registerQueryTextHandler(/^\s*(SUBSCRIBE\b|COPY\s*\(\s*SUBSCRIBE\b)/i, async (sql, cx) => {
  await subscribe(parseSubscribe(sql), cx);
});

/** What waits for the socket: one commit's changes (shared with other subscribers of the view), or a progress row. */
type Queued = { changes: readonly Change[]; time: number; bytes: number } | { progress: number; bytes: number };

async function subscribe(s: SubscribeStatement, cx: HandlerContext): Promise<void> {
  const engine = cx.session.engine;
  let ended: SqlError | null = null;
  // The commit path only appends references to the changes it made anyway (formatting them is
  // the pump's work), so a subscriber that stalls costs writers next to nothing; what it
  // holds is limited by an estimate of the real memory of the rows, not their text size.
  let queued: Queued[] = [];
  let queuedBytes = 0;
  let wake: (() => void) | null = null;
  let watch: Watch | null = null;
  let lastProgress = 0;
  const push = (q: Queued) => {
    if (ended) return;
    queued.push(q);
    queuedBytes += q.bytes;
    if (queuedBytes > bufferLimit) {
      end(new SqlError(SQLSTATE.CONFIGURATION_LIMIT_EXCEEDED, `SUBSCRIBE dropped: the client fell behind by more than ${formatBytes(bufferLimit)} of changes`, {
        hint: 'Read the stream faster, or subscribe to a smaller view.',
      }));
    }
    wake?.();
  };
  const end = (reason: SqlError) => {
    ended ??= reason;
    queued = [];
    queuedBytes = 0;
    stop();
    wake?.();
  };
  const progressRow = (t: number) => {
    if (t <= lastProgress) return;
    lastProgress = t;
    push({ progress: t, bytes: 64 });
  };
  const changeRows = (changes: readonly Change[], time: number) => push({ changes, time, bytes: changesBytes(changes) });

  let types: readonly SqlType[] = [];
  if ('relation' in s.target) watch = engine.watch({ relation: s.target.relation }, changeRows, end);
  else {
    const stmts = parseSql(s.target.query);
    if (stmts.length !== 1 || nodeTag(stmts[0].node) !== 'SelectStmt') throw new SqlError(SQLSTATE.SYNTAX_ERROR, 'SUBSCRIBE needs one SELECT query in parentheses');
    const { plan, deps } = bindMaintainedQuery(engine, stmts[0].node.SelectStmt);
    watch = engine.watch({ plan, deps, snapshot: s.snapshot }, changeRows, end);
  }
  types = watch.types;
  const stopCommits = s.progress ? engine.onCommit((t) => progressRow(t + 1)) : () => {};
  function stop() {
    watch?.stop();
    stopCommits();
  }
  /** Wait for the socket to drain; stop if the subscription ended or the client cancelled. */
  const drained = async () => {
    await cx.flush();
    if (ended) throw ended;
    cx.checkCancel();
  };

  try {
    cx.send(copyResponse('H', types.length + (s.progress ? 3 : 2)));
    // The snapshot goes first, in slices as the socket drains (changes committed meanwhile
    // queue behind it, counted against the limit): a reader that keeps up gets all of it.
    const snap = s.snapshot ? watch.snapshot() : null;
    const snapTime = engine.timestamp;
    if (s.progress) progressRow(engine.timestamp + 1);
    await drained(); // the client learns at once that the stream has started
    if (snap) {
      for (let from = 0; from < snap.length; from += SEND_SLICE) {
        const to = Math.min(snap.length, from + SEND_SLICE);
        for (let i = from; i < to; i++) {
          const row: Row = types.map((_, c) => getValue(snap.columns[c], i));
          cx.send(copyData(dataRow(snapTime, snap.weights[i], row, types, s.progress)));
        }
        await drained();
      }
    }
    for (;;) {
      while (queued.length > 0) {
        const out = queued;
        queued = [];
        for (const q of out) {
          if ('progress' in q) cx.send(copyData(`${q.progress}\tt\t\\N${'\t\\N'.repeat(types.length)}\n`));
          else {
            for (let from = 0; from < q.changes.length; from += SEND_SLICE) {
              const to = Math.min(q.changes.length, from + SEND_SLICE);
              for (let i = from; i < to; i++) cx.send(copyData(dataRow(q.time, q.changes[i].diff, q.changes[i].row, types, s.progress)));
              if (to < q.changes.length) await drained();
            }
          }
          queuedBytes -= q.bytes;
        }
        await drained();
      }
      if (ended) throw ended;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, PROGRESS_EVERY_MS / 4).unref();
      });
      wake = null;
      cx.checkCancel();
      // time passes while idle: tell the client (the next commit's timestamp is at least this)
      if (s.progress && Date.now() - lastProgress >= PROGRESS_EVERY_MS) progressRow(Math.max(engine.timestamp + 1, Date.now()));
    }
  } finally {
    stop();
  }
}

/** Estimated heap bytes of change rows (computed once per commit's array, which subscribers of a view share). */
const estimated = new WeakMap<readonly Change[], number>();

function changesBytes(changes: readonly Change[]): number {
  let b = estimated.get(changes);
  if (b === undefined) estimated.set(changes, (b = 16 + 8 * changes.length + changes.length * sampledRowBytes(changes)));
  return b;
}

/** Average bytes of one change (its object, row array and values) over up to 32 evenly spread rows. */
function sampledRowBytes(changes: readonly Change[]): number {
  const n = changes.length;
  if (n === 0) return 0;
  const samples = Math.min(n, 32);
  let total = 0;
  for (let k = 0; k < samples; k++) {
    const row = changes[Math.floor((k * n) / samples)].row;
    total += 40 + 32 + 8 * row.length; // the change object, the row array and its elements
    for (const v of row) total += valueBytes(v);
  }
  return total / samples;
}

function dataRow(time: number, diff: number, row: Row, types: readonly SqlType[], progress: boolean): string {
  const cells: (string | null)[] = [String(time)];
  if (progress) cells.push('f');
  cells.push(String(diff));
  for (let c = 0; c < types.length; c++) cells.push(row[c] === null ? null : formatValue(row[c], types[c]));
  return formatCopyRow(cells, TEXT);
}

// ---- the statement's text ---------------------------------------------------------------------

/** Parse SUBSCRIBE's text (not PostgreSQL grammar, so libpg-query cannot). */
export function parseSubscribe(sql: string): SubscribeStatement {
  let rest = sql.trim().replace(/;\s*$/, '');
  const copy = /^COPY\s*\(/i.exec(rest);
  if (copy) {
    const close = matchingParen(rest, copy[0].length - 1);
    const tail = rest.slice(close + 1).trim();
    if (!/^TO\s+STDOUT(\s+WITH\s*\(\s*FORMAT\s+text\s*\))?$/i.test(tail)) {
      throw unsupported(`COPY (SUBSCRIBE …) ${tail}: only TO STDOUT in text format`);
    }
    rest = rest.slice(copy[0].length, close).trim();
  }
  if (rest.includes(';')) {
    // a semicolon inside quotes or the query is fine; a second statement is not
    const outside = stripQuoted(rest);
    if (outside.includes(';')) throw unsupported('SUBSCRIBE together with other statements in one query');
  }
  rest = rest.replace(/^SUBSCRIBE\s+/i, '').replace(/^TO\s+/i, '');
  let target: SubscribeStatement['target'];
  if (rest.startsWith('(')) {
    const close = matchingParen(rest, 0);
    target = { query: rest.slice(1, close) };
    rest = rest.slice(close + 1).trim();
  } else {
    const m = /^((?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)(?:\s*\.\s*(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)){0,2})/.exec(rest);
    if (!m) throw new SqlError(SQLSTATE.SYNTAX_ERROR, 'SUBSCRIBE needs a relation name or a query in parentheses');
    const parts = (m[1].match(/"(?:[^"]|"")+"|[A-Za-z_][\w$]*/g) ?? []).map(identPart);
    if (parts.length > 1 && parts[parts.length - 2] !== 'public') {
      throw new SqlError(SQLSTATE.UNDEFINED_TABLE, `relation "${parts.join('.')}" does not exist`);
    }
    target = { relation: parts[parts.length - 1] };
    rest = rest.slice(m[0].length).trim();
  }
  const stmt: SubscribeStatement = { target, snapshot: true, progress: false };
  if (rest === '') return stmt;
  const w = /^WITH\s*\(/i.exec(rest);
  if (!w) throw unsupported(`SUBSCRIBE … ${rest.split(/\s+/).slice(0, 2).join(' ')}`);
  const close = matchingParen(rest, w[0].length - 1);
  if (rest.slice(close + 1).trim() !== '') throw unsupported(`SUBSCRIBE … ${rest.slice(close + 1).trim()}`);
  for (const opt of rest.slice(w[0].length, close).split(',')) {
    const m = /^\s*([A-Za-z_]+)\s*(?:=?\s*([A-Za-z0-9_']+))?\s*$/.exec(opt);
    if (!m) throw new SqlError(SQLSTATE.SYNTAX_ERROR, `invalid SUBSCRIBE option "${opt.trim()}"`);
    const name = m[1].toLowerCase();
    const value = m[2] === undefined ? true : booleanOption(name, m[2]);
    if (name === 'snapshot') stmt.snapshot = value;
    else if (name === 'progress') stmt.progress = value;
    else throw unsupported(`SUBSCRIBE option ${m[1].toUpperCase()}`);
  }
  return stmt;
}

function booleanOption(name: string, v: string): boolean {
  const s = v.replace(/^'|'$/g, '').toLowerCase();
  if (['true', 'on', 't', '1', 'yes'].includes(s)) return true;
  if (['false', 'off', 'f', '0', 'no'].includes(s)) return false;
  throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `${name.toUpperCase()} requires a boolean value`);
}

function identPart(p: string): string {
  return p.startsWith('"') ? p.slice(1, -1).replace(/""/g, '"') : p.toLowerCase();
}

/** Index of the parenthesis closing the one at `open`, skipping quoted text. */
function matchingParen(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === "'" || c === '"') {
      const q = c;
      for (i++; i < s.length && !(s[i] === q && s[i + 1] !== q); i++) if (s[i] === q) i++;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  throw new SqlError(SQLSTATE.SYNTAX_ERROR, 'syntax error at end of input: unbalanced parentheses');
}

function stripQuoted(s: string): string {
  return s.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"/g, '');
}
