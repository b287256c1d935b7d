// Whether a regular expression matches anywhere in a text (the ~ family, regexp_like), as a
// DFA built lazily from the Thompson NFA of regex_nfa.ts (RE2's approach): a DFA state is the
// set of NFA states live after a prefix of the text, created the first time the text leads
// there, with its transitions filled in as characters arrive. Each character costs one table
// lookup once the states it visits exist, and building a state costs O(NFA states), so a
// text is scanned in O(text × pattern) time whatever the pattern; no backtracking. The cache
// of states is bounded: when it is full it is emptied and rebuilt from the current state.

import { parseAre, type ReNode } from './regex.js';
import { ICASE, Nfa, compile } from './regex_nfa.js';

const NEWLINE = 10;
/** DFA states kept per pattern before its cache is emptied… */
const MAX_DFA_STATES = 1000;
/** …and the most NFA state numbers their sets may hold together (4 MB) */
const MAX_SET_ENTRIES = 1 << 20;
/** transitions of code points below this live in a typed array, the others in a Map */
const TABLE_CPS = 128;

/** transitions per state in the flat table: (code point below TABLE_CPS, $ after it) */
const ROW = TABLE_CPS * 2;

export class ExistsDfa {
  /** per state: the NFA's CHAR and MATCH states, ascending */
  private sets: Int32Array[] = [];
  private accepting = new Uint8Array(16);
  /** next state per (state, code point < TABLE_CPS, $ after it); -1 when not computed yet */
  private table = new Int32Array(16 * ROW).fill(-1);
  /** the same for other code points */
  private other: (Map<number, number> | null)[] = [];
  private ids = new Map<string, number>();
  /** the total size of the sets */
  private setEntries = 0;
  private readonly mark: Int32Array;
  private gen = 0;
  private readonly stack: Int32Array;
  private readonly buf: Int32Array;
  /** the start state per boundary context at position 0 */
  private starts: number[] = [-1, -1, -1, -1];

  /**
   * `prefix`: a literal every match starts with (case-sensitive modes only); no match can
   * start before its first occurrence, so the scan starts there.
   */
  constructor(
    private readonly nfa: Nfa,
    private readonly prefix = '',
  ) {
    const n = nfa.kind.length;
    this.mark = new Int32Array(n);
    this.stack = new Int32Array(2 * n + 2);
    this.buf = new Int32Array(n);
  }

  /** Whether the NFA matches some substring of s (code points; surrogate pairs combined). */
  exists(s: string): boolean {
    const len = s.length;
    const nl = this.nfa.nlanch;
    let i = 0;
    if (this.prefix) {
      i = s.indexOf(this.prefix);
      if (i < 0) return false;
    }
    // ^ holds at position 0 (or, newline-sensitive, after a newline); $ at the end (or before a newline)
    const bol = i === 0 || (nl && s.charCodeAt(i - 1) === NEWLINE);
    const eol0 = i === len || (nl && s.charCodeAt(i) === NEWLINE);
    let cur = this.start((bol ? 1 : 0) | (eol0 ? 2 : 0));
    if (this.accepting[cur]) return true;
    let table = this.table;
    let accepting = this.accepting;
    while (i < len) {
      let cp = s.charCodeAt(i++);
      if (cp >= 0xd800 && cp <= 0xdbff && i < len) {
        const lo = s.charCodeAt(i);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          cp = (cp - 0xd800) * 0x400 + (lo - 0xdc00) + 0x10000;
          i++;
        }
      }
      const eol = i === len || (nl && s.charCodeAt(i) === NEWLINE) ? 1 : 0;
      let next = cp < TABLE_CPS ? table[cur * ROW + cp * 2 + eol] : (this.other[cur]?.get(cp * 2 + eol) ?? -1);
      if (next < 0) {
        next = this.step(cur, cp, eol);
        table = this.table;
        accepting = this.accepting;
      }
      cur = next;
      if (accepting[cur]) return true;
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
    if (id < 0 || id >= this.sets.length) {
      this.nextGen();
      const len = this.closure(this.nfa.start, ctx, 0);
      id = this.starts[ctx] = this.intern(len);
    }
    return id;
  }

  /** The state after `cur` reads cp, with $ holding afterwards when eol is 1; cached. */
  private step(cur: number, cp: number, eol: number): number {
    const nfa = this.nfa;
    // after a character ^ holds only after a newline (newline-sensitive mode)
    const ctx = (nfa.nlanch && cp === NEWLINE ? 1 : 0) | (eol ? 2 : 0);
    this.nextGen();
    let len = 0;
    for (const s of this.sets[cur]) {
      if (nfa.kind[s] === Nfa.CHAR && nfa.test[s]!(cp)) len = this.closure(nfa.out1[s], ctx, len);
    }
    // the search is unanchored: a match may also start after this character
    len = this.closure(nfa.start, ctx, len);
    if (this.sets.length >= MAX_DFA_STATES || this.setEntries + len > MAX_SET_ENTRIES) {
      // keep the memory bounded: forget every state, this one's successor is rebuilt
      this.reset();
      return this.intern(len);
    }
    const id = this.intern(len);
    const key = cp * 2 + eol;
    if (cp < TABLE_CPS) this.table[cur * ROW + key] = id;
    else (this.other[cur] ??= new Map()).set(key, id);
    return id;
  }

  private reset(): void {
    this.setEntries = 0;
    this.sets = [];
    this.other = [];
    this.table.fill(-1);
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
      id = this.sets.length;
      if (id >= this.accepting.length) {
        const acc = new Uint8Array(this.accepting.length * 2);
        acc.set(this.accepting);
        this.accepting = acc;
        const table = new Int32Array(acc.length * ROW).fill(-1);
        table.set(this.table);
        this.table = table;
      }
      let accepting = 0;
      for (const s of set) if (this.nfa.kind[s] === Nfa.MATCH) accepting = 1;
      this.accepting[id] = accepting;
      this.sets.push(set);
      this.setEntries += set.length;
      this.other.push(null);
      this.ids.set(key, id);
    }
    return id;
  }
}

/** The literal characters every match of n starts with. */
function literalPrefix(n: ReNode): string {
  if (n.t === 'char') return String.fromCodePoint(n.cp);
  if (n.t === 'group') return literalPrefix(n.node);
  if (n.t !== 'cat') return '';
  let out = '';
  for (const x of n.items) {
    if (x.t !== 'char') {
      // a group of literals is literal too; what follows it may not be
      return out + (x.t === 'group' ? literalPrefix(x.node) : '');
    }
    out += String.fromCodePoint(x.cp);
  }
  return out;
}

// the DFAs of the patterns used last (each holds up to a few MB of states)
const dfas = new Map<ReNode, (ExistsDfa | undefined)[]>();
const MAX_DFAS = 64;

/** The existence DFA of a parsed pattern in a matching mode. */
export function existsDfaOf(root: ReNode, mode: number): ExistsDfa {
  let byMode = dfas.get(root);
  if (!byMode) {
    if (dfas.size >= MAX_DFAS) dfas.clear();
    dfas.set(root, (byMode = []));
  }
  return (byMode[mode] ??= new ExistsDfa(compile(root, false, mode), mode & ICASE ? '' : literalPrefix(root)));
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
  return existsDfaOf(parseAre(pattern).root, mode).exists(s);
}
