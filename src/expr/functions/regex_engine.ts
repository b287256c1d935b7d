// Matching a parsed ARE (regex.ts) the way PostgreSQL's regex engine does, for the functions
// whose answer depends on where a match is and what its parenthesized parts matched:
// - the match is leftmost-longest (every supported RE is greedy), found by a Pike-style NFA
//   simulation in one pass: O(text × pattern), no backtracking;
// - the parts follow regexec.c's dissection of the match: a concatenation gives its left
//   part the longest extent that lets the rest match (ccondissect); an alternation, its first
//   alternative that matches the whole extent (caltdissect); a quantified part containing
//   groups is x{m-1,n-1} then x when m > 0, and otherwise splits into iterations, each as
//   long as possible (citerdissect); the groups report their last iteration.
// Positions are code point offsets.

import type { ReNode } from './regex.js';
import { casedCodePoints, towlower as lower, towupper as upper } from '../case_map.js';

/** A compiled (sub)pattern: Thompson NFA over code points. */
class Nfa {
  // state kinds
  static readonly CHAR = 0;
  static readonly SPLIT = 1;
  static readonly BOL = 2;
  static readonly EOL = 3;
  static readonly MATCH = 4;
  static readonly JUMP = 5;

  kind: number[] = [];
  out1: number[] = [];
  out2: number[] = [];
  test: (((cp: number) => boolean) | null)[] = [];
  start = 0;
  /** ^ and $ also match at newlines */
  nlanch = false;

  add(kind: number, out1 = -1, out2 = -1, test: ((cp: number) => boolean) | null = null): number {
    this.kind.push(kind);
    this.out1.push(out1);
    this.out2.push(out2);
    this.test.push(test);
    return this.kind.length - 1;
  }
}

/** Matching modes (regex flags): case-insensitive, and the newline-sensitive halves. */
export const ICASE = 1;
/** '.' and [^…] do not match a newline (flags n, m, p) */
export const NLSTOP = 2;
/** ^ and $ also match after and before a newline (flags n, m, w) */
export const NLANCH = 4;

const NEWLINE = 10;

/**
 * A leaf's character test. Case-insensitively, PostgreSQL matches each pattern character
 * (each character of a bracket range) and its towlower/towupper images (regc_locale.c
 * allcases), so the folding applies to the pattern, not to the text.
 */
function leafTest(n: ReNode, mode: number): (cp: number) => boolean {
  const icase = (mode & ICASE) !== 0;
  const nlstop = (mode & NLSTOP) !== 0;
  switch (n.t) {
    case 'char': {
      const x = n.cp;
      if (!icase) return (cp) => cp === x;
      const lo = lower(x);
      const up = upper(x);
      return (cp) => cp === x || cp === lo || cp === up;
    }
    case 'any':
      return nlstop ? (cp) => cp !== NEWLINE : () => true;
    case 'class': {
      const r = icase && n.icaseRanges ? n.icaseRanges : n.ranges;
      const inRanges = (cp: number) => {
        for (let k = 0; k < r.length; k += 2) if (cp >= r[k] && cp <= r[k + 1]) return true;
        return false;
      };
      let test = inRanges;
      if (icase) {
        // the class plus the case images of its members (only cased code points have any)
        const images = new Set<number>();
        for (const c of casedCodePoints()) {
          if (inRanges(c)) {
            images.add(lower(c));
            images.add(upper(c));
          }
        }
        test = (cp) => inRanges(cp) || images.has(cp);
      }
      if (!n.neg) return test;
      return nlstop ? (cp) => cp !== NEWLINE && !test(cp) : (cp) => !test(cp);
    }
    default:
      throw new Error(`not a leaf: ${n.t}`);
  }
}

