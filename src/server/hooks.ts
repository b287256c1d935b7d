// Extension points for statements that need the connection itself rather than a result set:
// COPY … FROM STDIN / TO STDOUT (their own sub-protocol of CopyData messages) and SUBSCRIBE
// (a stream of changes; its text is not PostgreSQL grammar, so it is recognised before
// parsing). Handlers register here once at import time; the connection consults them.

import type { ParsedStatement } from '../sql/parser.js';
import type { Session } from '../engine/session.js';
import type { Frame } from './messages.js';

/** What a handler may do with the connection while it has taken it over. */
export interface HandlerContext {
  readonly session: Session;
  /** Queue a backend message (built with the writers in messages.ts). */
  send(message: Buffer): void;
  /**
   * The statement's CommandComplete. The last statement of a Query message commits before it
   * is sent, as in PostgreSQL, so a failing commit is reported instead of the tag.
   */
  complete(tag: string): void;
  /** Write queued messages; waits while the client is not reading (backpressure). */
  flush(): Promise<void>;
  /** The next frontend message (CopyData 'd', CopyDone 'c', CopyFail 'f', …). */
  readMessage(): Promise<Frame>;
  /** Throws 57014 if the client sent a CancelRequest for this query; call between batches. */
  checkCancel(): void;
  /** Flush, let the event loop run (cancel requests arrive then), then checkCancel(). */
  pace(): Promise<void>;
  /** true for the simple query protocol, false inside Execute of the extended protocol. */
  readonly simpleProtocol: boolean;
}

/**
 * Handles one statement end to end: sends everything up to and including CommandComplete
 * (e.g. CopyInResponse, reads CopyData until CopyDone, then CommandComplete "COPY n"), or
 * throws a SqlError, which the connection reports like any statement error. Runs inside the
 * connection's implicit transaction block, like other statements.
 */
export type StatementHandler = (stmt: ParsedStatement, cx: HandlerContext) => Promise<void>;

/** Handles a whole Query message's text (instead of parsing it); sends CommandComplete itself. */
export type QueryTextHandler = (sql: string, cx: HandlerContext) => Promise<void>;

const statementHandlers = new Map<string, StatementHandler>();
const textHandlers: { matches: (sql: string) => boolean; handle: QueryTextHandler }[] = [];

/** Take over statements whose parse-tree tag is `tag`, e.g. 'CopyStmt'. */
export function registerStatementHandler(tag: string, handler: StatementHandler): void {
  statementHandlers.set(tag, handler);
}

/** Take over Query messages whose text `matches` (checked before parsing), e.g. /^\s*SUBSCRIBE\b/i. */
export function registerQueryTextHandler(matches: RegExp | ((sql: string) => boolean), handle: QueryTextHandler): void {
  // the latest registration wins, as for statement handlers
  textHandlers.unshift({ matches: typeof matches === 'function' ? matches : (s) => matches.test(s), handle });
}

export function statementHandler(tag: string): StatementHandler | undefined {
  return statementHandlers.get(tag);
}

export function queryTextHandler(sql: string): QueryTextHandler | undefined {
  return textHandlers.find((h) => h.matches(sql))?.handle;
}
