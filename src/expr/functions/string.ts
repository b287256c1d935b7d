// String functions and pattern-matching operators. Lengths and positions count code points
// as PostgreSQL does in UTF-8. The regular expression operators ~ and !~ run on regex_dfa.ts
// (no backtracking). Functions that build big strings check the size first (limits.ts).

import { createHash } from 'node:crypto';
import { SqlError, SQLSTATE } from '../../errors.js';
import type { SqlType } from '../../sql/types.js';
import type { Value } from '../value.js';
import { formatValue } from '../format.js';
import { charLength } from '../cast.js';
import { ANY, T, fn, op } from './core.js';
import { reExists } from './regex_dfa.js';
import { likeEscape, likeMatch } from './like.js';
import { mapCase } from '../case_map.js';
import { PgArray } from '../array.js';
import { MAX_ALLOC_SIZE, MAX_ARRAY_SIZE, MAX_ENCODING_LENGTH, StringBuilder, VARHDRSZ, bytesPerUnit, checkArraySize, checkStringLength, requestedLengthTooLarge } from '../limits.js';

const S = (v: Value) => v as string;
const X = (v: Value) => v as number;
const TX = T.text;
const I4 = T.int4;

function chars(s: string): string[] {
  return charLength(s) === s.length ? s.split('') : Array.from(s);
}

/**
 * The string offset `count` code points after offset `from` (at most s.length). Positions
 * are found by walking the string, so no per-character array is built for long text.
 */
function cpOffset(s: string, from: number, count: number): number {
  let i = from;
  const n = s.length;
  for (; count > 0 && i < n; count--) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < n ? 2 : 1;
  }
  return i;
}

/** The code points of s in reverse order (surrogate pairs kept in order). */
function reverseText(s: string): string {
  const out = new StringBuilder();
  const chunk = new Uint16Array(8192);
  let k = 0;
  for (let i = s.length - 1; i >= 0; i--) {
    const c = s.charCodeAt(i);
    if (k >= chunk.length - 1) {
      out.append(String.fromCharCode(...chunk.subarray(0, k)));
      k = 0;
    }
    const hi = i > 0 ? s.charCodeAt(i - 1) : 0;
    if (c >= 0xdc00 && c <= 0xdfff && hi >= 0xd800 && hi <= 0xdbff) {
      chunk[k++] = hi;
      i--;
    }
    chunk[k++] = c;
  }
  out.append(String.fromCharCode(...chunk.subarray(0, k)));
  return out.finish();
}

function rtrimBlank(s: string): string {
  return s.replace(/ +$/, '');
}

fn(['length', 'char_length', 'character_length'], { name: 'textlen', args: [TX], returns: I4, eval: (v) => charLength(S(v[0])) });
fn(['length', 'char_length', 'character_length'], {
  name: 'bpcharlen',
  args: [T.bpchar],
  returns: I4,
  eval: (v) => charLength(rtrimBlank(S(v[0]))),
});
fn('octet_length', { name: 'textoctetlen', args: [TX], returns: I4, eval: (v) => Buffer.byteLength(S(v[0]), 'utf8') });
fn('octet_length', { name: 'bpcharoctetlen', args: [T.bpchar], returns: I4, eval: (v) => Buffer.byteLength(S(v[0]), 'utf8') });
fn('bit_length', { name: 'bitlength', args: [TX], returns: I4, eval: (v) => Buffer.byteLength(S(v[0]), 'utf8') * 8 });
fn('lower', { name: 'lower', args: [TX], returns: TX, eval: (v) => mapCase(S(v[0]), false) });
fn('upper', { name: 'upper', args: [TX], returns: TX, eval: (v) => mapCase(S(v[0]), true) });
fn('initcap', {
  name: 'initcap',
  args: [TX],
  returns: TX,
  eval: (v) => {
    const out = new StringBuilder();
    let inWord = false;
    for (const c of S(v[0])) {
      const alnum = /[\p{L}\p{N}]/u.test(c);
      out.append(alnum ? mapCase(c, !inWord) : c);
      inWord = alnum;
    }
    return out.finish();
  },
});

