// PostgreSQL ARE patterns, for the subset whose meaning Tributary reproduces exactly:
// literals, `.`, anchors `^ $`, greedy `* + ? {m} {m,} {m,n}`, alternation, groups `( )`
// `(?: )`, bracket expressions (ranges, negation, `[:digit:]`), escapes of punctuation,
// `\d \D` and `\n \t \r \f \v`. Anything else (non-greedy quantifiers, whose greediness rules
// differ; back references; locale-dependent classes and `\w \s`; `\m \M \y`; lookaround;
// embedded options; collating elements) is refused with 0A000 rather than approximated.
//
// parseAre gives a syntax tree, compiled to a Thompson NFA (regex_nfa.ts). Whether a match
// exists (~, ~*, regexp_like) is decided by a lazily built DFA (regex_dfa.ts); where the
// extent of a match or its parenthesized parts matter (substring, regexp_match,
// regexp_replace…) the NFA simulation and regex_engine.ts find PostgreSQL's leftmost-longest
// match and divide it. Neither backtracks; JS RegExps (backtracking, leftmost-first) are not
// used. Patterns whose NFA would be too big are refused as PostgreSQL refuses them.

import { SqlError, SQLSTATE } from '../../errors.js';
import { CLASSES } from '../pg15_ctype.js';

export type ReNode =
  | { t: 'char'; cp: number }
  | { t: 'any' }
  /**
   * ranges: [lo0, hi0, lo1, hi1, …] code points; neg: complemented; icaseRanges: the ranges
   * to use case-insensitively, where [[:upper:]] and [[:lower:]] mean [[:alpha:]]
   */
  | { t: 'class'; neg: boolean; ranges: number[]; icaseRanges?: number[] }
  | { t: 'bol' }
  | { t: 'eol' }
  | { t: 'cat'; items: ReNode[] }
  | { t: 'alt'; items: ReNode[] }
  /**
   * attr: the greediness PostgreSQL gives the quantified atom: {m} and {m}? keep the atom's
   * own ('atom'); {m,m}? is non-greedy ('lazy', the one non-greedy form supported, which
   * SIMILAR TO's translation uses); every other quantifier is greedy.
   */
  | { t: 'rep'; node: ReNode; min: number; max: number; text: string; attr: 'atom' | 'greedy' | 'lazy' }
  /** cap: the 1-based number of a capturing group, 0 for (?: ) */
  | { t: 'group'; node: ReNode; cap: number };

export interface ParsedRe {
  root: ReNode;
  /** number of capturing groups */
  ngroups: number;
}

function refuse(what: string): SqlError {
  return new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, `regular expression ${what} is not supported`);
}
function invalid(msg: string): SqlError {
  return new SqlError('2201B', `invalid regular expression: ${msg}`);
}

const CTRL: Record<string, number> = { n: 10, t: 9, r: 13, f: 12, v: 11 };

let ctype: Map<string, number[]> | undefined;
/** The code points of a character class, as PostgreSQL 15 matches them (pg15_ctype.ts). */
function classRanges(name: string): number[] | undefined {
  if (!ctype) {
    ctype = new Map();
    for (const line of CLASSES.split('\n')) {
      if (!line) continue;
      const [n, list] = line.split('|');
      const r: number[] = [];
      for (const part of list.split(',')) {
        const [lo, hi] = part.split('-');
        r.push(parseInt(lo, 16), parseInt(hi ?? lo, 16));
      }
      ctype.set(n, r);
    }
    ctype.set('word', merge([...ctype.get('alnum')!, 0x5f, 0x5f]));
  }
  return ctype.get(name);
}

function merge(r: number[]): number[] {
  const pairs: [number, number][] = [];
  for (let k = 0; k < r.length; k += 2) pairs.push([r[k], r[k + 1]]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    if (out.length && lo <= out[out.length - 1] + 1) out[out.length - 1] = Math.max(out[out.length - 1], hi);
    else out.push(lo, hi);
  }
  return out;
}

function complement(r: number[]): number[] {
  const out: number[] = [];
  let next = 0;
  for (let k = 0; k < r.length; k += 2) {
    if (r[k] > next) out.push(next, r[k] - 1);
    next = r[k + 1] + 1;
  }
  if (next <= 0x10ffff) out.push(next, 0x10ffff);
  return out;
}

/** \d \s \w and their complements \D \S \W. */
const ESCAPE_CLASS: Record<string, string> = { d: 'digit', s: 'space', w: 'word' };
function escapeClass(d: string): number[] | undefined {
  const name = ESCAPE_CLASS[d.toLowerCase()];
  if (!name) return undefined;
  const r = classRanges(name)!;
  return d === d.toLowerCase() ? r : complement(r);
}

// parsed patterns, and through their trees the NFAs and DFAs built for them: bounded in
// number and in total NFA size, so many big patterns cannot pile up memory
const cache = new Map<string, ParsedRe>();
let cachedStates = 0;
const CACHE_MAX_PATTERNS = 1000;
const CACHE_MAX_STATES = 1_000_000;

