// One-dimensional SQL arrays: the runtime value (PgArray), PostgreSQL's text output
// (array_out: `{a,b,"c d",NULL}`, `[0:1]={1,2}` for another lower bound; int2vector and
// oidvector print space-separated) and input (array_in, one dimension only).

import { SqlError, SQLSTATE, unsupported } from '../errors.js';
import type { SqlType } from '../sql/types.js';
import type { Value } from './value.js';

export class PgArray {
  constructor(
    readonly elems: readonly Value[],
    /** Subscript of the first element: 1 for SQL arrays, 0 for int2vector/oidvector. */
    readonly lower = 1,
  ) {}

  get length(): number {
    return this.elems.length;
  }

  /** The element at SQL subscript i, or NULL outside the bounds (as PostgreSQL). */
  at(i: number): Value {
    const k = i - this.lower;
    return k >= 0 && k < this.elems.length ? this.elems[k] : null;
  }
}

/** A map key for an array whose elements have the given key function. */
export function arrayKey(a: PgArray, elemKey: (v: Value) => string | number | bigint | boolean | null): string {
  let s = `${a.lower}[`;
  for (const e of a.elems) {
    const k = e === null ? null : elemKey(e);
    s += k === null ? 'N' : `${typeof k}:${String(k).length}:${String(k)}`;
  }
  return s;
}

function quoteElement(s: string): string {
  if (s === '' || /^null$/i.test(s) || /[{}",\\\s]/.test(s)) return '"' + s.replace(/(["\\])/g, '\\$1') + '"';
  return s;
}

/** array_out, given the element output function. */
export function formatArray(a: PgArray, vector: boolean, out: (v: Value) => string): string {
  if (vector) return a.elems.map((e) => (e === null ? '' : out(e))).join(' ');
  const body = '{' + a.elems.map((e) => (e === null ? 'NULL' : quoteElement(out(e)))).join(',') + '}';
  if (a.lower !== 1 && a.elems.length > 0) return `[${a.lower}:${a.lower + a.elems.length - 1}]=${body}`;
  return body;
}

function malformed(text: string, detail: string): SqlError {
  return new SqlError(SQLSTATE.INVALID_TEXT_REPRESENTATION, `malformed array literal: "${text}"`, { detail });
}

/** array_in for one dimension: `{a, "b c", NULL}`; elements go through the element input function. */
export function parseArray(text: string, elem: SqlType, vector: boolean, input: (s: string, t: SqlType) => Value): PgArray {
  if (vector) {
    const parts = text.trim() === '' ? [] : text.trim().split(/\s+/);
    return new PgArray(parts.map((p) => input(p, elem)), 0);
  }
  let i = 0;
  const s = text;
  const ws = () => {
    while (i < s.length && /\s/.test(s[i])) i++;
  };
  ws();
  let lower = 1;
  if (s[i] === '[') {
    const m = /^\[\s*([+-]?\d+)\s*:\s*([+-]?\d+)\s*\]\s*=/.exec(s.slice(i));
    if (!m) throw malformed(text, 'Missing "=" after array dimensions.');
    lower = Number(m[1]);
    i += m[0].length;
    ws();
  }
  if (s[i] !== '{') throw malformed(text, 'Array value must start with "{" or dimension information.');
  i++;
  const elems: Value[] = [];
  ws();
  if (s[i] === '}') {
    i++;
  } else {
    for (;;) {
      ws();
      if (s[i] === '{') {
        // PostgreSQL counts the dimensions first (MAXDIM is 6); fewer are not supported here
        let depth = 1;
        for (let j = i; j < s.length && (s[j] === '{' || /\s/.test(s[j])); j++) if (s[j] === '{') depth++;
        if (elems.length === 0 && depth > 6) {
          throw new SqlError(SQLSTATE.PROGRAM_LIMIT_EXCEEDED, 'number of array dimensions (7) exceeds the maximum allowed (6)');
        }
        throw unsupported('multidimensional arrays');
      }
      let raw = '';
      let quoted = false;
      if (s[i] === '"') {
        quoted = true;
        i++;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\') i++;
          if (i >= s.length) break;
          raw += s[i++];
        }
        if (s[i] !== '"') throw malformed(text, 'Unexpected end of input.');
        i++;
        ws();
      } else {
        while (i < s.length && s[i] !== ',' && s[i] !== '}') {
          if (s[i] === '"' || s[i] === '{') throw malformed(text, `Unexpected "${s[i]}" character.`);
          if (s[i] === '\\') i++;
          raw += s[i++] ?? '';
        }
        raw = raw.trim();
        if (raw === '') throw malformed(text, 'Unexpected "' + (s[i] ?? '') + '" character.');
      }
      elems.push(!quoted && /^null$/i.test(raw) ? null : input(raw, elem));
      if (s[i] === ',') {
        i++;
        continue;
      }
      if (s[i] === '}') {
        i++;
        break;
      }
      throw malformed(text, 'Unexpected end of input.');
    }
  }
  ws();
  if (i < s.length) throw malformed(text, 'Junk after closing right brace.');
  if (lower !== 1 && elems.length === 0) throw malformed(text, 'Specified array dimensions do not match array contents.');
  return new PgArray(elems, lower);
}