function substr(s: string, start: number, count: number | null): string {
  if (count !== null && count < 0) throw new SqlError('22011', 'negative substring length not allowed');
  const from = Math.max(start, 1);
  const end = count === null ? Infinity : start + count; // exclusive, 1-based
  if (end <= from) return '';
  const o1 = cpOffset(s, 0, from - 1);
  return s.slice(o1, end === Infinity ? s.length : cpOffset(s, o1, end - from));
}
fn(['substr', 'substring'], { name: 'text_substr', args: [TX, I4, I4], returns: TX, eval: (v) => substr(S(v[0]), X(v[1]), X(v[2])) });
fn(['substr', 'substring'], { name: 'text_substr_no_len', args: [TX, I4], returns: TX, eval: (v) => substr(S(v[0]), X(v[1]), null) });

function strpos(s: string, sub: string): number {
  const i = s.indexOf(sub);
  if (i < 0) return 0;
  return charLength(s.slice(0, i)) + 1;
}
fn(['strpos', 'position'], { name: 'textpos', args: [TX, TX], returns: I4, eval: (v) => strpos(S(v[0]), S(v[1])) });
/** replace (varlena.c): every occurrence of `from`, left to right; the size checked first. */
function replaceText(s: string, from: string, to: string): string {
  if (from === '' || s === '') return s;
  let count = 0;
  for (let i = s.indexOf(from); i >= 0; i = s.indexOf(from, i + from.length)) count++;
  if (count === 0) return s;
  checkStringLength(s.length + count * (to.length - from.length), 2);
  const out = new StringBuilder();
  let at = 0;
  for (let i = s.indexOf(from); i >= 0; i = s.indexOf(from, at)) {
    out.append(s.slice(at, i));
    out.append(to);
    at = i + from.length;
  }
  out.append(s.slice(at));
  return out.finish();
}
fn('replace', {
  name: 'replace_text',
  args: [TX, TX, TX],
  returns: TX,
  eval: (v) => replaceText(S(v[0]), S(v[1]), S(v[2])),
});

function trimSet(s: string, set: string, left: boolean, right: boolean): string {
  const st = new Set(chars(set).map((c) => c.codePointAt(0)!));
  let a = 0;
  let b = s.length;
  if (left) {
    while (a < b) {
      const cp = s.codePointAt(a)!;
      if (!st.has(cp)) break;
      a += cp > 0xffff ? 2 : 1;
    }
  }
  if (right) {
    while (b > a) {
      const lo = s.charCodeAt(b - 1);
      const pair = lo >= 0xdc00 && lo <= 0xdfff && b - 2 >= a && s.charCodeAt(b - 2) >= 0xd800 && s.charCodeAt(b - 2) <= 0xdbff;
      if (!st.has(s.codePointAt(pair ? b - 2 : b - 1)!)) break;
      b -= pair ? 2 : 1;
    }
  }
  return s.slice(a, b);
}
for (const [name, l, r] of [['btrim', true, true], ['ltrim', true, false], ['rtrim', false, true]] as const) {
  const names = name === 'btrim' ? ['btrim', 'trim'] : [name];
  fn(names, { name: name + '1', args: [TX], returns: TX, eval: (v) => trimSet(S(v[0]), ' ', l, r) });
  fn(names, { name, args: [TX, TX], returns: TX, eval: (v) => trimSet(S(v[0]), S(v[1]), l, r) });
}