export function parseAre(p: string): ParsedRe {
  let r = cache.get(p);
  if (!r) {
    try {
      r = parse(p);
    } catch (e) {
      // a stack overflow (deep nesting with little stack left) is a pattern too complex
      if (e instanceof RangeError) throw tooComplex();
      throw e;
    }
    const size = nfaSize(r.root);
    if (cache.size >= CACHE_MAX_PATTERNS || cachedStates + size > CACHE_MAX_STATES) {
      cache.clear();
      cachedStates = 0;
    }
    cache.set(p, r);
    cachedStates += size;
  }
  return r;
}

function parse(p: string): ParsedRe {
  if (p.startsWith('***')) throw refuse('director ***');
  const cs = Array.from(p);
  let i = 0;
  let ngroups = 0;
  let depth = 0;

  // alternation := branch ('|' branch)*
  const alternation = (): ReNode => {
    const branches = [branch()];
    while (cs[i] === '|') {
      i++;
      branches.push(branch());
    }
    return branches.length === 1 ? branches[0] : { t: 'alt', items: branches };
  };

  // branch := (atom quantifier?)*
  const branch = (): ReNode => {
    const items: ReNode[] = [];
    let canQuantify = false;
    while (i < cs.length && cs[i] !== '|' && !(cs[i] === ')' && depth > 0)) {
      const c = cs[i];
      if (c === ')') throw invalid('parentheses () not balanced');
      if (c === '*' || c === '+' || c === '?' || c === '{') {
        let min: number;
        let max: number;
        let text = c;
        let j = i + 1;
        let fixed = false;
        if (c === '{') {
          const m = /^\{(\d+)(,(\d*))?\}/.exec(cs.slice(i).join(''));
          if (!m) throw invalid('invalid repetition count(s)');
          if (Number(m[1]) > 255 || (m[3] && Number(m[3]) > 255)) throw invalid('invalid repetition count(s)');
          if (m[3] && Number(m[3]) < Number(m[1])) throw invalid('invalid repetition count(s)');
          min = Number(m[1]);
          max = m[2] === undefined ? min : m[3] ? Number(m[3]) : Infinity;
          fixed = m[2] === undefined;
          text = m[0];
          j = i + Array.from(m[0]).length;
        } else {
          min = c === '+' ? 1 : 0;
          max = c === '?' ? 1 : Infinity;
        }
        if (!canQuantify) throw invalid('quantifier operand invalid');
        let attr: 'atom' | 'greedy' | 'lazy' = fixed ? 'atom' : 'greedy';
        if (cs[j] === '?') {
          // a non-greedy quantifier changes which match is found; only the fixed counts,
          // whose one effect is the greediness of what contains them, are supported
          if (min !== max) throw refuse('non-greedy quantifiers');
          if (!fixed) attr = 'lazy';
          text += '?';
          j++;
        }
        if (cs[j] === '*' || cs[j] === '+' || cs[j] === '{' || cs[j] === '?') throw invalid('quantifier operand invalid');
        items.push({ t: 'rep', node: items.pop()!, min, max, text, attr });
        i = j;
        canQuantify = false;
        continue;
      }
      const a = atom();
      items.push(a);
      // PostgreSQL rejects quantified anchors; keep them unquantifiable
      canQuantify = a.t !== 'bol' && a.t !== 'eol';
    }
    return items.length === 1 ? items[0] : { t: 'cat', items };
  };

  const atom = (): ReNode => {
    const c = cs[i];
    if (c === '\\') {
      const d = cs[i + 1];
      if (d === undefined) throw invalid('invalid escape \\ sequence');
      i += 2;
      const cls = escapeClass(d);
      if (cls) return { t: 'class', neg: false, ranges: cls };
      if (CTRL[d] !== undefined) return { t: 'char', cp: CTRL[d] };
      if (/[A-Za-z0-9]/.test(d)) throw refuse(`escape \\${d}`);
      return { t: 'char', cp: d.codePointAt(0)! };
    }
    if (c === '[') return bracket();
    if (c === '(') {
      let cap = 0;
      if (cs[i + 1] === '?') {
        if (cs[i + 2] !== ':') throw refuse(`construct (?${cs[i + 2] ?? ''}`);
        i += 3;
      } else {
        i++;
        cap = ++ngroups;
      }
      depth++;
      // regcomp.c gives up when its recursion gets too deep (between 5,000 and 10,000
      // levels of parentheses on PostgreSQL 15's default stack); ours, and the recursions
      // over the tree after it, need a lower bound to stay within Node's stack
      if (depth > MAX_NESTING) throw tooComplex();
      const node = alternation();
      if (cs[i] !== ')') throw invalid('parentheses () not balanced');
      i++;
      depth--;
      return { t: 'group', node, cap };
    }
    i++;
    if (c === '^') return { t: 'bol' };
    if (c === '$') return { t: 'eol' };
    if (c === '.') return { t: 'any' };
    return { t: 'char', cp: c.codePointAt(0)! };
  };

  const bracket = (): ReNode => {
    i++;
    let neg = false;
    if (cs[i] === '^') {
      neg = true;
      i++;
    }
    let ranges: number[] = [];
    // case-insensitively, [[:upper:]] and [[:lower:]] are [[:alpha:]] (regc_locale.c cclass)
    let icaseRanges: number[] | null = null;
    // the last item, if it was a single character (a range can start from it)
    let single: number | null = null;
    let first = true;
    for (;;) {
      const c = cs[i];
      if (c === undefined) throw invalid('brackets [] not balanced');
      if (c === ']' && !first) {
        i++;
        ranges = merge(ranges);
        if (!icaseRanges) return { t: 'class', neg, ranges };
        return { t: 'class', neg, ranges, icaseRanges: merge(icaseRanges) };
      }
      first = false;
      if (c === '[' && (cs[i + 1] === ':' || cs[i + 1] === '.' || cs[i + 1] === '=')) {
        const kind = cs[i + 1];
        const end = cs.join('').indexOf(kind + ']', i + 2);
        if (end < 0) throw invalid('brackets [] not balanced');
        const name = cs.slice(i + 2, end).join('');
        if (kind !== ':') throw refuse(`bracket element [${kind}${name}${kind}]`);
        const r = classRanges(name);
        if (!r || name === 'word') throw invalid('invalid character class');
        if (name === 'upper' || name === 'lower') {
          icaseRanges ??= ranges.slice();
          icaseRanges.push(...classRanges('alpha')!);
          ranges.push(...r);
        } else {
          ranges.push(...r);
          icaseRanges?.push(...r);
        }
        i = end + 2;
        single = null;
        continue;
      }
      let cp: number;
      if (c === '\\') {
        const d = cs[i + 1];
        i += 2;
        const cls = d === undefined ? undefined : escapeClass(d);
        if (cls) {
          ranges.push(...cls);
          icaseRanges?.push(...cls);
          single = null;
          continue;
        }
        if (d === undefined || /[A-Za-z0-9]/.test(d)) throw refuse(`escape \\${d ?? ''} in brackets`);
        cp = d.codePointAt(0)!;
      } else if (c === '-' && cs[i + 1] !== ']' && single !== null) {
        // a range from the previous character to the next one
        i++;
        let hi: number;
        const n = cs[i];
        if (n === '\\') {
          const d = cs[i + 1];
          if (d === undefined || /[A-Za-z0-9]/.test(d)) throw refuse(`escape \\${d ?? ''} in brackets`);
          hi = d.codePointAt(0)!;
          i += 2;
        } else if (n === '[') {
          throw refuse('bracket element as a range bound');
        } else {
          hi = n.codePointAt(0)!;
          i++;
        }
        if (hi < single) throw invalid('invalid character range');
        ranges[ranges.length - 1] = hi;
        if (icaseRanges) icaseRanges[icaseRanges.length - 1] = hi;
        single = null;
        continue;
      } else {
        cp = c.codePointAt(0)!;
        i++;
      }
      ranges.push(cp, cp);
      icaseRanges?.push(cp, cp);
      single = cp;
    }
  };

  const root = alternation();
  if (i < cs.length) throw invalid('parentheses () not balanced');
  if (nfaSize(root) > MAX_STATES) throw tooComplex();
  return { root, ngroups };
}

