// PostgreSQL ARE patterns → JS RegExp source, for the subset whose meaning is the same in
// both: literals, `.`, anchors `^ $`, greedy `* + ? {m} {m,} {m,n}`, alternation, groups
// `( )` `(?: )`, bracket expressions (ranges, negation, `[:digit:]`), escapes of punctuation,
// `\d \D` and `\n \t \r \f \v`. Anything else (non-greedy quantifiers, whose greediness rules
// differ; back references; locale-dependent classes and `\w \s`; `\m \M \y`; lookaround;
// embedded options; collating elements) is refused with 0A000 rather than approximated.

import { SqlError, SQLSTATE } from '../../errors.js';

function refuse(what: string): SqlError {
  return new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, `regular expression ${what} is not supported`);
}
function invalid(msg: string): SqlError {
  return new SqlError('2201B', `invalid regular expression: ${msg}`);
}

const SYNTAX = new Set([...'^$\\.*+?()[]{}|/']);
const esc = (c: string) => (SYNTAX.has(c) || c === '-' ? '\\' + c : c);
const CTRL: Record<string, string> = { n: '\\n', t: '\\t', r: '\\r', f: '\\f', v: '\\v' };

export function translateAre(p: string): string {
  if (p.startsWith('***')) throw refuse('director ***');
  const cs = Array.from(p);
  let out = '';
  let i = 0;
  let depth = 0;
  let canQuantify = false;
  while (i < cs.length) {
    const c = cs[i];
    if (c === '\\') {
      const d = cs[i + 1];
      if (d === undefined) throw invalid('invalid escape \\ sequence');
      if (d === 'd' || d === 'D') out += '\\' + d;
      else if (CTRL[d]) out += CTRL[d];
      else if (/[A-Za-z0-9]/.test(d)) throw refuse(`escape \\${d}`);
      else out += esc(d);
      i += 2;
      canQuantify = true;
      continue;
    }
    if (c === '[') {
      const [src, next] = bracket(cs, i);
      out += src;
      i = next;
      canQuantify = true;
      continue;
    }
    if (c === '(') {
      if (cs[i + 1] === '?') {
        if (cs[i + 2] !== ':') throw refuse(`construct (?${cs[i + 2] ?? ''}`);
        out += '(?:';
        i += 3;
      } else {
        out += '(';
        i++;
      }
      depth++;
      canQuantify = false;
      continue;
    }
    if (c === ')') {
      if (depth === 0) throw invalid('parentheses () not balanced');
      depth--;
      out += ')';
      i++;
      canQuantify = true;
      continue;
    }
    if (c === '*' || c === '+' || c === '?' || c === '{') {
      let q = c;
      let j = i + 1;
      if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(cs.slice(i).join(''));
        if (!m) throw invalid('invalid repetition count(s)');
        if (Number(m[1]) > 255 || (m[3] && Number(m[3]) > 255)) throw invalid('invalid repetition count(s)');
        if (m[3] && Number(m[3]) < Number(m[1])) throw invalid('invalid repetition count(s)');
        q = m[0];
        j = i + Array.from(m[0]).length;
      }
      if (!canQuantify) throw invalid('quantifier operand invalid');
      if (cs[j] === '?') throw refuse('non-greedy quantifiers');
      if (cs[j] === '*' || cs[j] === '+' || cs[j] === '{' || (cs[j] === '?' && c !== '?')) throw invalid('quantifier operand invalid');
      out += q;
      i = j;
      canQuantify = false;
      continue;
    }
    if (c === '|') {
      out += '|';
      i++;
      canQuantify = false;
      continue;
    }
    if (c === '^' || c === '$') {
      out += c;
      i++;
      canQuantify = false; // PostgreSQL rejects quantified anchors? keep them unquantified
      continue;
    }
    if (c === '.') {
      out += '.';
      i++;
      canQuantify = true;
      continue;
    }
    out += esc(c);
    i++;
    canQuantify = true;
  }
  if (depth !== 0) throw invalid('parentheses () not balanced');
  return out;
}

function bracket(cs: string[], start: number): [string, number] {
  let i = start + 1;
  let out = '[';
  if (cs[i] === '^') {
    out += '^';
    i++;
  }
  let first = true;
  for (;;) {
    const c = cs[i];
    if (c === undefined) throw invalid('brackets [] not balanced');
    if (c === ']' && !first) return [out + ']', i + 1];
    first = false;
    if (c === '[' && (cs[i + 1] === ':' || cs[i + 1] === '.' || cs[i + 1] === '=')) {
      const kind = cs[i + 1];
      const end = cs.join('').indexOf(kind + ']', i + 2);
      if (end < 0) throw invalid('brackets [] not balanced');
      const name = cs.slice(i + 2, end).join('');
      if (kind === ':' && name === 'digit') out += '0-9';
      else throw refuse(`bracket element [${kind}${name}${kind}]`);
      i = end + 2;
      continue;
    }
    if (c === '\\') {
      const d = cs[i + 1];
      if (d === 'd') out += '0-9';
      else if (d !== undefined && !/[A-Za-z0-9]/.test(d)) out += esc(d);
      else throw refuse(`escape \\${d ?? ''} in brackets`);
      i += 2;
      continue;
    }
    if (c === '-' && cs[i + 1] !== ']' && out.length > 1 && !out.endsWith('[^')) {
      out += '-';
      i++;
      continue;
    }
    out += esc(c);
    i++;
  }
}
