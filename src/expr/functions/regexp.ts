// The regular expression functions whose answer depends on where matches are (regexp.c and
// varlena.c replace_text_regexp): substring(text FROM pattern), regexp_match,
// regexp_replace, regexp_split_to_array, and PostgreSQL 15's regexp_like, regexp_count,
// regexp_instr and regexp_substr; plus similar_to_escape, the SQL regular expression
// translation behind SIMILAR TO and substring(… SIMILAR … ESCAPE …). Matching runs on
// regex_engine.ts (leftmost-longest, PostgreSQL's submatch rules). The set-returning
// regexp_matches and regexp_split_to_table are not implemented (0A000 by pg15_names.ts).

import { SqlError, SQLSTATE } from '../../errors.js';
import { PgArray } from '../array.js';
import type { Value } from '../value.js';
import { T, fn, op } from './core.js';
import { parseAre, type ParsedRe, type ReNode } from './regex.js';
import { existsDfaOf } from './regex_dfa.js';
import { StringBuilder, checkHeapFor } from '../limits.js';
import { ICASE, NLANCH, NLSTOP, ReMatcher, codePoints, greediness, type Match } from './regex_engine.js';

const S = (v: Value) => v as string;
const I = (v: Value) => v as number;
const TX = T.text;
const I4 = T.int4;

function unsupportedOption(o: string): SqlError {
  return new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, `regular expression option "${o}" is not supported`);
}

interface ReFlags {
  /** regex_engine.ts ICASE | NLSTOP | NLANCH */
  mode: number;
  glob: boolean;
  /** 'q': the pattern is a literal string */
  quote: boolean;
}

/** parse_re_flags: options apply left to right; those changing the syntax or newline handling are refused. */
function parseFlags(opts: string | null): ReFlags {
  const f: ReFlags = { mode: 0, glob: false, quote: false };
  let icase = false;
  let syntax: 'are' | 'bre' | 'ere' | 'quote' = 'are';
  let nlstop = false;
  let nlanch = false;
  let expanded = false;
  for (const o of opts ?? '') {
    switch (o) {
      case 'g': f.glob = true; break;
      case 'b': syntax = 'bre'; break;
      case 'c': icase = false; break;
      case 'e': syntax = 'ere'; break;
      case 'i': icase = true; break;
      case 'm': case 'n': nlstop = nlanch = true; break;
      case 'p': nlstop = true; nlanch = false; break;
      case 'q': syntax = 'quote'; break;
      case 's': nlstop = nlanch = false; break;
      case 't': expanded = false; break;
      case 'w': nlstop = false; nlanch = true; break;
      case 'x': expanded = true; break;
      default:
        throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `invalid regular expression option: "${o}"`);
    }
  }
  if (syntax === 'bre' || syntax === 'ere') throw unsupportedOption(syntax === 'bre' ? 'b' : 'e');
  if (expanded && syntax !== 'quote') throw unsupportedOption('x');
  f.quote = syntax === 'quote';
  f.mode = (icase ? ICASE : 0) | (nlstop ? NLSTOP : 0) | (nlanch ? NLANCH : 0);
  return f;
}

function noGlobal(f: ReFlags, name: string, hint?: string): void {
  if (f.glob) {
    throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `${name} does not support the "global" option`, hint ? { hint } : {});
  }
}

const literalCache = new Map<string, ParsedRe>();
function compilePattern(pattern: string, f: ReFlags, existenceOnly: boolean): ParsedRe {
  if (!f.quote) {
    const re = parseAre(pattern);
    // a non-greedy part can change which match is found, not only how it is divided
    if (!existenceOnly && greediness(re.root) === 'lazy' && !isAnchored(re.root)) {
      throw new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, 'regular expression non-greedy quantifiers is not supported');
    }
    return re;
  }
  let re = literalCache.get(pattern);
  if (!re) {
    const items: ReNode[] = Array.from(pattern, (c) => ({ t: 'char', cp: c.codePointAt(0)! }));
    re = { root: { t: 'cat', items }, ngroups: 0 };
    if (literalCache.size > 1000) literalCache.clear();
    literalCache.set(pattern, re);
  }
  return re;
}

/** ^(?: … )$ as SIMILAR TO builds it: only one extent can match, whatever the greediness. */
function isAnchored(n: ReNode): boolean {
  return n.t === 'cat' && n.items.length > 1 && n.items[0].t === 'bol' && n.items[n.items.length - 1].t === 'eol';
}