/** Thompson construction of n, continuing to `next`; `reverse` builds the mirror image. */
function build(nfa: Nfa, n: ReNode, next: number, reverse: boolean, mode: number): number {
  switch (n.t) {
    case 'char':
    case 'any':
    case 'class':
      return nfa.add(Nfa.CHAR, next, -1, leafTest(n, mode));
    case 'bol':
      return nfa.add(Nfa.BOL, next);
    case 'eol':
      return nfa.add(Nfa.EOL, next);
    case 'group':
      return build(nfa, n.node, next, reverse, mode);
    case 'cat': {
      let s = next;
      const items = reverse ? n.items : [...n.items].reverse();
      for (const it of items) s = build(nfa, it, s, reverse, mode);
      return s;
    }
    case 'alt': {
      let s = build(nfa, n.items[n.items.length - 1], next, reverse, mode);
      for (let k = n.items.length - 2; k >= 0; k--) s = nfa.add(Nfa.SPLIT, build(nfa, n.items[k], next, reverse, mode), s);
      return s;
    }
    case 'rep': {
      let s = next;
      if (n.max === Infinity) {
        const loop = nfa.add(Nfa.SPLIT, -1, next);
        nfa.out1[loop] = build(nfa, n.node, loop, reverse, mode);
        s = loop;
      } else {
        // the optional copies nest: x{0,2} is (x(x)?)?
        for (let k = n.min; k < n.max; k++) s = nfa.add(Nfa.SPLIT, build(nfa, n.node, s, reverse, mode), next);
      }
      for (let k = 0; k < n.min; k++) s = build(nfa, n.node, s, reverse, mode);
      return s;
    }
  }
}

// compiled NFAs per (sub)tree, direction and mode; trees are cached per pattern (parseAre)
const compiled = new Map<number, WeakMap<ReNode, Nfa>>();

function compile(n: ReNode, reverse: boolean, mode: number): Nfa {
  const key = mode * 2 + (reverse ? 1 : 0);
  let cache = compiled.get(key);
  if (!cache) compiled.set(key, (cache = new WeakMap()));
  let nfa = cache.get(n);
  if (!nfa) {
    nfa = new Nfa();
    nfa.nlanch = (mode & NLANCH) !== 0;
    const match = nfa.add(Nfa.MATCH);
    nfa.start = build(nfa, n, match, reverse, mode);
    cache.set(n, nfa);
  }
  return nfa;
}

/** Runs the NFA over text from `from` towards `limit` (forward or backward). */
class Runner {
  private readonly mark: Int32Array;
  private gen = 0;

  constructor(
    readonly nfa: Nfa,
    readonly text: Int32Array,
  ) {
    this.mark = new Int32Array(nfa.kind.length);
  }

  /** Add the ε-closure of s at boundary position pos to list (each state once per step). */
  private close(s: number, pos: number, list: number[]): void {
    const nfa = this.nfa;
    const stack = [s];
    while (stack.length) {
      const x = stack.pop()!;
      if (this.mark[x] === this.gen) continue;
      this.mark[x] = this.gen;
      switch (nfa.kind[x]) {
        case Nfa.SPLIT:
          stack.push(nfa.out2[x], nfa.out1[x]);
          break;
        case Nfa.JUMP:
          stack.push(nfa.out1[x]);
          break;
        case Nfa.BOL:
          if (pos === 0 || (nfa.nlanch && this.text[pos - 1] === NEWLINE)) stack.push(nfa.out1[x]);
          break;
        case Nfa.EOL:
          if (pos === this.text.length || (nfa.nlanch && this.text[pos] === NEWLINE)) stack.push(nfa.out1[x]);
          break;
        default:
          list.push(x);
      }
    }
  }

  /**
   * Positions p between `from` and `limit` (inclusive) such that the (sub)pattern matches
   * text[from, p) (forward NFA) or text[p, from) (reverse NFA, limit <= from).
   */
  reach(from: number, limit: number): Uint8Array {
    const dir = limit >= from ? 1 : -1;
    const out = new Uint8Array(this.text.length + 1);
    const nfa = this.nfa;
    let list: number[] = [];
    this.gen++;
    this.close(nfa.start, from, list);
    for (let pos = from; ; pos += dir) {
      const next: number[] = [];
      const atEnd = pos === limit;
      const cp = atEnd ? -1 : this.text[dir > 0 ? pos : pos - 1];
      this.gen++;
      for (const s of list) {
        if (nfa.kind[s] === Nfa.MATCH) out[pos] = 1;
        else if (!atEnd && nfa.test[s]!(cp)) this.close(nfa.out1[s], pos + dir, next);
      }
      if (atEnd || next.length === 0) break;
      list = next;
    }
    return out;
  }

