// Simple-protocol reads that differ only by integer literals compared with columns in WHERE
// (`SELECT … FROM pk WHERE aid = 17`, then `= 42`, …) share one parse tree and one cached
// plan: each such literal becomes a parameter of type int4, the type PostgreSQL gives the
// literal, in a place where a parameter means exactly what the literal meant (an operand of
// `=`, `<>`, `<`, `<=`, `>`, `>=`, `IN (…)` or `BETWEEN` whose other side is a column, or of
// `+`, `-`, `*` there, under AND/OR/NOT of the WHERE clause). The text is split into tokens by
// a small scanner; anything it is not sure of (dollar quotes, parameters, backslashes, block
// comments, prefixed strings, a literal anywhere else, a literal past int4) makes the text
// take the parser as usual, and so does any error: the caller runs the original text then,
// which reports it.

import { nodeTag, parseSql, type ParsedStatement } from './parser.js';
import { T, type SqlType } from './types.js';

export interface LiteralTemplate {
  /** The SELECT with its literals as $1, $2, … */
  stmt: ParsedStatement;
  params: number[];
  types: SqlType[];
}

const MAX_TEXT = 4096;
const MAX_INT4 = 2147483647;
/** Arithmetic of parameters on a compared value: a parameter's number, or an operation. */
type Sum = number | { op: string; l: Sum; r: Sum };
interface Template {
  stmt: ParsedStatement;
  sums: Sum[];
}
/** Templates (or null: not usable) by the text with its literals replaced. */
const templates = new Map<string, Template | null>();
const TEMPLATES = 256;
const COMPARISONS = new Set(['=', '<>', '<', '<=', '>', '>=']);
const ARITHMETIC = new Set(['+', '-', '*']);

/** The text's template and its literals, or null to parse the text as it is. */
export function literalTemplate(sql: string): LiteralTemplate | null {
  if (sql.length > MAX_TEXT || !/^\s*select\s/i.test(sql)) return null;
  const scanned = liftIntegers(sql);
  if (!scanned || scanned.params.length === 0) return null;
  let t = templates.get(scanned.text);
  if (t === undefined) {
    t = usableTemplate(scanned.text, scanned.params.length);
    if (templates.size >= TEMPLATES) templates.delete(templates.keys().next().value!);
    templates.set(scanned.text, t);
  }
  if (t === null) return null;
  // PostgreSQL folds arithmetic of literals when it plans, failing then if it overflows,
  // whatever the rows: such a text is planned as it is, to fail the same way
  for (const sum of t.sums) if (!fitsInt4(sum, scanned.params)) return null;
  return { stmt: t.stmt, params: scanned.params, types: scanned.params.map(() => T.int4) };
}

function fitsInt4(sum: Sum, params: readonly number[]): boolean {
  const value = (x: Sum): number => {
    if (typeof x === 'number') return params[x - 1];
    const l = value(x.l);
    const r = value(x.r);
    const v = x.op === '+' ? l + r : x.op === '-' ? l - r : l * r;
    return v >= -2147483648 && v <= MAX_INT4 ? v : Number.NaN;
  };
  return !Number.isNaN(value(sum));
}

/** The text with each integer literal that fits in int4 replaced by $n; null if unsure. */
function liftIntegers(s: string): { text: string; params: number[] } | null {
  let out = '';
  let from = 0;
  const params: number[] = [];
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 0x24 /* $ */ || c === 0x5c /* \ */) return null;
    if (c === 0x27 /* ' */) {
      // a plain string; a prefixed one (E'', U&'', B'', X'') is not for us
      if (i > 0 && isWordChar(s.charCodeAt(i - 1))) return null;
      i = afterQuoted(s, i);
      if (i < 0) return null;
      // 'a' 'b' on separate lines is one string in SQL: not worth following
      if (/^\s*'/.test(s.slice(i, i + 64))) return null;
    } else if (c === 0x22 /* " */) {
      i = afterQuoted(s, i);
      if (i < 0) return null;
    } else if (c === 0x2d /* - */ && s.charCodeAt(i + 1) === 0x2d) {
      while (i < n && s.charCodeAt(i) !== 0x0a) i++;
    } else if (c === 0x2f /* / */ && s.charCodeAt(i + 1) === 0x2a) {
      return null;
    } else if (isWordStart(c)) {
      while (i < n && isWordChar(s.charCodeAt(i))) i++;
    } else if (isDigit(c) || (c === 0x2e /* . */ && isDigit(s.charCodeAt(i + 1)))) {
      const start = i;
      while (i < n && isDigit(s.charCodeAt(i))) i++;
      const next = s.charCodeAt(i);
      const plain = c !== 0x2e && !(next === 0x2e || next === 0x65 || next === 0x45 || isWordChar(next));
      if (!plain) {
        // a numeric literal (1.5, .5, 1e3) stays in the text; a number glued to a word is not for us
        while (i < n && (isDigit(s.charCodeAt(i)) || s.charCodeAt(i) === 0x2e)) i++;
        if (s.charCodeAt(i) === 0x65 || s.charCodeAt(i) === 0x45) {
          i++;
          if (s.charCodeAt(i) === 0x2b || s.charCodeAt(i) === 0x2d) i++;
          while (i < n && isDigit(s.charCodeAt(i))) i++;
        }
        if (i < n && isWordChar(s.charCodeAt(i))) return null;
        continue;
      }
      const value = Number(s.slice(start, i));
      if (value > MAX_INT4) return null;
      params.push(value);
      out += s.slice(from, start) + '$' + params.length;
      from = i;
    } else i++;
  }
  return { text: out + s.slice(from), params };
}