/** One text matched against one pattern; the engine's structures are built on first use. */
class Found {
  private engine: ReMatcher | null = null;
  private cps: Int32Array | null = null;
  /** code point → string offset (null: the same) */
  private offs: Int32Array | null = null;

  constructor(
    readonly text: string,
    private readonly re: ParsedRe,
    private readonly mode: number,
  ) {}

  get ngroups(): number {
    return this.re.ngroups;
  }

  private get m(): ReMatcher {
    if (!this.engine) {
      const { cps, offsets } = codePoints(this.text);
      this.cps = cps;
      this.offs = offsets;
      this.engine = new ReMatcher(this.re.root, this.re.ngroups, this.mode, cps);
    }
    return this.engine;
  }

  /** length in code points */
  get len(): number {
    this.m;
    return this.cps!.length;
  }

  /** whether there is a match at all */
  exists(): boolean {
    return existsDfaOf(this.re.root, this.mode).exists(this.text);
  }

  /** the first match at or after a code point position */
  exec(start: number): Match | null {
    return this.m.exec(start);
  }

  /** the text between two code point positions */
  slice(so: number, eo: number): string {
    this.m;
    const o = this.offs;
    return o ? this.text.slice(o[so], o[eo]) : this.text.slice(so, eo);
  }
}

function matcher(text: string, pattern: string, f: ReFlags, existenceOnly = false): Found {
  return new Found(text, compilePattern(pattern, f, existenceOnly), f.mode);
}

/**
 * setup_regexp_matches: the matches from `start` (code points), each as [so, eo, …] of the
 * whole match or, with subpatterns, of each group.
 */
function allMatches(
  found: Found,
  start: number,
  glob: boolean,
  subpatterns: boolean,
  ignoreDegenerate: boolean,
): Int32Array[] {
  const len = found.len;
  const out: Int32Array[] = [];
  let prevMatchEnd = 0;
  while (start <= len) {
    const r = found.exec(start);
    if (!r) break;
    const so = r.caps[0];
    const eo = r.caps[1];
    if (!ignoreDegenerate || (so < len && eo > prevMatchEnd)) {
      out.push(subpatterns && found.ngroups > 0 ? r.caps.slice(2) : r.caps.slice(0, 2));
      // each match is kept (some 100 bytes): refuse before the heap runs out
      if (out.length % 1_000_000 === 0) checkHeapFor(out.length * 100);
    }
    prevMatchEnd = eo;
    if (!glob) break;
    start = eo + (so === eo ? 1 : 0);
  }
  return out;
}

function checkParam(name: string, value: number, ok: boolean): void {
  if (!ok) throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `invalid value for parameter "${name}": ${value}`);
}

// --- ~* and !~*: case folding as PostgreSQL's (towlower/towupper of the pattern), which a JS
// RegExp's i flag does not reproduce, so these run on the engine ---

function icMatch(s: string, p: string): boolean {
  return matcher(s, p, { mode: ICASE, glob: false, quote: false }, true).exists();
}
for (const [lt, prefix] of [[TX, 'text'], [T.bpchar, 'bpchar']] as const) {
  op('~*', { name: prefix + 'icregexeq', args: [lt, TX], returns: T.bool, eval: (v) => icMatch(S(v[0]), S(v[1])) });
  op('!~*', { name: prefix + 'icregexne', args: [lt, TX], returns: T.bool, eval: (v) => !icMatch(S(v[0]), S(v[1])) });
}

// --- substring(text FROM pattern): the first parenthesized part, or the whole match ---

function regexSubstr(s: string, p: string): Value {
  const found = matcher(s, p, { mode: 0, glob: false, quote: false });
  const r = found.exec(0);
  if (!r) return null;
  const k = found.ngroups > 0 ? 1 : 0;
  const so = r.caps[2 * k];
  const eo = r.caps[2 * k + 1];
  return so < 0 || eo < 0 ? null : found.slice(so, eo);
}
fn('substring', { name: 'textregexsubstr', args: [TX, TX], returns: TX, eval: (v) => regexSubstr(S(v[0]), S(v[1])) });
// substring(s SIMILAR p ESCAPE e) = substring(s, similar_to_escape(p, e)), a SQL function
fn('substring', {
  name: 'textsimilarsubstr',
  args: [TX, TX, TX],
  returns: TX,
  eval: (v) => regexSubstr(S(v[0]), similarToEscape(S(v[1]), S(v[2]))),
});

