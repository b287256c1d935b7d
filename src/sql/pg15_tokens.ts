// PostgreSQL 15's lexical rules for numbers and parameters, which the PostgreSQL 17 grammar
// (libpg-query) is more lenient about: PostgreSQL 16 added `1_000`, `0x1F`, `0o17` and
// `0b101`, and libpg-query lets `$1a` through as `$1 AS a`. PostgreSQL 15 reads each of them
// as a number followed by an identifier and fails with "trailing junk" (42601).
//
// The check works from the parse tree, not from the text: every numeric constant and
// parameter records where its token starts (`location`), and only there is the text re-read
// with PostgreSQL 15's scan.l rules, so string literals, quoted identifiers and comments are
// never mistaken for numbers. A numeric literal the tree keeps no location for (the precision
// of `float(p)`, array bounds in a type name) is not checked.

import { syntaxError } from '../errors.js';
import type { TextOffsets } from './locations.js';

const IDENT = '[A-Za-z_\\u0080-\\u{10FFFF}][A-Za-z_0-9$\\u0080-\\u{10FFFF}]*';
const NUMBER = '(?:\\d+\\.?\\d*|\\.\\d+)';
const REAL = `${NUMBER}[Ee][-+]?\\d+`;

// scan.l's rules in their order: on equal lengths the earlier rule wins (flex)
const RULES: { re: RegExp; junk: boolean }[] = [
  { re: /\d+/uy, junk: false }, // integer
  { re: /\d*\.\d+|\d+\.\d*/uy, junk: false }, // decimal
  { re: /\d+\.\./uy, junk: false }, // decimalfail: the integer, then ".."
  { re: new RegExp(REAL, 'uy'), junk: false }, // real
  { re: new RegExp(`${NUMBER}[Ee][-+]?`, 'uy'), junk: true }, // realfail1, realfail2
  { re: new RegExp(`(?:${REAL}|${NUMBER})${IDENT}`, 'uy'), junk: true }, // *_junk
];
const PARAM_JUNK = new RegExp(`\\$\\d+${IDENT}`, 'uy');

/** The erroneous token PostgreSQL 15 would read at text[i] (a digit or '.'), or null. */
function numberJunk(text: string, i: number): string | null {
  let best = 0;
  let junk = false;
  for (const r of RULES) {
    r.re.lastIndex = i;
    const m = r.re.exec(text);
    if (m && m[0].length > best) {
      best = m[0].length;
      junk = r.junk;
    }
  }
  return junk ? text.slice(i, i + best) : null;
}

/** Skip white space and comments (-- to end of line, nested /* *\/) from i. */
function skipSpace(text: string, i: number): number {
  for (;;) {
    while (i < text.length && /[ \t\n\r\f\v]/.test(text[i])) i++;
    if (text.startsWith('--', i)) {
      while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
    } else if (text.startsWith('/*', i)) {
      let depth = 0;
      do {
        if (text.startsWith('/*', i)) {
          depth++;
          i += 2;
        } else if (text.startsWith('*/', i)) {
          depth--;
          i += 2;
        } else i++;
      } while (depth > 0 && i < text.length);
    } else return i;
  }
}

interface Found {
  /** Byte offset of the token; becomes a JS string index. */
  location: number;
  /** A numeric constant: folded with a unary minus, it starts at the '-' (gram.y doNegate). */
  negated: boolean;
  param: boolean;
}

function collect(node: unknown, out: Found[]): void {
  if (Array.isArray(node)) {
    for (const x of node) collect(x, out);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const obj = node as Record<string, any>;
  const c = obj.A_Const;
  if (c && (c.ival || c.fval) && typeof c.location === 'number' && c.location >= 0) {
    out.push({ location: c.location, negated: true, param: false });
  }
  const p = obj.ParamRef;
  if (p && typeof p.location === 'number' && p.location >= 0) out.push({ location: p.location, negated: false, param: true });
  for (const k in obj) {
    const v = obj[k];
    if (v !== null && typeof v === 'object') collect(v, out);
  }
}

// Only these can hide a token PostgreSQL 15 rejects; anything else skips the tree walk.
const MAYBE = /\d[_xXoObB]|\$\d/;

/** Throw PostgreSQL 15's "trailing junk" error for the first such token in the text. */
export function checkPg15Tokens(tree: unknown, offsets: TextOffsets): void {
  const text = offsets.text;
  if (!MAYBE.test(text)) return;
  const found: Found[] = [];
  collect(tree, found);
  found.sort((a, b) => a.location - b.location);
  const { index } = offsets.convert(found.map((f) => f.location));
  found.forEach((f, k) => (f.location = index[k]));
  for (const t of found) {
    let i = t.location;
    if (t.param) {
      PARAM_JUNK.lastIndex = i;
      const m = PARAM_JUNK.exec(text);
      if (m) throw syntaxError(`trailing junk after parameter at or near "${m[0]}"`, offsets.charAtIndex(i) + 1);
      continue;
    }
    if (t.negated) {
      while (text[i] === '-' && text[i + 1] !== '-') i = skipSpace(text, i + 1);
    }
    if (!/[0-9.]/.test(text[i] ?? '')) continue;
    const junk = numberJunk(text, i);
    if (junk !== null) throw syntaxError(`trailing junk after numeric literal at or near "${junk}"`, offsets.charAtIndex(i) + 1);
  }
}

/**
 * For a parse error at a number: PostgreSQL 17 words some of them its own way ("invalid
 * hexadecimal integer" for `0x`); PostgreSQL 15 reads the same text as trailing junk.
 */
export function pg15ErrorAt(offsets: TextOffsets, index: number): { message: string; position: number } | null {
  if (!/[0-9.]/.test(offsets.text[index] ?? '')) return null;
  const junk = numberJunk(offsets.text, index);
  if (junk === null) return null;
  return { message: `trailing junk after numeric literal at or near "${junk}"`, position: offsets.charAtIndex(index) + 1 };
}