  /** The longest match from `from` ending at or before limit, or -1. */
  longest(from: number, limit: number): number {
    const r = this.reach(from, limit);
    for (let p = limit; p >= from; p--) if (r[p]) return p;
    return -1;
  }

  /**
   * Leftmost-longest match starting at or after `start`: [so, eo], or null. Threads carry
   * the position they started at; a state reached twice keeps the earlier start (the later
   * one can never win), so one pass suffices.
   */
  search(start: number): [number, number] | null {
    const nfa = this.nfa;
    const len = this.text.length;
    let list: number[] = [];
    let tags: number[] = [];
    let bestS = -1;
    let bestE = -1;
    for (let pos = start; pos <= len; pos++) {
      if (bestS < 0) {
        // seed a thread starting here (states already present started earlier)
        const seeded: number[] = [];
        this.gen++;
        for (const s of list) this.mark[s] = this.gen;
        this.close(nfa.start, pos, seeded);
        for (const s of seeded) {
          list.push(s);
          tags.push(pos);
        }
      }
      for (let k = 0; k < list.length; k++) {
        if (nfa.kind[list[k]] === Nfa.MATCH) {
          const s = tags[k];
          if (bestS < 0 || s < bestS || (s === bestS && pos > bestE)) {
            bestS = s;
            bestE = pos;
          }
        }
      }
      if (pos === len) break;
      const next: number[] = [];
      const nextTags: number[] = [];
      const cp = this.text[pos];
      this.gen++;
      // list is ordered by start, so the first thread to reach a state has the earliest start
      for (let k = 0; k < list.length; k++) {
        const s = list[k];
        if (bestS >= 0 && tags[k] > bestS) continue;
        if (nfa.kind[s] !== Nfa.CHAR || !nfa.test[s]!(cp)) continue;
        const before = next.length;
        this.close(nfa.out1[s], pos + 1, next);
        for (let q = before; q < next.length; q++) nextTags.push(tags[k]);
      }
      list = next;
      tags = nextTags;
      if (list.length === 0 && bestS >= 0) break;
    }
    return bestS < 0 ? null : [bestS, bestE];
  }
}

/**
 * PostgreSQL's greediness of a (sub)RE (docs 9.7.3.5): atoms have none, a branch takes its
 * first quantified atom's, an alternation is greedy, {m} keeps its atom's.
 */
export function greediness(n: ReNode): 'greedy' | 'lazy' | null {
  switch (n.t) {
    case 'group':
      return greediness(n.node);
    case 'alt':
      return 'greedy';
    case 'cat':
      for (const x of n.items) {
        const g = greediness(x);
        if (g) return g;
      }
      return null;
    case 'rep':
      return n.attr === 'atom' ? greediness(n.node) : n.attr;
    default:
      return null;
  }
}

const groupsMemo = new WeakMap<ReNode, boolean>();
function hasGroups(n: ReNode): boolean {
  let r = groupsMemo.get(n);
  if (r === undefined) groupsMemo.set(n, (r = computeHasGroups(n)));
  return r;
}

function computeHasGroups(n: ReNode): boolean {
  switch (n.t) {
    case 'group':
      return n.cap > 0 || hasGroups(n.node);
    case 'cat':
    case 'alt':
      return n.items.some(hasGroups);
    case 'rep':
      return hasGroups(n.node);
    default:
      return false;
  }
}