// --- regexp_match(string, pattern [, flags]) → text[] ---

function regexpMatch(v: Value[]): Value {
  const f = parseFlags(v.length > 2 ? S(v[2]) : null);
  noGlobal(f, 'regexp_match()', 'Use the regexp_matches function instead.');
  const found = matcher(S(v[0]), S(v[1]), f);
  const [m] = allMatches(found, 0, false, true, false);
  if (!m) return null;
  const elems: Value[] = [];
  for (let k = 0; k < m.length; k += 2) elems.push(m[k] < 0 || m[k + 1] < 0 ? null : found.slice(m[k], m[k + 1]));
  return new PgArray(elems);
}
fn('regexp_match', { name: 'regexp_match_noopts', args: [TX, TX], returns: T._text, eval: regexpMatch });
fn('regexp_match', { name: 'regexp_match', args: [TX, TX, TX], returns: T._text, eval: regexpMatch });

// --- regexp_replace ---

/** appendStringInfoRegexpSubstr: \1..\9, \& and \\ in the replacement. */
function appendReplacement(out: StringBuilder, rep: string, caps: Int32Array, found: Found): void {
  let i = 0;
  while (i < rep.length) {
    const b = rep.indexOf('\\', i);
    if (b < 0) {
      out.push(rep.slice(i));
      return;
    }
    out.push(rep.slice(i, b));
    i = b + 1;
    if (i >= rep.length) {
      out.push('\\');
      return;
    }
    const c = rep[i];
    let k: number;
    if (c >= '1' && c <= '9') k = c.charCodeAt(0) - 48;
    else if (c === '&') k = 0;
    else if (c === '\\') {
      out.push('\\');
      i++;
      continue;
    } else {
      out.push('\\');
      continue;
    }
    i++;
    const so = 2 * k < caps.length ? caps[2 * k] : -1;
    const eo = 2 * k < caps.length ? caps[2 * k + 1] : -1;
    if (so >= 0 && eo >= 0) out.push(found.slice(so, eo));
  }
}

/** replace_text_regexp: replace the n-th match (n = 0: every match) at or after `start`. */
function replaceRegexp(s: string, p: string, rep: string, f: ReFlags, start: number, n: number): string {
  const found = matcher(s, p, f);
  const len = found.len;
  const out = new StringBuilder();
  let dataPos = 0;
  let searchStart = start;
  let nmatches = 0;
  while (searchStart <= len) {
    const r = found.exec(searchStart);
    if (!r) break;
    const so = r.caps[0];
    const eo = r.caps[1];
    nmatches++;
    if (n > 0 && nmatches !== n) {
      searchStart = eo + (so === eo ? 1 : 0);
      continue;
    }
    if (so > dataPos) out.push(found.slice(dataPos, so));
    appendReplacement(out, rep, r.caps, found);
    dataPos = eo;
    if (n > 0) break;
    searchStart = eo + (so === eo ? 1 : 0);
  }
  if (dataPos < len) out.push(found.slice(dataPos, len));
  return out.finish();
}

fn('regexp_replace', {
  name: 'textregexreplace_noopt',
  args: [TX, TX, TX],
  returns: TX,
  eval: (v) => replaceRegexp(S(v[0]), S(v[1]), S(v[2]), parseFlags(null), 0, 1),
});
fn('regexp_replace', {
  name: 'textregexreplace',
  args: [TX, TX, TX, TX],
  returns: TX,
  eval: (v) => {
    const opts = S(v[3]);
    if (/^[0-9]/.test(opts)) {
      throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `invalid regular expression option: "${opts[0]}"`, {
        hint: 'If you meant to use regexp_replace() with a start parameter, cast the fourth argument to integer explicitly.',
      });
    }
    const f = parseFlags(opts);
    return replaceRegexp(S(v[0]), S(v[1]), S(v[2]), f, 0, f.glob ? 0 : 1);
  },
});
function replaceExtended(v: Value[]): Value {
  const start = I(v[3]);
  checkParam('start', start, start > 0);
  let n = 1;
  if (v.length > 4) {
    n = I(v[4]);
    checkParam('n', n, n >= 0);
  }
  const f = parseFlags(v.length > 5 ? S(v[5]) : null);
  if (v.length <= 4) n = f.glob ? 0 : 1;
  return replaceRegexp(S(v[0]), S(v[1]), S(v[2]), f, start - 1, n);
}
fn('regexp_replace', { name: 'textregexreplace_extended_start', args: [TX, TX, TX, I4], returns: TX, eval: replaceExtended });
fn('regexp_replace', { name: 'textregexreplace_extended_n', args: [TX, TX, TX, I4, I4], returns: TX, eval: replaceExtended });
fn('regexp_replace', { name: 'textregexreplace_extended', args: [TX, TX, TX, I4, I4, TX], returns: TX, eval: replaceExtended });

