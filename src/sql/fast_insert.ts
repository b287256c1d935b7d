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
      const node = scanItem(s, i);
      if (node === null) return null;
      items.push(node);
      i = scanEnd;
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

/** Where the item scanItem returned ends (a variable, not an object per item). */
let scanEnd = 0;

/** One literal at `at`, followed by a delimiter (its end in scanEnd). */
function scanItem(s: string, at: number): unknown {
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
    // the common case, a short integer, digit by digit
    let j = negative ? i + 1 : i;
    let v = 0;
    while (j < s.length && j - i < 10 && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) v = v * 10 + (s.charCodeAt(j++) - 48);
    const next = s.charCodeAt(j);
    const plain = j > (negative ? i + 1 : i) && !(next >= 48 && next <= 57) && next !== 46 && next !== 101 && next !== 69 && !/[A-Za-z_$]/.test(s[j] ?? '');
    if (plain && v <= MAX_INT4) {
      i = j;
      const n = negative ? -v : v;
      node = { A_Const: { ival: n === 0 ? {} : { ival: n }, location: at } };
      return delimited(s, i) ? node : null;
    }
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
  return delimited(s, i) ? node : null;
}

/** A literal must end its item: no cast, operator or string continuation after it. Sets scanEnd. */
function delimited(s: string, i: number): boolean {
  scanEnd = i;
  let j = i;
  while (s[j] === ' ' || s[j] === '\n' || s[j] === '\t' || s[j] === '\r') j++;
  return s[j] === ',' || s[j] === ')';
}