function clearGroups(n: ReNode, caps: Int32Array): void {
  switch (n.t) {
    case 'group':
      if (n.cap > 0) caps[2 * n.cap] = caps[2 * n.cap + 1] = -1;
      clearGroups(n.node, caps);
      break;
    case 'cat':
    case 'alt':
      for (const x of n.items) clearGroups(x, caps);
      break;
    case 'rep':
      clearGroups(n.node, caps);
      break;
  }
}

export interface Match {
  /** caps[2k], caps[2k+1]: group k's [start, end) in code points, -1 when it did not take part; k = 0 is the whole match. */
  caps: Int32Array;
}

/** A parsed RE bound to one text: searches and dissects matches. */
export class ReMatcher {
  private readonly runners = new Map<ReNode, Runner>();
  private readonly reverseRunners = new Map<ReNode, Runner>();
  private readonly withGroups: boolean;

  constructor(
    private readonly root: ReNode,
    private readonly ngroups: number,
    private readonly mode: number,
    readonly text: Int32Array,
  ) {
    this.withGroups = ngroups > 0 && hasGroups(root);
  }

  private runner(n: ReNode): Runner {
    let r = this.runners.get(n);
    if (!r) this.runners.set(n, (r = new Runner(compile(n, false, this.mode), this.text)));
    return r;
  }

  private reverseRunner(n: ReNode): Runner {
    let r = this.reverseRunners.get(n);
    if (!r) this.reverseRunners.set(n, (r = new Runner(compile(n, true, this.mode), this.text)));
    return r;
  }

  /** The first match starting at or after `start` (code points), with its groups. */
  exec(start: number): Match | null {
    const m = this.runner(this.root).search(start);
    if (!m) return null;
    // a non-greedy RE takes the shortest match at that start
    if (greediness(this.root) === 'lazy') {
      const r = this.runner(this.root).reach(m[0], this.text.length);
      m[1] = r.indexOf(1, m[0]);
    }
    const caps = new Int32Array(2 * (this.ngroups + 1)).fill(-1);
    caps[0] = m[0];
    caps[1] = m[1];
    if (this.withGroups) this.dissect(this.root, m[0], m[1], caps);
    return { caps };
  }

  private matchesExactly(n: ReNode, b: number, e: number): boolean {
    return this.runner(n).reach(b, e)[e] === 1;
  }

  private dissect(n: ReNode, b: number, e: number, caps: Int32Array): void {
    if (!hasGroups(n)) return;
    switch (n.t) {
      case 'group':
        if (n.cap > 0) {
          caps[2 * n.cap] = b;
          caps[2 * n.cap + 1] = e;
        }
        this.dissect(n.node, b, e, caps);
        return;
      case 'alt':
        for (const x of n.items) {
          if (this.matchesExactly(x, b, e)) {
            this.dissect(x, b, e, caps);
            return;
          }
        }
        return;
      case 'cat':
        this.dissectCat(chainOf(n), b, e, caps);
        return;
      case 'rep':
        this.dissectRep(n, b, e, caps);
        return;
    }
  }

  /** ccondissect over a right-leaning chain: each left part as long as the rest allows. */
  private dissectCat(chain: Chain, b: number, e: number, caps: Int32Array): void {
    const { items, rests } = chain;
    let cur = b;
    for (let k = 0; k < items.length - 1; k++) {
      const left = items[k];
      const rest = rests[k + 1];
      const mid = this.split(left, rest, cur, e, greediness(left) === 'lazy');
      if (mid < 0) return; // cannot happen for a real match
      this.dissect(left, cur, mid, caps);
      if (!hasGroups(rest)) return;
      cur = mid;
    }
    this.dissect(items[items.length - 1], cur, e, caps);
  }

  /** Where `left` ends and `right` starts in [b, e]: the last such point, or the first (lazy). */
  private split(left: ReNode, right: ReNode, b: number, e: number, lazy: boolean): number {
    const ends = this.runner(left).reach(b, e);
    const starts = this.reverseRunner(right).reach(e, b);
    if (lazy) {
      for (let p = b; p <= e; p++) if (ends[p] && starts[p]) return p;
    } else {
      for (let p = e; p >= b; p--) if (ends[p] && starts[p]) return p;
    }
    return -1;
  }