// --- regexp_split_to_array(string, pattern [, flags]) ---

function splitToArray(v: Value[]): Value {
  const f = parseFlags(v.length > 2 ? S(v[2]) : null);
  noGlobal(f, 'regexp_split_to_array()');
  const found = matcher(S(v[0]), S(v[1]), f);
  const matches = allMatches(found, 0, true, false, true);
  const parts: Value[] = [];
  let from = 0;
  for (const m of matches) {
    parts.push(found.slice(from, m[0]));
    from = m[1];
  }
  parts.push(found.slice(from, found.len));
  return new PgArray(parts);
}
fn('regexp_split_to_array', { name: 'regexp_split_to_array_no_flags', args: [TX, TX], returns: T._text, eval: splitToArray });
fn('regexp_split_to_array', { name: 'regexp_split_to_array', args: [TX, TX, TX], returns: T._text, eval: splitToArray });

// --- PostgreSQL 15: regexp_like, regexp_count, regexp_instr, regexp_substr ---

function regexpLike(v: Value[]): Value {
  const f = parseFlags(v.length > 2 ? S(v[2]) : null);
  noGlobal(f, 'regexp_like()');
  return matcher(S(v[0]), S(v[1]), f, true).exists();
}
fn('regexp_like', { name: 'regexp_like_no_flags', args: [TX, TX], returns: T.bool, eval: regexpLike });
fn('regexp_like', { name: 'regexp_like', args: [TX, TX, TX], returns: T.bool, eval: regexpLike });

function regexpCount(v: Value[]): Value {
  let start = 1;
  if (v.length > 2) {
    start = I(v[2]);
    checkParam('start', start, start > 0);
  }
  const f = parseFlags(v.length > 3 ? S(v[3]) : null);
  noGlobal(f, 'regexp_count()');
  // the matches are counted, not kept
  const found = matcher(S(v[0]), S(v[1]), f);
  const len = found.len;
  let n = 0;
  for (let at = start - 1; at <= len; ) {
    const r = found.exec(at);
    if (!r) break;
    n++;
    at = r.caps[1] + (r.caps[0] === r.caps[1] ? 1 : 0);
  }
  return n;
}
fn('regexp_count', { name: 'regexp_count_no_start', args: [TX, TX], returns: I4, eval: regexpCount });
fn('regexp_count', { name: 'regexp_count_no_flags', args: [TX, TX, I4], returns: I4, eval: regexpCount });
fn('regexp_count', { name: 'regexp_count', args: [TX, TX, I4, TX], returns: I4, eval: regexpCount });

/** The n-th match's [so, eo] (of group `subexpr` when > 0), or null when there is none. */
function nthMatch(v: Value[], name: string, nPos: number, flagsPos: number, subexprPos: number, endPos = -1): {
  loc: Int32Array | null;
  found: Found;
  endoption: number;
} {
  let start = 1;
  let n = 1;
  let endoption = 0;
  let subexpr = 0;
  if (v.length > 2) {
    start = I(v[2]);
    checkParam('start', start, start > 0);
  }
  if (v.length > nPos) {
    n = I(v[nPos]);
    checkParam('n', n, n > 0);
  }
  if (endPos > 0 && v.length > endPos) {
    endoption = I(v[endPos]);
    checkParam('endoption', endoption, endoption === 0 || endoption === 1);
  }
  if (v.length > subexprPos) {
    subexpr = I(v[subexprPos]);
    checkParam('subexpr', subexpr, subexpr >= 0);
  }
  const f = parseFlags(v.length > flagsPos ? S(v[flagsPos]) : null);
  noGlobal(f, name);
  const found = matcher(S(v[0]), S(v[1]), f);
  const matches = allMatches(found, start - 1, true, subexpr > 0, false);
  const npatterns = subexpr > 0 && found.ngroups > 0 ? found.ngroups : 1;
  if (n > matches.length || subexpr > npatterns) return { loc: null, found, endoption };
  const m = matches[n - 1];
  const k = subexpr > 0 ? subexpr - 1 : 0;
  return { loc: m.slice(2 * k, 2 * k + 2), found, endoption };
}

