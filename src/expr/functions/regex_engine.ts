// Matching a parsed ARE (regex.ts) the way PostgreSQL's regex engine does, for the functions
// whose answer depends on where a match is and what its parenthesized parts matched:
// - the match is leftmost-longest (every supported RE is greedy), found by the NFA
//   simulation of regex_nfa.ts in one pass: O(text × pattern), no backtracking;
// - the parts follow regexec.c's dissection of the match: a concatenation gives its left
//   part the longest extent that lets the rest match (ccondissect); an alternation, its first
//   alternative that matches the whole extent (caltdissect); a quantified part containing
//   groups is x{m-1,n-1} then x when m > 0, and otherwise splits into iterations, each as
//   long as possible (citerdissect); the groups report their last iteration.
// Positions are code point offsets.

import type { ReNode } from './regex.js';
import { compile, runnerOf, type Runner } from './regex_nfa.js';

export { ICASE, NLANCH, NLSTOP } from './regex_nfa.js';

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

const lengthMemo = new WeakMap<ReNode, number | null>();
/** The length every match of n has, or null if it varies. */
function fixedLength(n: ReNode): number | null {
  let r = lengthMemo.get(n);
  if (r === undefined) lengthMemo.set(n, (r = computeFixedLength(n)));
  return r;
}

function computeFixedLength(n: ReNode): number | null {
  switch (n.t) {
    case 'char':
    case 'any':
    case 'class':
      return 1;
    case 'bol':
    case 'eol':
      return 0;
    case 'group':
      return fixedLength(n.node);
    case 'cat': {
      let sum = 0;
      for (const x of n.items) {
        const l = fixedLength(x);
        if (l === null) return null;
        sum += l;
      }
      return sum;
    }
    case 'alt': {
      const l = fixedLength(n.items[0]);
      return l !== null && n.items.every((x) => fixedLength(x) === l) ? l : null;
    }
    case 'rep': {
      if (n.min !== n.max) return null;
      const l = fixedLength(n.node);
      return l === null ? null : l * n.min;
    }
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
    return runnerOf(compile(n, false, this.mode));
  }

  private reverseRunner(n: ReNode): Runner {
    return runnerOf(compile(n, true, this.mode));
  }

  /** The first match starting at or after `start` (code points), with its groups. */
  exec(start: number): Match | null {
    const lazy = greediness(this.root) === 'lazy';
    const m = this.runner(this.root).search(this.text, start);
    if (!m) return null;
    // a non-greedy RE takes the shortest match at that start
    if (lazy) {
      const r = this.runner(this.root).reach(this.text, m[0], this.text.length);
      m[1] = r.indexOf(1, m[0]);
    }
    const caps = new Int32Array(2 * (this.ngroups + 1)).fill(-1);
    caps[0] = m[0];
    caps[1] = m[1];
    if (this.withGroups) this.dissect(this.root, m[0], m[1], caps);
    return { caps };
  }

  private matchesExactly(n: ReNode, b: number, e: number): boolean {
    const f = fixedLength(n);
    if (f !== null && f !== e - b) return false;
    return this.runner(n).reach(this.text, b, e)[e] === 1;
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
    // a part of fixed length leaves one possible split (the whole extent is a match)
    const fl = fixedLength(left);
    if (fl !== null) return b + fl <= e ? b + fl : -1;
    const fr = fixedLength(right);
    if (fr !== null) return e - fr >= b ? e - fr : -1;
    const ends = this.runner(left).reach(this.text, b, e);
    const starts = this.reverseRunner(right).reach(this.text, e, b);
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
      endpts[k] = child.longest(this.text, endpts[k - 1], limit);
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

/**
 * Code points of a string, and the string offset of each code point position (null when
 * the string has no surrogate pairs: position k is offset k).
 */
export function codePoints(s: string): { cps: Int32Array; offsets: Int32Array | null } {
  const n = s.length;
  const cps = new Int32Array(n);
  let k = 0;
  let surrogates = false;
  for (let i = 0; i < n; i++, k++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      surrogates = true;
      break;
    }
    cps[k] = c;
  }
  if (!surrogates) return { cps, offsets: null };
  const points: number[] = [];
  const offsets: number[] = [];
  for (let i = 0; i < n; ) {
    const cp = s.codePointAt(i)!;
    points.push(cp);
    offsets.push(i);
    i += cp > 0xffff ? 2 : 1;
  }
  offsets.push(n);
  return { cps: Int32Array.from(points), offsets: Int32Array.from(offsets) };
}