/** lpad/rpad (oracle_compat.c): to n characters, truncating or filling with `fill`. */
function pad(s: string, n: number, fill: string, left: boolean): string {
  let len = Math.max(n, 0);
  const slen = charLength(s);
  const keep = Math.min(slen, len);
  if (fill === '') len = keep; // nothing to pad with
  // PostgreSQL allocates for the worst case of 4 bytes a character
  if (len * MAX_ENCODING_LENGTH + VARHDRSZ > MAX_ALLOC_SIZE) throw requestedLengthTooLarge();
  const kept = keep === slen ? s : s.slice(0, cpOffset(s, 0, keep));
  const k = len - keep;
  if (k === 0) return kept;
  const fillLen = charLength(fill);
  const whole = Math.floor(k / fillLen);
  const rest = k % fillLen;
  const part = rest === 0 ? '' : fillLen === fill.length ? fill.slice(0, rest) : chars(fill).slice(0, rest).join('');
  checkStringLength(kept.length + whole * fill.length + part.length, bytesPerUnit(kept, fill));
  const p = fill.repeat(whole) + part;
  return left ? p + kept : kept + p;
}
// lpad(text, int) and rpad(text, int) are SQL functions in PostgreSQL, which name themselves
// in an error's CONTEXT
function padSql(name: string, s: string, n: number, left: boolean): string {
  try {
    return pad(s, n, ' ', left);
  } catch (e) {
    if (e instanceof SqlError) e.where ??= `SQL function "${name}" statement 1`;
    throw e;
  }
}
fn('lpad', { name: 'lpad', args: [TX, I4, TX], returns: TX, eval: (v) => pad(S(v[0]), X(v[1]), S(v[2]), true) });
fn('lpad', { name: 'lpad1', args: [TX, I4], returns: TX, eval: (v) => padSql('lpad', S(v[0]), X(v[1]), true) });
fn('rpad', { name: 'rpad', args: [TX, I4, TX], returns: TX, eval: (v) => pad(S(v[0]), X(v[1]), S(v[2]), false) });
fn('rpad', { name: 'rpad1', args: [TX, I4], returns: TX, eval: (v) => padSql('rpad', S(v[0]), X(v[1]), false) });

fn('left', {
  name: 'text_left',
  args: [TX, I4],
  returns: TX,
  eval: (v) => {
    const s = S(v[0]);
    const n = X(v[1]);
    return s.slice(0, cpOffset(s, 0, n >= 0 ? n : Math.max(charLength(s) + n, 0)));
  },
});
fn('right', {
  name: 'text_right',
  args: [TX, I4],
  returns: TX,
  eval: (v) => {
    const s = S(v[0]);
    const n = X(v[1]);
    return s.slice(cpOffset(s, 0, n >= 0 ? Math.max(charLength(s) - n, 0) : -n));
  },
});
fn('repeat', {
  name: 'repeat',
  args: [TX, I4],
  returns: TX,
  eval: (v) => {
    const n = X(v[1]);
    if (n <= 0) return '';
    // repeat (oracle_compat.c): the result's bytes plus a header must be a valid allocation
    if (Buffer.byteLength(S(v[0]), 'utf8') * n + VARHDRSZ > MAX_ALLOC_SIZE) throw requestedLengthTooLarge();
    checkStringLength(S(v[0]).length * n, bytesPerUnit(S(v[0])));
    return S(v[0]).repeat(n);
  },
});
fn('reverse', { name: 'text_reverse', args: [TX], returns: TX, eval: (v) => reverseText(S(v[0])) });
fn('split_part', {
  name: 'split_part',
  args: [TX, TX, I4],
  returns: TX,
  eval: (v) => {
    const s = S(v[0]);
    const d = S(v[1]);
    const n = X(v[2]);
    if (n === 0) throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, 'field position must not be zero');
    if (s === '') return '';
    if (d === '') return n === 1 || n === -1 ? s : '';
    // fields are found with indexOf, left to right, without splitting the whole text
    let field = n;
    if (n < 0) {
      let count = 1;
      for (let i = s.indexOf(d); i >= 0; i = s.indexOf(d, i + d.length)) count++;
      field = count + n + 1;
      if (field < 1) return '';
    }
    let start = 0;
    for (let k = 1; k < field; k++) {
      const i = s.indexOf(d, start);
      if (i < 0) return '';
      start = i + d.length;
    }
    const end = s.indexOf(d, start);
    return s.slice(start, end < 0 ? s.length : end);
  },
});
fn('starts_with', { name: 'starts_with', args: [TX, TX], returns: T.bool, eval: (v) => S(v[0]).startsWith(S(v[1])) });
fn('md5', { name: 'md5_text', args: [TX], returns: TX, eval: (v) => createHash('md5').update(S(v[0]), 'utf8').digest('hex') });
fn('ascii', { name: 'ascii', args: [TX], returns: I4, eval: (v) => S(v[0]).codePointAt(0) ?? 0 });
fn('chr', {
  name: 'chr',
  args: [I4],
  returns: TX,
  eval: (v) => {
    const c = X(v[0]);
    if (c === 0) throw new SqlError(SQLSTATE.PROGRAM_LIMIT_EXCEEDED, 'null character not permitted');
    if (c < 0 || c > 0x10ffff) throw new SqlError(SQLSTATE.PROGRAM_LIMIT_EXCEEDED, `requested character too large for encoding: ${c}`);
    if (c >= 0xd800 && c <= 0xdfff) throw new SqlError(SQLSTATE.PROGRAM_LIMIT_EXCEEDED, `requested character not valid for encoding: ${c}`);
    return String.fromCodePoint(c);
  },
});
fn('to_hex', { name: 'to_hex32', args: [I4], returns: TX, eval: (v) => (X(v[0]) >>> 0).toString(16) });
fn('to_hex', { name: 'to_hex64', args: [T.int8], returns: TX, eval: (v) => BigInt.asUintN(64, v[0] as bigint).toString(16) });
fn('translate', {
  name: 'translate',
  args: [TX, TX, TX],
  returns: TX,
  eval: (v) => {
    const from = chars(S(v[1]));
    const to = chars(S(v[2]));
    const out = new StringBuilder();
    for (const c of S(v[0])) {
      const i = from.indexOf(c);
      out.append(i < 0 ? c : i < to.length ? to[i] : '');
    }
    return out.finish();
  },
});

