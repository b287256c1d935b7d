// A fast path for the commonest bulk statement, `INSERT INTO t [(cols)] VALUES (…), (…)` of
// plain literals. PostgreSQL's parser (WASM, then a JSON tree) costs about 4 µs per value,
// four fifths of such a statement. Here the statement's head, up to VALUES, is parsed by the
// real parser (with one dummy row; heads repeat, so that parse is cached), and the rows are
// read by a small scanner into exactly the nodes the real parser makes: integers that fit in
// int4 as ival, other numbers as fval text, negative constants folded with their sign, strings
// with '' escapes, NULL, TRUE, FALSE and DEFAULT, each with its location. Anything else (casts,
// expressions, E'' strings, comments, parameters, ON CONFLICT, RETURNING, several statements)
// makes it give up, and the real parser takes the whole text. test/fast_insert.test.ts checks
// that both give the same tree.

import type { ParsedStatement } from './parser.js';

const HEAD = /^\s*insert\s+into\s+(?:"(?:[^"]|"")*"|[A-Za-z0-9_$.])+\s*(?:\((?:\s*(?:"(?:[^"]|"")*"|[A-Za-z0-9_$]+)\s*,?)+\)\s*)?values\s*(?=\()/iy;
const NUMBER = /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const WORD = /[A-Za-z_]+/y;
const MAX_INT4 = 2147483647;

/** The statement as the real parser would give it, or null to let the real parser read it. */
export function fastInsert(sql: string, parseHead: (head: string) => ParsedStatement[]): ParsedStatement[] | null {
  if (sql.length < 64 || /[\uD800-\uDFFF]/.test(sql)) return null;
  HEAD.lastIndex = 0;
  const m = HEAD.exec(sql);
  if (!m) return null;
  const rows = scanRows(sql, m[0].length);
  if (!rows) return null;
  let head: ParsedStatement[];
  try {
    head = parseHead(`${sql.slice(0, m[0].length)}(NULL)`);
  } catch {
    return null;
  }
  const ins = head.length === 1 ? head[0].node.InsertStmt : undefined;
  const sel = ins?.selectStmt?.SelectStmt;
  if (!ins || ins.withClause || ins.onConflictClause || ins.returningList || sel?.valuesLists?.length !== 1 || Object.keys(sel).length !== 3) return null;
  const node = { InsertStmt: { ...ins, selectStmt: { SelectStmt: { ...sel, valuesLists: rows.lists } } } };
  return [{ node, text: sql.slice(0, rows.end).trim(), offset: 0 }];
}

/** The rows from `at` (an opening parenthesis) to the end, with where the statement ends; null if anything is not plain. */
function scanRows(s: string, at: number): { lists: unknown[]; end: number } | null {
  const lists: unknown[] = [];
  let i = at;
  const skip = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\n' || s[i] === '\t' || s[i] === '\r')) i++;
  };
  for (;;) {
    skip();
    if (s[i] !== '(') return null;
    i++;
    const items: unknown[] = [];
    for (;;) {
      skip();
      const item = scanItem(s, i);
      if (!item) return null;
      items.push(item.node);
      i = item.end;
      skip();
      if (s[i] === ',') {
        i++;
        continue;
      }
      if (s[i] !== ')') return null;
      i++;
      break;
    }
    lists.push({ List: { items } });
    skip();
    if (s[i] === ',') {
      i++;
      continue;
    }
    break;
  }
  const end = i;
  if (s[i] === ';') i++;
  skip();
  return i === s.length ? { lists, end } : null;
}

/** One literal at `at`, followed by a delimiter. */
function scanItem(s: string, at: number): { node: unknown; end: number } | null {
  let i = at;
  const c = s[i];
  let node: unknown;
  if (c === "'") {
    let text = '';
    for (i++; ; ) {
      const q = s.indexOf("'", i);
      if (q < 0) return null;
      text += s.slice(i, q);
      if (s[q + 1] === "'") {
        text += "'";
        i = q + 2;
        continue;
      }
      i = q + 1;
      break;
    }
    node = { A_Const: { sval: { sval: text }, location: at } };
  } else if (c === '-' || c === '.' || (c >= '0' && c <= '9')) {
    const negative = c === '-';
    NUMBER.lastIndex = negative ? i + 1 : i;
    const m = NUMBER.exec(s);
    if (!m) return null;
    const digits = m[0];
    i = NUMBER.lastIndex;
    if (/[A-Za-z0-9_$.]/.test(s[i] ?? '')) return null; // trailing junk, or an identifier
    if (/^\d+$/.test(digits) && Number(digits) <= MAX_INT4) {
      const v = negative ? -Number(digits) : Number(digits);
      node = { A_Const: { ival: v === 0 ? {} : { ival: v }, location: at } };
    } else node = { A_Const: { fval: { fval: (negative ? '-' : '') + digits }, location: at } };
  } else {
    WORD.lastIndex = i;
    const m = WORD.exec(s);
    if (!m) return null;
    i = WORD.lastIndex;
    const w = m[0].toLowerCase();
    if (w === 'null') node = { A_Const: { isnull: true, location: at } };
    else if (w === 'true') node = { A_Const: { boolval: { boolval: true }, location: at } };
    else if (w === 'false') node = { A_Const: { boolval: {}, location: at } };
    else if (w === 'default') node = { SetToDefault: { location: at } };
    else return null;
    if (/[A-Za-z0-9_$]/.test(s[i] ?? '')) return null;
  }
  // a literal must end its item: no cast, operator or string continuation after it
  let j = i;
  while (s[j] === ' ' || s[j] === '\n' || s[j] === '\t' || s[j] === '\r') j++;
  return s[j] === ',' || s[j] === ')' ? { node, end: i } : null;
}
