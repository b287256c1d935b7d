// SQL text → PostgreSQL parse trees, using libpg-query (PostgreSQL's own grammar compiled to
// WASM). The trees are the JSON form of PostgreSQL's Node structs (see @pgsql/types).

import { loadModule, parseSync } from 'libpg-query';
import { SqlError, SQLSTATE, isStackOverflow, stackDepthExceeded } from '../errors.js';
import { checkPg15Tokens, pg15ErrorAt } from './pg15_tokens.js';
import { TextOffsets, locationsToChars } from './locations.js';
import { rewriteRisingWaveForms } from './risingwave_forms.js';
import { fastInsert } from './fast_insert.js';

let loaded: Promise<void> | undefined;

/** The WASM module loads once per process; every entry point awaits this before parsing. */
export function ensureParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

export interface ParsedStatement {
  /** The statement node, e.g. { SelectStmt: {...} }. */
  node: any;
  /** The statement's own text (for view definitions and error positions). */
  text: string;
  /** Index of the statement in the whole query string (0-based, UTF-16 units). */
  offset: number;
}

/**
 * Parse trees by query text, most recently used last: applications send the same texts again
 * and again (the extended protocol's unnamed statements are parsed anew each time). Trees are
 * never modified after parsing, as prepared statements already reuse them.
 */
const parsed = new Map<string, ParsedStatement[]>();
const PARSE_CACHE_ENTRIES = 512;
const PARSE_CACHE_MAX_TEXT = 16384;

export function parseSql(sql: string): ParsedStatement[] {
  // INSERT … VALUES of plain literals: rows read without the parser, the head through it
  return parseCached(sql, () => fastInsert(sql, (head) => parseCached(head, () => null)));
}

function parseCached(sql: string, fast: () => ParsedStatement[] | null): ParsedStatement[] {
  const hit = parsed.get(sql);
  if (hit) {
    parsed.delete(sql);
    parsed.set(sql, hit);
    return hit;
  }
  const stmts = fast() ?? parseUncached(sql);
  if (sql.length <= PARSE_CACHE_MAX_TEXT) {
    if (parsed.size >= PARSE_CACHE_ENTRIES) parsed.delete(parsed.keys().next().value!);
    parsed.set(sql, stmts);
  }
  return stmts;
}

/** The real parser alone, without cache or fast path (tests compare the fast path with it). */
export function parseUncached(text: string): ParsedStatement[] {
  let sql = text;
  let offsets = new TextOffsets(sql);
  let tree: any;
  try {
    try {
      tree = parseSync(sql);
    } catch (e) {
      // RisingWave's WATERMARK FOR, APPEND ONLY and EMIT ON WINDOW CLOSE, in our forms
      const rewritten = rewriteRisingWaveForms(sql);
      if (rewritten === null) throw e;
      try {
        tree = parseSync(rewritten);
      } catch {
        throw e;
      }
      sql = rewritten;
      offsets = new TextOffsets(sql);
    }
  } catch (e: any) {
    // the parser's C code recurses over deep expressions (1+1+…+1) as PostgreSQL's analysis does
    if (isStackOverflow(e)) throw stackDepthExceeded();
    const pos = e?.sqlDetails?.cursorPosition; // 0-based, in characters
    if (typeof pos === 'number') {
      const pg15 = pg15ErrorAt(offsets, offsets.indexOfChar(pos));
      if (pg15) throw new SqlError(SQLSTATE.SYNTAX_ERROR, pg15.message, { position: pg15.position });
    }
    throw new SqlError(SQLSTATE.SYNTAX_ERROR, e?.message ?? String(e), {
      position: typeof pos === 'number' ? pos + 1 : undefined,
    });
  }
  checkPg15Tokens(tree, offsets);
  // from here on, a node's location is a character offset, as PostgreSQL reports positions
  locationsToChars(tree, offsets);
  const stmts: any[] = tree.stmts ?? [];
  const bounds = stmts.flatMap((s) => [s.stmt_location ?? 0, (s.stmt_location ?? 0) + (s.stmt_len ?? 0)]);
  const { index } = offsets.convert(bounds);
  return stmts.map((s, k) => {
    const offset = index[2 * k];
    const end = s.stmt_len ? index[2 * k + 1] : sql.length;
    return { node: s.stmt, text: sql.slice(offset, end).trim(), offset };
  });
}

/** The single key of a parse-tree node: { SelectStmt: {...} } → 'SelectStmt'. */
export function nodeTag(node: any): string {
  return Object.keys(node)[0];
}

/** String value of a { String: { sval } } node. */
export function strVal(node: any): string {
  return node?.String?.sval ?? '';
}

/** Names from a list of String nodes (qualified names, column lists). */
export function names(list: any[] | undefined): string[] {
  return (list ?? []).map(strVal);
}
