// Thompson NFAs for a parsed ARE (regex.ts) and their simulation over code points, the
// machinery under regex_engine.ts: the leftmost-longest search in one pass (Pike-style: each
// thread carries where it started) and the set of positions a (sub)pattern can reach from a
// point, forwards or backwards. O(text × pattern), no backtracking.

import type { ReNode } from './regex.js';
import { casedCodePoints, towlower as lower, towupper as upper } from '../case_map.js';

/** A compiled (sub)pattern: Thompson NFA over code points. */
export class Nfa {
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

// one test per leaf and mode: a counted repetition builds many states from one leaf
const leafTests = new Map<number, WeakMap<ReNode, (cp: number) => boolean>>();
function sharedLeafTest(n: ReNode, mode: number): (cp: number) => boolean {
  let byNode = leafTests.get(mode);
  if (!byNode) leafTests.set(mode, (byNode = new WeakMap()));
  let t = byNode.get(n);
  if (!t) byNode.set(n, (t = leafTest(n, mode)));
  return t;
}

/** Thompson construction of n, continuing to `next`; `reverse` builds the mirror image. */
function build(nfa: Nfa, n: ReNode, next: number, reverse: boolean, mode: number): number {
  switch (n.t) {
    case 'char':
    case 'any':
    case 'class':
      return nfa.add(Nfa.CHAR, next, -1, sharedLeafTest(n, mode));
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

export function compile(n: ReNode, reverse: boolean, mode: number): Nfa {
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

/**
 * NFAs up to this many states cache each state's ε-closure; a cached closure can hold every
 * state, so larger ones (big counted repetitions) walk the ε-moves at each step instead,
 * marking what they visit, which bounds a step to O(states) time and the memory to O(states).
 */
const CACHED_CLOSURES_MAX_STATES = 256;

/**
 * Runs one NFA over texts. The ε-closure of each state is computed once per boundary context
 * (whether ^ and $ hold there) and cached (small NFAs); the work lists and marks are reused
 * across calls, so a match allocates almost nothing.
 */
export class Runner {
  private readonly n: number;
  /** per state: the generation (step) in which it was last added to a list or visited */
  private readonly mark: Int32Array;
  private readonly cached: boolean;
  private readonly stack: Int32Array;
  private gen = 0;
  /** closures[ctx][state]: the CHAR and MATCH states reachable by ε-moves; ctx bit 1 = ^ holds, 2 = $ holds */
  private readonly closures: (Int32Array | undefined)[][] = [[], [], [], []];
  private list: Int32Array;
  private next: Int32Array;
  private tags: Int32Array;
  private nextTags: Int32Array;
  private out = new Uint8Array(64);
  private text: Int32Array = new Int32Array(0);

  constructor(readonly nfa: Nfa) {
    this.n = nfa.kind.length;
    this.mark = new Int32Array(this.n);
    this.cached = this.n <= CACHED_CLOSURES_MAX_STATES;
    this.stack = new Int32Array(this.cached ? 0 : 2 * this.n + 2);
    this.list = new Int32Array(this.n);
    this.next = new Int32Array(this.n);
    this.tags = new Int32Array(this.n);
    this.nextTags = new Int32Array(this.n);
  }

  /** A new generation of marks; the marks restart before the counter outgrows an int32. */
  private nextGen(): void {
    if (++this.gen === 0x40000000) {
      this.mark.fill(0);
      this.gen = 1;
    }
  }

  private ctx(pos: number): number {
    const t = this.text;
    const nl = this.nfa.nlanch;
    const bol = pos === 0 || (nl && t[pos - 1] === NEWLINE);
    const eol = pos === t.length || (nl && t[pos] === NEWLINE);
    return (bol ? 1 : 0) | (eol ? 2 : 0);
  }

  private closure(s: number, ctx: number): Int32Array {
    let c = this.closures[ctx][s];
    if (!c) {
      const nfa = this.nfa;
      const seen = new Uint8Array(this.n);
      const out: number[] = [];
      const stack = [s];
      while (stack.length) {
        const x = stack.pop()!;
        if (seen[x]) continue;
        seen[x] = 1;
        switch (nfa.kind[x]) {
          case Nfa.SPLIT:
            stack.push(nfa.out2[x], nfa.out1[x]);
            break;
          case Nfa.JUMP:
            stack.push(nfa.out1[x]);
            break;
          case Nfa.BOL:
            if (ctx & 1) stack.push(nfa.out1[x]);
            break;
          case Nfa.EOL:
            if (ctx & 2) stack.push(nfa.out1[x]);
            break;
          default:
            out.push(x);
        }
      }
      c = Int32Array.from(out);
      this.closures[ctx][s] = c;
    }
    return c;
  }

  /**
   * Adds the CHAR and MATCH states ε-reachable from s (in boundary context ctx) that are not
   * yet in this generation's list to `into` from `len` on, with `tag` in `tags` if given;
   * returns the new length.
   */
  private spread(s: number, ctx: number, into: Int32Array, len: number, tags: Int32Array | null, tag: number): number {
    const mark = this.mark;
    const gen = this.gen;
    if (this.cached) {
      for (const x of this.closure(s, ctx)) {
        if (mark[x] !== gen) {
          mark[x] = gen;
          if (tags) tags[len] = tag;
          into[len++] = x;
        }
      }
      return len;
    }
    // every visited state is marked, so a state is expanded once per step whatever the
    // number of threads reaching it: O(states) per step
    const nfa = this.nfa;
    const stack = this.stack;
    let sp = 0;
    stack[sp++] = s;
    while (sp > 0) {
      const x = stack[--sp];
      if (mark[x] === gen) continue;
      mark[x] = gen;
      switch (nfa.kind[x]) {
        case Nfa.SPLIT:
          stack[sp++] = nfa.out2[x];
          stack[sp++] = nfa.out1[x];
          break;
        case Nfa.JUMP:
          stack[sp++] = nfa.out1[x];
          break;
        case Nfa.BOL:
          if (ctx & 1) stack[sp++] = nfa.out1[x];
          break;
        case Nfa.EOL:
          if (ctx & 2) stack[sp++] = nfa.out1[x];
          break;
        default:
          if (tags) tags[len] = tag;
          into[len++] = x;
      }
    }
    return len;
  }

  /**
   * Positions p between `from` and `limit` (inclusive) such that the (sub)pattern matches
   * text[from, p) (forward NFA) or text[p, from) (reverse NFA, limit <= from). The array is
   * reused by the next call on this runner.
   */
  reach(text: Int32Array, from: number, limit: number): Uint8Array {
    this.text = text;
    const dir = limit >= from ? 1 : -1;
    if (this.out.length < text.length + 1) this.out = new Uint8Array(Math.max(text.length + 1, 2 * this.out.length));
    const out = this.out;
    out.fill(0, 0, text.length + 1);
    const nfa = this.nfa;
    const kind = nfa.kind;
    const test = nfa.test;
    const out1 = nfa.out1;
    let list = this.list;
    let next = this.next;
    let len = 0;
    this.nextGen();
    len = this.spread(nfa.start, this.ctx(from), list, 0, null, 0);
    for (let pos = from; ; pos += dir) {
      const atEnd = pos === limit;
      const cp = atEnd ? -1 : text[dir > 0 ? pos : pos - 1];
      const nctx = atEnd ? 0 : this.ctx(pos + dir);
      let nlen = 0;
      this.nextGen();
      for (let k = 0; k < len; k++) {
        const s = list[k];
        if (kind[s] === Nfa.MATCH) out[pos] = 1;
        else if (!atEnd && test[s]!(cp)) nlen = this.spread(out1[s], nctx, next, nlen, null, 0);
      }
      if (atEnd || nlen === 0) break;
      const t = list;
      list = next;
      next = t;
      len = nlen;
    }
    this.list = list;
    this.next = next;
    return out;
  }

  /** The longest match from `from` ending at or before limit, or -1. */
  longest(text: Int32Array, from: number, limit: number): number {
    const r = this.reach(text, from, limit);
    for (let p = limit; p >= from; p--) if (r[p]) return p;
    return -1;
  }

  /**
   * Leftmost-longest match starting at or after `start`: [so, eo], or null. Threads carry
   * the position they started at; a state reached twice keeps the earlier start (the later
   * one can never win), so one pass suffices.
   */
  search(text: Int32Array, start: number): [number, number] | null {
    this.text = text;
    const nfa = this.nfa;
    const kind = nfa.kind;
    const test = nfa.test;
    const out1 = nfa.out1;
    const tlen = text.length;
    let list = this.list;
    let tags = this.tags;
    let next = this.next;
    let nextTags = this.nextTags;
    let len = 0;
    let bestS = -1;
    let bestE = -1;
    this.nextGen();
    for (let pos = start; pos <= tlen; pos++) {
      if (bestS < 0) {
        // seed a thread starting here (states already present started earlier)
        len = this.spread(nfa.start, this.ctx(pos), list, len, tags, pos);
      }
      for (let k = 0; k < len; k++) {
        if (kind[list[k]] === Nfa.MATCH) {
          const s = tags[k];
          if (bestS < 0 || s < bestS || (s === bestS && pos > bestE)) {
            bestS = s;
            bestE = pos;
          }
        }
      }
      if (pos === tlen) break;
      const cp = text[pos];
      const nctx = this.ctx(pos + 1);
      let nlen = 0;
      this.nextGen();
      // the list is ordered by start, so the first thread to reach a state started earliest
      for (let k = 0; k < len; k++) {
        const s = list[k];
        if (bestS >= 0 && tags[k] > bestS) continue;
        if (kind[s] !== Nfa.CHAR || !test[s]!(cp)) continue;
        nlen = this.spread(out1[s], nctx, next, nlen, nextTags, tags[k]);
      }
      let t = list;
      list = next;
      next = t;
      t = tags;
      tags = nextTags;
      nextTags = t;
      len = nlen;
      if (len === 0 && bestS >= 0) break;
    }
    this.list = list;
    this.next = next;
    this.tags = tags;
    this.nextTags = nextTags;
    return bestS < 0 ? null : [bestS, bestE];
  }
}

const runners = new WeakMap<Nfa, Runner>();
export function runnerOf(nfa: Nfa): Runner {
  let r = runners.get(nfa);
  if (!r) runners.set(nfa, (r = new Runner(nfa)));
  return r;
}

