// Whether a regular expression matches anywhere in a text (the ~ family, regexp_like), as a
// DFA built lazily from the Thompson NFA of regex_nfa.ts (RE2's approach): a DFA state is the
// set of NFA states live after a prefix of the text, created the first time the text leads
// there, with its transitions filled in as characters arrive. Each character costs one table
// lookup once the states it visits exist, and building a state costs O(NFA states), so a
// text is scanned in O(text × pattern) time whatever the pattern; no backtracking. The cache
// of states is bounded: when it is full it is emptied and rebuilt from the current state.

import { parseAre } from './regex.js';
import { Nfa, compile } from './regex_nfa.js';

const NEWLINE = 10;
/** DFA states kept per pattern before the cache is emptied */
const MAX_DFA_STATES = 2000;
/** transitions of code points below this live in a typed array, the others in a Map */
const TABLE_CPS = 128;

interface DState {
  /** the NFA's CHAR and MATCH states, ascending */
  set: Int32Array;
  accepting: boolean;
  /** next state id per (code point, whether $ holds after it), -1 when not computed yet */
  table: Int32Array;
  other: Map<number, number> | null;
}

export class ExistsDfa {
  private states: DState[] = [];
  private ids = new Map<string, number>();
  private readonly mark: Int32Array;
  private gen = 0;
  private readonly stack: Int32Array;
  private readonly buf: Int32Array;
  /** the start state per boundary context at position 0 */
  private starts: number[] = [-1, -1, -1, -1];

  constructor(private readonly nfa: Nfa) {
    const n = nfa.kind.length;
    this.mark = new Int32Array(n);
    this.stack = new Int32Array(2 * n + 2);
    this.buf = new Int32Array(n);
  }

  /** Whether the NFA matches some substring of s (code points; surrogate pairs combined). */
  exists(s: string): boolean {
    const len = s.length;
    const nl = this.nfa.nlanch;
    // position 0: ^ holds; $ holds at the end or (newline-sensitive) before a newline
    let cur = this.start((len === 0 || (nl && s.charCodeAt(0) === NEWLINE) ? 3 : 1));
    if (this.states[cur].accepting) return true;
    for (let i = 0; i < len; ) {
      let cp = s.charCodeAt(i++);
      if (cp >= 0xd800 && cp <= 0xdbff && i < len) {
        const lo = s.charCodeAt(i);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          cp = (cp - 0xd800) * 0x400 + (lo - 0xdc00) + 0x10000;
          i++;
        }
      }
      const eol = i === len || (nl && s.charCodeAt(i) === NEWLINE) ? 1 : 0;
      const st = this.states[cur];
      let next: number;
      if (cp < TABLE_CPS) {
        next = st.table[cp * 2 + eol];
        if (next < 0) next = this.step(cur, cp, eol);
      } else {
        next = st.other?.get(cp * 2 + eol) ?? this.step(cur, cp, eol);
      }
      cur = next;
      if (this.states[cur].accepting) return true;
    }
    return false;
  }

  /** A new generation of marks; the marks restart before the counter outgrows an int32. */
  private nextGen(): void {
    if (++this.gen === 0x40000000) {
      this.mark.fill(0);
      this.gen = 1;
    }
  }

  private start(ctx: number): number {
    let id = this.starts[ctx];
    if (id < 0 || id >= this.states.length) {
      this.nextGen();
      const len = this.closure(this.nfa.start, ctx, 0);
      id = this.starts[ctx] = this.intern(len);
    }
    return id;
  }

  /** The state after `cur` reads cp, with $ holding afterwards when eol is 1; cached. */
  private step(cur: number, cp: number, eol: number): number {
    const nfa = this.nfa;
    const from = this.states[cur];
    // after a character ^ holds only after a newline (newline-sensitive mode)
    const ctx = (nfa.nlanch && cp === NEWLINE ? 1 : 0) | (eol ? 2 : 0);
    this.nextGen();
    let len = 0;
    for (const s of from.set) {
      if (nfa.kind[s] === Nfa.CHAR && nfa.test[s]!(cp)) len = this.closure(nfa.out1[s], ctx, len);
    }
    // the search is unanchored: a match may also start after this character
    len = this.closure(nfa.start, ctx, len);
    if (this.states.length >= MAX_DFA_STATES) {
      // keep the memory bounded: forget every state, this one's successor is rebuilt
      this.reset();
      return this.intern(len);
    }
    const id = this.intern(len);
    const key = cp * 2 + eol;
    if (cp < TABLE_CPS) from.table[key] = id;
    else (from.other ??= new Map()).set(key, id);
    return id;
  }

  private reset(): void {
    this.states = [];
    this.ids.clear();
    this.starts = [-1, -1, -1, -1];
  }

  /** Adds the CHAR/MATCH states ε-reachable from s to buf[len…]; marks what it visits. */
  private closure(s: number, ctx: number, len: number): number {
    const nfa = this.nfa;
    const mark = this.mark;
    const gen = this.gen;
    const stack = this.stack;
    const buf = this.buf;
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
          buf[len++] = x;
      }
    }
    return len;
  }

  /** The id of the state holding buf[0, len). */
  private intern(len: number): number {
    const set = this.buf.slice(0, len).sort();
    const key = set.join(',');
    let id = this.ids.get(key);
    if (id === undefined) {
      let accepting = false;
      for (const s of set) if (this.nfa.kind[s] === Nfa.MATCH) accepting = true;
      id = this.states.length;
      this.states.push({ set, accepting, table: new Int32Array(TABLE_CPS * 2).fill(-1), other: null });
      this.ids.set(key, id);
    }
    return id;
  }
}

const dfas = new WeakMap<Nfa, ExistsDfa>();
export function existsDfaOf(nfa: Nfa): ExistsDfa {
  let d = dfas.get(nfa);
  if (!d) dfas.set(nfa, (d = new ExistsDfa(nfa)));
  return d;
}

// the characters that make an ARE more than a literal string
const SPECIAL = /[\\^$.[\]()|*+?{}]/;

/**
 * Whether ARE `pattern` matches somewhere in s, in a matching mode of regex_nfa.ts (ICASE,
 * NLSTOP, NLANCH). A pattern that is a plain string, optionally anchored by ^ and $, is
 * searched for as one (case-sensitively, outside newline-sensitive modes).
 */
export function reExists(s: string, pattern: string, mode: number): boolean {
  if (mode === 0) {
    const bol = pattern.startsWith('^');
    const eol = pattern.endsWith('$') && pattern.length > (bol ? 1 : 0);
    const lit = pattern.slice(bol ? 1 : 0, eol ? -1 : undefined);
    if (!SPECIAL.test(lit)) {
      if (bol && eol) return s === lit;
      if (bol) return s.startsWith(lit);
      if (eol) return s.endsWith(lit);
      return s.includes(lit);
    }
  }
  return existsDfaOf(compile(parseAre(pattern).root, false, mode)).exists(s);
}
