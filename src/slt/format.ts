// Result formatting and comparison for sqllogictest records.
//
// Two layouts exist. SQLite's: one value per line, each value formatted by its column's type
// letter (I integer, R `%.3f`, T text with non-printable bytes as `@`), results of more than
// `hash-threshold` values given as `N values hashing to <md5>`. sqllogictest-rs's (RisingWave):
// one row per line, the values as the server prints them, separated by whitespace and compared
// with whitespace normalised. A multi-column result cannot be read both ways (N·C lines vs N
// lines), so the comparison accepts either layout; only the value formatting is chosen by the
// file (see `FormatStyle`).

import { createHash } from 'node:crypto';
import type { QueryRecord, SortMode } from './parser.js';

/** 'sqlite': the type letters reformat values (`.test` files). 'pg': values as PostgreSQL prints them. */
export type FormatStyle = 'sqlite' | 'pg';

export type Cell = string | null;

/** SQLite's runner prints text with bytes outside printable ASCII replaced by '@'. */
function sqliteText(v: string): string {
  if (/^[\x20-\x7e]*$/.test(v)) return v;
  let out = '';
  for (const b of Buffer.from(v, 'utf8')) out += b < 0x20 || b > 0x7e ? '@' : String.fromCharCode(b);
  return out;
}

export function formatCell(v: Cell, type: string, style: FormatStyle): string {
  if (v === null) return 'NULL';
  if (v === '') return '(empty)';
  if (style === 'pg') return v;
  switch (type) {
    case 'I': {
      if (/^-?\d+$/.test(v)) return /^-0+$/.test(v) ? '0' : v; // a float -0 in an integer column is 0
      const n = Number(v);
      // numeric/float text in an integer column: SQLite converts to int64 (truncation)
      return Number.isFinite(n) ? String(Math.trunc(n)).replace(/^-0$/, '0') : v;
    }
    case 'R': {
      const n = Number(v);
      return Number.isFinite(n) ? n.toFixed(3) : v;
    }
    default:
      return sqliteText(v);
  }
}

export function formatRows(rows: readonly (readonly Cell[])[], types: string, style: FormatStyle): string[][] {
  return rows.map((r) => r.map((v, c) => formatCell(v, types[c] ?? 'T', style)));
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** SQLite's rowsort: rows compared value by value (strcmp). */
export function sortRows(rows: string[][]): string[][] {
  return [...rows].sort((a, b) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = cmp(a[i], b[i]);
      if (c) return c;
    }
    return a.length - b.length;
  });
}

/** The values in result order after applying the sort mode. */
export function sortedValues(rows: string[][], sort: SortMode): string[] {
  if (sort === 'rowsort') return sortRows(rows).flat();
  if (sort === 'valuesort') return rows.flat().sort(cmp);
  return rows.flat();
}

/** md5 over each value followed by a newline (SQLite's hashing). */
export function hashValues(values: readonly string[]): string {
  const h = createHash('md5');
  for (const v of values) h.update(v + '\n');
  return h.digest('hex');
}

const HASH_LINE = /^(\d+) values hashing to ([0-9a-f]{32})$/;
const norm = (s: string) => s.trim().replace(/\s+/g, ' ');

export interface CompareOptions {
  style: FormatStyle;
  /** Override the record's sort mode (incremental mode compares views as multisets). */
  sort?: SortMode;
}

/** The candidate formattings to try: SQLite files only SQLite's; others PostgreSQL's, then SQLite's. */
function styles(style: FormatStyle): FormatStyle[] {
  return style === 'sqlite' ? ['sqlite'] : ['pg', 'sqlite'];
}

/**
 * Does `rows` (text values, NULL as null) match the record's expected lines? Returns null on
 * a match, else the actual result as it would be written in the file (for the message).
 */
export function compareResult(rec: QueryRecord, rows: readonly (readonly Cell[])[], opts: CompareOptions): string[] | null {
  const sort = opts.sort ?? rec.sort ?? 'nosort';
  const exp = rec.expected;
  const hashed = exp.length === 1 ? HASH_LINE.exec(exp[0]) : null;
  let shown: string[] | null = null;
  for (const style of styles(opts.style)) {
    const f = formatRows(rows, rec.types, style);
    const vals = sortedValues(f, sort);
    shown ??= vals.length > 0 && hashed ? [`${vals.length} values hashing to ${hashValues(vals)}`] : vals;
    if (hashed) {
      if (vals.length === Number(hashed[1]) && hashValues(vals) === hashed[2]) return null;
      continue;
    }
    // value per line
    if (vals.length === exp.length) {
      let e = exp;
      const ncol = f[0]?.length ?? 1;
      if (sort === 'rowsort' && ncol > 0 && exp.length % ncol === 0) {
        const rowsExp: string[][] = [];
        for (let k = 0; k < exp.length; k += ncol) rowsExp.push(exp.slice(k, k + ncol));
        e = sortRows(rowsExp).flat();
      } else if (sort === 'valuesort') e = [...exp].sort(cmp);
      if (vals.every((v, k) => v === e[k] || norm(v) === norm(e[k]))) return null;
    }
    // row per line, whitespace normalised (sqllogictest-rs)
    if (f.length === exp.length) {
      let got = f.map((r) => norm(r.join(' ')));
      let e = exp.map(norm);
      if (sort === 'rowsort') {
        got = [...got].sort(cmp);
        e = [...e].sort(cmp);
      } else if (sort === 'valuesort') {
        got = [got.join(' ').split(' ').sort(cmp).join(' ')];
        e = [e.join(' ').split(' ').sort(cmp).join(' ')];
      }
      if (got.every((v, k) => v === e[k])) return null;
    }
  }
  return shown ?? [];
}

/** The same multiset of rows (after formatting)? Used to compare a view with a verified batch result. */
export function sameRows(a: readonly (readonly Cell[])[], b: readonly (readonly Cell[])[], types: string, style: FormatStyle): boolean {
  if (a.length !== b.length) return false;
  const fa = sortRows(formatRows(a, types, style)).map((r) => r.join('\u0001'));
  const fb = sortRows(formatRows(b, types, style)).map((r) => r.join('\u0001'));
  return fa.every((v, k) => v === fb[k]);
}

/** Shorten text for a one-line message. */
export function shorten(s: string, max = 160): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length <= max ? one : one.slice(0, max - 1) + '…';
}