/** Where the string or quoted name opening at `at` ends (a doubled quote is one), or -1 if it does not. */
function afterQuoted(s: string, at: number): number {
  const q = s.charCodeAt(at);
  for (let i = at + 1; i < s.length; i++) {
    if (s.charCodeAt(i) !== q) continue;
    if (s.charCodeAt(i + 1) !== q) return i + 1;
    i++;
  }
  return -1;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isWordStart(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c >= 0x80;
}
function isWordChar(c: number): boolean {
  return isWordStart(c) || isDigit(c);
}

/** The parsed template if every parameter sits where a literal means what a parameter means. */
function usableTemplate(text: string, count: number): Template | null {
  let stmts: ParsedStatement[];
  try {
    stmts = parseSql(text);
  } catch {
    return null;
  }
  if (stmts.length !== 1 || nodeTag(stmts[0].node) !== 'SelectStmt') return null;
  const select = stmts[0].node.SelectStmt;
  const safe = new Set<number>();
  const sums: Sum[] = [];
  if (select.whereClause) safeParams(select.whereClause, safe, sums);
  const all: number[] = [];
  allParams(select, all);
  if (all.length !== count || safe.size !== count) return null;
  for (const p of all) if (!safe.has(p)) return null;
  return { stmt: stmts[0], sums };
}

/** Parameters that are operands of comparisons with a column, under AND/OR/NOT. */
function safeParams(e: any, out: Set<number>, sums: Sum[]): void {
  if (e.BoolExpr) {
    for (const a of e.BoolExpr.args ?? []) safeParams(a, out, sums);
    return;
  }
  const x = e.A_Expr;
  if (!x || x.name?.length !== 1) return;
  const column = (n: any) => n?.ColumnRef !== undefined;
  if (x.kind === 'AEXPR_OP' && COMPARISONS.has(x.name[0]?.String?.sval)) {
    if (column(x.lexpr)) valueParams(x.rexpr, out, sums);
    else if (column(x.rexpr)) valueParams(x.lexpr, out, sums);
  } else if ((x.kind === 'AEXPR_IN' || x.kind === 'AEXPR_BETWEEN' || x.kind === 'AEXPR_NOT_BETWEEN') && column(x.lexpr)) {
    for (const item of x.rexpr?.List?.items ?? []) valueParams(item, out, sums);
  }
}

/**
 * The parameters of a value compared with a column: a parameter, or `+`, `-`, `*` of
 * parameters (`aid BETWEEN 17 AND 17 + 99`), which go to `sums` (checked for overflow with
 * each text's literals, as PostgreSQL's planning folds them).
 */
function valueParams(n: any, out: Set<number>, sums: Sum[]): void {
  const found: number[] = [];
  const walk = (v: any, depth: number): Sum | null => {
    if (v?.ParamRef) {
      found.push(v.ParamRef.number);
      return v.ParamRef.number;
    }
    const a = v?.A_Expr;
    const op = a?.name?.length === 1 ? a.name[0]?.String?.sval : undefined;
    if (depth === 0 || a?.kind !== 'AEXPR_OP' || !ARITHMETIC.has(op) || !a.lexpr || !a.rexpr) return null;
    const l = walk(a.lexpr, depth - 1);
    const r = l === null ? null : walk(a.rexpr, depth - 1);
    return r === null ? null : { op, l: l!, r };
  };
  const sum = walk(n, 4);
  if (sum === null) return;
  for (const p of found) out.add(p);
  if (typeof sum !== 'number') sums.push(sum);
}

function allParams(node: unknown, out: number[]): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const n of node) allParams(n, out);
    return;
  }
  const p = (node as any).ParamRef;
  if (p) {
    out.push(p.number);
    return;
  }
  for (const v of Object.values(node)) allParams(v, out);
}