const MAX_NESTING = 1000;
/**
 * The most NFA states a pattern may compile to (regex_nfa.ts builds one state per leaf
 * and per choice, copying a counted repetition's operand). PostgreSQL refuses a pattern
 * whose NFA outgrows REG_MAX_COMPILE_SPACE; its NFAs are not ours, so the limits agree on
 * the shapes that matter (`((a{1,200}){1,200}){1,200}` is refused, `(a{1,200}){1,200}`
 * accepted) but not on every pattern near the limit.
 */
const MAX_STATES = 100_000;

function tooComplex(): SqlError {
  return invalid('regular expression is too complex');
}

/** The number of states regex_nfa.ts builds for n (capped: stops counting past MAX_STATES). */
function nfaSize(n: ReNode): number {
  switch (n.t) {
    case 'char':
    case 'any':
    case 'class':
    case 'bol':
    case 'eol':
      return 1;
    case 'group':
      return nfaSize(n.node);
    case 'cat':
    case 'alt': {
      let sum = n.items.length - 1;
      for (const x of n.items) {
        sum += nfaSize(x);
        if (sum > MAX_STATES) return sum;
      }
      return sum;
    }
    case 'rep': {
      const one = nfaSize(n.node);
      const copies = n.max === Infinity ? n.min + 1 : n.max;
      return one * copies + copies + 1;
    }
  }
}
