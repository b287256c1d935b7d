// LIKE / ILIKE and like_escape, ported from PostgreSQL's like_match.c (MatchText) rather
// than translated to a RegExp: the pattern is walked against the text, so a trailing escape
// character is an error only when matching reaches it ('a' LIKE 'a\' is false, not 22025),
// and the walk never backtracks exponentially (a '%' scans forward once per literal).

import { SqlError, SQLSTATE } from '../../errors.js';

const TRUE = 1;
const FALSE = 0;
const ABORT = -1;

const BACKSLASH = 0x5c;
const PERCENT = 0x25;
const UNDERSCORE = 0x5f;

function trailingEscape(): SqlError {
  return new SqlError(SQLSTATE.INVALID_ESCAPE_SEQUENCE, 'LIKE pattern must not end with escape character');
}

/** Length in UTF-16 units of the character starting at i (a surrogate pair counts as one). */
function charLen(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? 2 : 1;
}

/**
 * MatchText: t[ti..] against p[pi..]. Literal comparisons go unit by unit (text and pattern
 * stay in lockstep, as PostgreSQL's byte-wise comparison does); wildcards advance the text
 * by whole characters.
 */
function matchText(t: string, ti: number, p: string, pi: number): number {
  const tlen = t.length;
  const plen = p.length;
  if (plen - pi === 1 && p.charCodeAt(pi) === PERCENT) return TRUE;
  while (ti < tlen && pi < plen) {
    const pc = p.charCodeAt(pi);
    if (pc === BACKSLASH) {
      pi++;
      if (pi >= plen) throw trailingEscape();
      if (p.charCodeAt(pi) !== t.charCodeAt(ti)) return FALSE;
    } else if (pc === PERCENT) {
      pi++;
      // any run of % and _ is N _'s and one %: consume the _'s from the text now
      while (pi < plen) {
        const c = p.charCodeAt(pi);
        if (c === PERCENT) pi++;
        else if (c === UNDERSCORE) {
          if (ti >= tlen) return ABORT;
          ti += charLen(t, ti);
          pi++;
        } else break;
      }
      if (pi >= plen) return TRUE;
      let first: number;
      if (p.charCodeAt(pi) === BACKSLASH) {
        if (plen - pi < 2) throw trailingEscape();
        first = p.charCodeAt(pi + 1);
      } else first = p.charCodeAt(pi);
      while (ti < tlen) {
        if (t.charCodeAt(ti) === first) {
          const m = matchText(t, ti, p, pi);
          if (m !== FALSE) return m;
        }
        ti += charLen(t, ti);
      }
      return ABORT;
    } else if (pc === UNDERSCORE) {
      ti += charLen(t, ti);
      pi++;
      continue;
    } else if (pc !== t.charCodeAt(ti)) {
      return FALSE;
    }
    ti++;
    pi++;
  }
  if (ti < tlen) return FALSE;
  while (pi < plen && p.charCodeAt(pi) === PERCENT) pi++;
  return pi >= plen ? TRUE : ABORT;
}

// For a pattern with at most one %, V8's RegExp is faster than the walk and backtracks at
// most once per position of its tail (two % would make it quadratic: '%a%b' over a long run
// of a's); it gives the same answers unless the pattern ends in a lone escape, whose error
// depends on how far the walk gets. '%literal%' is a substring search.
const compiled = new Map<string, ((text: string) => boolean) | null>();

function fastMatcher(pattern: string): ((text: string) => boolean) | null {
  if (pattern.length >= 2 && pattern.startsWith('%') && pattern.endsWith('%')) {
    const lit = pattern.slice(1, -1);
    if (!/[%_\\]/.test(lit)) return (t) => t.includes(lit);
  }
  const re = toRegExp(pattern);
  return re ? (t) => re.test(t) : null;
}

function toRegExp(pattern: string): RegExp | null {
  let src = '';
  let percents = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      if (++i >= pattern.length) return null;
      src += escapeRe(pattern[i]);
    } else if (c === '%') {
      if (++percents > 1) return null;
      src += '.*';
    } else if (c === '_') src += '.';
    else src += escapeRe(c);
  }
  return new RegExp('^' + src + '$', 'su');
}

function escapeRe(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? '\\' + c : c;
}

/** text LIKE pattern (backslash escapes). ILIKE callers pass both sides lower-cased. */
export function likeMatch(text: string, pattern: string): boolean {
  let fast = compiled.get(pattern);
  if (fast === undefined) {
    fast = fastMatcher(pattern);
    if (compiled.size > 1000) compiled.clear();
    compiled.set(pattern, fast);
  }
  if (fast) return fast(text);
  return matchText(text, 0, pattern, 0) === TRUE;
}

/**
 * like_escape(pattern, escape) (like_match.c do_like_escape): rewrite to backslash form.
 * It never rejects a trailing escape itself; the match does, if it gets there.
 */
export function likeEscape(pattern: string, escape: string): string {
  const e = Array.from(escape);
  if (e.length > 1) {
    throw new SqlError(SQLSTATE.INVALID_ESCAPE_SEQUENCE, 'invalid escape string', {
      hint: 'Escape string must be empty or one character.',
    });
  }
  if (e.length === 0) return pattern.replace(/\\/g, '\\\\');
  if (e[0] === '\\') return pattern;
  let out = '';
  let afterEscape = false;
  for (const c of pattern) {
    if (c === e[0] && !afterEscape) {
      out += '\\';
      afterEscape = true;
    } else if (c === '\\') {
      out += afterEscape ? '\\' : '\\\\';
      afterEscape = false;
    } else {
      out += c;
      afterEscape = false;
    }
  }
  return out;
}