  private dissectRep(n: Extract<ReNode, { t: 'rep' }>, b: number, e: number, caps: Int32Array): void {
    const { node, min, max } = n;
    if (min === 1 && max === 1) return this.dissect(node, b, e, caps);
    if (min > 0) {
      // x{m,n} is x{m-1,n-1} x: the groups are the last x's, the prefix as long as possible
      let prefix = prefixes.get(n);
      if (!prefix) prefixes.set(n, (prefix = { t: 'rep', node, min: min - 1, max: max - 1, text: '', attr: n.attr }));
      const lazy = n.attr === 'lazy' || (n.attr === 'atom' && greediness(node) === 'lazy');
      const mid = this.split(prefix, node, b, e, lazy);
      if (mid >= 0) this.dissect(node, mid, e, caps);
      return;
    }
    // citerdissect
    const minMatches = 1;
    let maxMatches = Math.min(e - b, max);
    if (maxMatches < minMatches) maxMatches = minMatches;
    const endpts: number[] = [b];
    const child = this.runner(node);
    let k = 1;
    let limit = e;
    while (k > 0) {
      endpts[k] = child.longest(endpts[k - 1], limit);
      let backtrack = false;
      if (endpts[k] < 0) {
        k--;
        backtrack = true;
      } else if (endpts[k] !== e) {
        if (k >= maxMatches) {
          k--;
          backtrack = true;
        } else if (endpts[k] === endpts[k - 1] && (k >= minMatches || minMatches - k < e - endpts[k])) {
          backtrack = true;
        } else {
          k++;
          limit = e;
          continue;
        }
      } else if (k < minMatches) {
        backtrack = true;
      } else {
        for (let i = 1; i <= k; i++) {
          clearGroups(node, caps);
          this.dissect(node, endpts[i - 1], endpts[i], caps);
        }
        return;
      }
      if (backtrack) {
        while (k > 0) {
          const prevEnd = endpts[k - 1];
          if (endpts[k] > prevEnd) {
            limit = endpts[k] - 1;
            if (limit > prevEnd || (k < minMatches && minMatches - k >= e - prevEnd)) break;
          }
          k--;
        }
      }
    }
    // zero iterations: the groups stay unset
  }
}

interface Chain {
  items: ReNode[];
  /** rests[k]: items k.. as one node */
  rests: ReNode[];
}

const chains = new WeakMap<ReNode, Chain>();
const prefixes = new WeakMap<ReNode, ReNode>();

/**
 * A concatenation as PostgreSQL dissects it: consecutive parts without groups act as one
 * (they are one DFA node there), and each part is split from the rest after it.
 */
function chainOf(n: Extract<ReNode, { t: 'cat' }>): Chain {
  let c = chains.get(n);
  if (!c) {
    const items: ReNode[] = [];
    let run: ReNode[] = [];
    const flush = () => {
      if (run.length === 1) items.push(run[0]);
      else if (run.length > 1) items.push({ t: 'cat', items: run });
      run = [];
    };
    for (const x of n.items) {
      if (hasGroups(x)) {
        flush();
        items.push(x);
      } else run.push(x);
    }
    flush();
    const rests = items.map((x, k): ReNode => (k === items.length - 1 ? x : { t: 'cat', items: items.slice(k) }));
    c = { items, rests };
    chains.set(n, c);
  }
  return c;
}

/** Code points of a string, and the string offset of each code point position. */
export function codePoints(s: string): { cps: Int32Array; offsets: Int32Array } {
  const cps: number[] = [];
  const offsets: number[] = [];
  for (let i = 0; i < s.length; ) {
    const cp = s.codePointAt(i)!;
    cps.push(cp);
    offsets.push(i);
    i += cp > 0xffff ? 2 : 1;
  }
  offsets.push(s.length);
  return { cps: Int32Array.from(cps), offsets: Int32Array.from(offsets) };
}