/** parts.join(sep), a long result checked against the heap before it is allocated */
function joinChecked(parts: string[], sep: string): string {
  let n = sep.length * Math.max(parts.length - 1, 0);
  for (const p of parts) n += p.length;
  if (n >= 1 << 22) checkStringLength(n);
  return parts.join(sep);
}

// concat / concat_ws use each argument's output function (bool prints 't')
function outFns(ts: readonly SqlType[]): ((v: Value) => string)[] {
  return ts.map((t) => (v: Value) => formatValue(v, t) as string);
}
fn('concat', {
  name: 'text_concat',
  args: [ANY],
  variadic: true,
  strict: false,
  returns: TX,
  eval: () => '',
  evalFor: (ts) => {
    const f = outFns(ts);
    return (v) => {
      const parts: string[] = [];
      for (let i = 0; i < v.length; i++) if (v[i] !== null) parts.push(f[i](v[i]));
      return joinChecked(parts, '');
    };
  },
});
fn('concat_ws', {
  name: 'text_concat_ws',
  args: [TX, ANY],
  variadic: true,
  strict: false,
  returns: TX,
  eval: () => '',
  evalFor: (ts) => {
    const f = outFns(ts);
    return (v) => {
      if (v[0] === null) return null;
      const parts: string[] = [];
      for (let i = 1; i < v.length; i++) if (v[i] !== null) parts.push(f[i](v[i]));
      return joinChecked(parts, S(v[0]));
    };
  },
});

// --- LIKE / ILIKE (like.ts) ---

// ILIKE lower-cases both sides (as PostgreSQL does in a multibyte encoding), then matches
const ilike = (s: string, p: string) => likeMatch(mapCase(s, false), mapCase(p, false));

for (const [lt, prefix] of [[TX, 'text'], [T.bpchar, 'bpchar']] as const) {
  op('~~', { name: prefix + 'like', args: [lt, TX], returns: T.bool, eval: (v) => likeMatch(S(v[0]), S(v[1])) });
  op('!~~', { name: prefix + 'nlike', args: [lt, TX], returns: T.bool, eval: (v) => !likeMatch(S(v[0]), S(v[1])) });
  op('~~*', { name: prefix + 'iclike', args: [lt, TX], returns: T.bool, eval: (v) => ilike(S(v[0]), S(v[1])) });
  op('!~~*', { name: prefix + 'icnlike', args: [lt, TX], returns: T.bool, eval: (v) => !ilike(S(v[0]), S(v[1])) });
}