function regexpInstr(v: Value[]): Value {
  const { loc, endoption } = nthMatch(v, 'regexp_instr()', 3, 5, 6, 4);
  if (!loc) return 0;
  const p = loc[endoption];
  return p >= 0 ? p + 1 : 0;
}
fn('regexp_instr', { name: 'regexp_instr_no_start', args: [TX, TX], returns: I4, eval: regexpInstr });
fn('regexp_instr', { name: 'regexp_instr_no_n', args: [TX, TX, I4], returns: I4, eval: regexpInstr });
fn('regexp_instr', { name: 'regexp_instr_no_endoption', args: [TX, TX, I4, I4], returns: I4, eval: regexpInstr });
fn('regexp_instr', { name: 'regexp_instr_no_flags', args: [TX, TX, I4, I4, I4], returns: I4, eval: regexpInstr });
fn('regexp_instr', { name: 'regexp_instr_no_subexpr', args: [TX, TX, I4, I4, I4, TX], returns: I4, eval: regexpInstr });
fn('regexp_instr', { name: 'regexp_instr', args: [TX, TX, I4, I4, I4, TX, I4], returns: I4, eval: regexpInstr });

function regexpSubstr(v: Value[]): Value {
  const { loc, found } = nthMatch(v, 'regexp_substr()', 3, 4, 5);
  if (!loc || loc[0] < 0 || loc[1] < 0) return null;
  return found.slice(loc[0], loc[1]);
}
fn('regexp_substr', { name: 'regexp_substr_no_start', args: [TX, TX], returns: TX, eval: regexpSubstr });
fn('regexp_substr', { name: 'regexp_substr_no_n', args: [TX, TX, I4], returns: TX, eval: regexpSubstr });
fn('regexp_substr', { name: 'regexp_substr_no_flags', args: [TX, TX, I4, I4], returns: TX, eval: regexpSubstr });
fn('regexp_substr', { name: 'regexp_substr_no_subexpr', args: [TX, TX, I4, I4, TX], returns: TX, eval: regexpSubstr });
fn('regexp_substr', { name: 'regexp_substr', args: [TX, TX, I4, I4, TX, I4], returns: TX, eval: regexpSubstr });

// --- SQL regular expressions (SIMILAR TO) ---

/** similar_escape_internal (regexp.c): a SQL regular expression as an ARE. */
export function similarToEscape(pattern: string, escape: string | null): string {
  let e: string | null = escape === null ? '\\' : escape;
  if (e === '') e = null;
  else if (Array.from(e).length > 1) {
    throw new SqlError(SQLSTATE.INVALID_ESCAPE_SEQUENCE, 'invalid escape string', {
      hint: 'Escape string must be empty or one character.',
    });
  }
  let r = '^(?:';
  let afterEscape = false;
  let nquotes = 0;
  let bracketDepth = 0;
  let charclassPos = 0;
  for (const c of pattern) {
    if (afterEscape) {
      if (c === '"' && bracketDepth < 1) {
        if (nquotes === 0) r += '){1,1}?(';
        else if (nquotes === 1) r += '){1,1}(?:';
        else {
          throw new SqlError('2200C', 'SQL regular expression may not contain more than two escape-double-quote separators');
        }
        nquotes++;
      } else {
        r += '\\' + c;
        charclassPos = 3;
      }
      afterEscape = false;
    } else if (e !== null && c === e) {
      afterEscape = true;
    } else if (bracketDepth > 0) {
      if (c === '\\') r += '\\';
      r += c;
      if (c === ']' && charclassPos > 2) bracketDepth--;
      else if (c === '[') {
        bracketDepth++;
        charclassPos = 3;
      } else if (c === '^') charclassPos++;
      else charclassPos = 3;
    } else if (c === '[') {
      r += c;
      bracketDepth = 1;
      charclassPos = 1;
    } else if (c === '%') r += '.*';
    else if (c === '_') r += '.';
    else if (c === '(') r += '(?:';
    else if (c === '\\' || c === '.' || c === '^' || c === '$') r += '\\' + c;
    else r += c;
  }
  return r + ')$';
}

fn('similar_to_escape', { name: 'similar_to_escape_1', args: [TX], returns: TX, eval: (v) => similarToEscape(S(v[0]), null) });
fn('similar_to_escape', { name: 'similar_to_escape_2', args: [TX, TX], returns: TX, eval: (v) => similarToEscape(S(v[0]), S(v[1])) });
