// SQL text → PostgreSQL parse trees, using libpg-query (PostgreSQL's own grammar compiled to
// WASM). The trees are the JSON form of PostgreSQL's Node structs (see @pgsql/types).

import { loadModule, parseSync } from 'libpg-query';
import { SqlError, SQLSTATE } from '../errors.js';

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
  /** Offset of `text` in the whole query string (0-based). */
  offset: number;
}

export function parseSql(sql: string): ParsedStatement[] {
  let tree: any;
  try {
    tree = parseSync(sql);
  } catch (e: any) {
    const pos = e?.sqlDetails?.cursorPosition;
    throw new SqlError(SQLSTATE.SYNTAX_ERROR, e?.message ?? String(e), {
      position: typeof pos === 'number' ? pos + 1 : undefined,
    });
  }
  const stmts: any[] = tree.stmts ?? [];
  return stmts.map((s) => {
    const offset = s.stmt_location ?? 0;
    const len = s.stmt_len ?? sql.length - offset;
    return { node: s.stmt, text: sql.slice(offset, len === 0 ? undefined : offset + len).trim(), offset };
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