fn('like_escape', { name: 'like_escape', args: [TX, TX], returns: TX, eval: (v) => likeEscape(S(v[0]), S(v[1])) });

// --- POSIX regular expressions ---

for (const [lt, prefix] of [[TX, 'text'], [T.bpchar, 'bpchar']] as const) {
  op('~', { name: prefix + 'regexeq', args: [lt, TX], returns: T.bool, eval: (v) => reExists(S(v[0]), S(v[1]), 0) });
  op('!~', { name: prefix + 'regexne', args: [lt, TX], returns: T.bool, eval: (v) => !reExists(S(v[0]), S(v[1]), 0) });
}

// string_to_array(text, delimiter [, null_string]) (varlena.c text_to_array): not strict in
// its delimiter; a NULL delimiter splits into characters, an empty one keeps the whole string.
function stringToArray(v: Value[]): Value {
  if (v[0] === null) return null;
  const s = v[0] as string;
  const d = v[1] as string | null;
  const nullStr = v.length > 2 ? (v[2] as string | null) : null;
  if (s === '') return new PgArray([]);
  // the element count first: PostgreSQL's limit, and no huge array built only to fail
  // (each element is a string object of its own: some 32 bytes, plus the array's 8)
  if (d === null) checkArraySize(charLength(s), 40);
  else if (d !== '') {
    let n = 1;
    for (let i = s.indexOf(d); i >= 0 && n <= MAX_ARRAY_SIZE; i = s.indexOf(d, i + d.length)) n++;
    checkArraySize(n, 40);
  }
  const parts = d === null ? chars(s) : d === '' ? [s] : s.split(d);
  return new PgArray(parts.map((p) => (nullStr !== null && p === nullStr ? null : p)));
}
fn('string_to_array', { name: 'text_to_array', args: [TX, TX], returns: T._text, strict: false, eval: stringToArray });
fn('string_to_array', { name: 'text_to_array_null', args: [TX, TX, TX], returns: T._text, strict: false, eval: stringToArray });

// parse_ident(text [, strict]) (misc.c): a qualified SQL identifier split into its parts;
// unquoted parts are down-cased, quoted ones keep their case with "" unescaped.
function parseIdent(v: Value[]): Value {
  const s = v[0] as string;
  const strict = v.length > 1 ? (v[1] as boolean) : true;
  const bad = (detail?: string) => new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `string is not a valid identifier: "${s}"`, detail ? { detail } : undefined);
  const out: string[] = [];
  let i = 0;
  const ws = (c: string | undefined) => c !== undefined && /\s/.test(c);
  while (ws(s[i])) i++;
  for (;;) {
    if (s[i] === '"') {
      let part = '';
      i++;
      for (;;) {
        const e = s.indexOf('"', i);
        if (e < 0) throw bad('String has unclosed double quotes.');
        part += s.slice(i, e);
        i = e + 1;
        if (s[i] === '"') {
          part += '"';
          i++;
        } else break;
      }
      if (part === '') throw bad('Quoted identifier must not be empty.');
      out.push(part);
    } else {
      const m = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(s.slice(i));
      if (!m) {
        if (s[i] === '.') throw bad(out.length ? 'No valid identifier after ".".' : 'No valid identifier before ".".');
        throw bad();
      }
      out.push(m[0].toLowerCase());
      i += m[0].length;
    }
    while (ws(s[i])) i++;
    if (s[i] === '.') {
      i++;
      while (ws(s[i])) i++;
      continue;
    }
    if (i < s.length && strict) throw bad();
    break;
  }
  return new PgArray(out);
}
fn('parse_ident', { name: 'parse_ident', args: [TX], returns: T._text, eval: parseIdent });
fn('parse_ident', { name: 'parse_ident_strict', args: [TX, T.bool], returns: T._text, eval: parseIdent });
