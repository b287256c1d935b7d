// RisingWave's spellings of event-time DDL, which PostgreSQL's grammar cannot parse, rewritten
// into ours. This runs only when a statement fails to parse, so no valid PostgreSQL text is ever
// changed, and it works on tokens (strings, quoted names and comments are never read as words):
//   CREATE TABLE t (…, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) APPEND ONLY
//     → CREATE TABLE t (…) WITH (append_only = true, watermark = 'ts - INTERVAL ''5'' SECOND')
//   CREATE MATERIALIZED VIEW v AS SELECT … EMIT ON WINDOW CLOSE
//     → CREATE MATERIALIZED VIEW v WITH (emit = 'on_window_close') AS SELECT …
// RisingWave's append-only tables can be read; ours keep no rows (docs/event-time.md).

interface Token {
  /** Upper-cased for words; the text otherwise. */
  t: string;
  word: boolean;
  start: number;
  end: number;
}

/** PostgreSQL's tokens, roughly: enough to find words and parentheses outside strings and comments. */
function tokenize(sql: string): Token[] | null {
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    if (/\s/.test(c)) {
      i++;
    } else if (sql.startsWith('--', i)) {
      while (i < n && sql[i] !== '\n') i++;
    } else if (sql.startsWith('/*', i)) {
      let depth = 0;
      do {
        if (sql.startsWith('/*', i)) {
          depth++;
          i += 2;
        } else if (sql.startsWith('*/', i)) {
          depth--;
          i += 2;
        } else i++;
      } while (depth > 0 && i < n);
      if (depth > 0) return null;
    } else if (c === "'" || ((c === 'E' || c === 'e') && sql[i + 1] === "'")) {
      const start = i;
      const escapes = c !== "'";
      i += escapes ? 2 : 1;
      for (;;) {
        if (i >= n) return null;
        if (escapes && sql[i] === '\\') i += 2;
        else if (sql[i] === "'" && sql[i + 1] === "'") i += 2;
        else if (sql[i] === "'") break;
        else i++;
      }
      i++;
      out.push({ t: sql.slice(start, i), word: false, start, end: i });
    } else if (c === '"') {
      const start = i++;
      for (;;) {
        if (i >= n) return null;
        if (sql[i] === '"' && sql[i + 1] === '"') i += 2;
        else if (sql[i] === '"') break;
        else i++;
      }
      i++;
      out.push({ t: sql.slice(start, i), word: false, start, end: i });
    } else if (c === '$' && /^\$([A-Za-z_][A-Za-z_0-9]*)?\$/.test(sql.slice(i, i + 64))) {
      const tag = /^\$([A-Za-z_][A-Za-z_0-9]*)?\$/.exec(sql.slice(i, i + 64))![0];
      const close = sql.indexOf(tag, i + tag.length);
      if (close < 0) return null;
      out.push({ t: sql.slice(i, close + tag.length), word: false, start: i, end: close + tag.length });
      i = close + tag.length;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      const start = i;
      while (i < n && /[A-Za-z_0-9$\u0080-\uffff]/.test(sql[i])) i++;
      out.push({ t: sql.slice(start, i).toUpperCase(), word: true, start, end: i });
    } else {
      out.push({ t: c, word: false, start: i, end: i + 1 });
      i++;
    }
  }
  return out;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The rewritten text, or null when there is nothing of RisingWave's to rewrite. */
export function rewriteRisingWaveForms(sql: string): string | null {
  const tokens = tokenize(sql);
  if (!tokens) return null;
  const edits: Edit[] = [];
  // statements, split at top-level semicolons
  let from = 0;
  for (let k = 0; k <= tokens.length; k++) {
    if (k < tokens.length && tokens[k].t !== ';') continue;
    const stmt = tokens.slice(from, k);
    from = k + 1;
    if (isWords(stmt, 0, ['CREATE', 'TABLE'])) rewriteTable(sql, stmt, edits);
    else if (isWords(stmt, 0, ['CREATE', 'MATERIALIZED', 'VIEW'])) rewriteView(stmt, edits);
  }
  if (edits.length === 0) return null;
  let out = sql;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

function isWords(ts: readonly Token[], at: number, words: readonly string[]): boolean {
  return words.every((w, i) => ts[at + i]?.word && ts[at + i].t === w);
}

/** Index of the token closing the parenthesis opened at `open`, or -1. */
function closing(ts: readonly Token[], open: number): number {
  let depth = 0;
  for (let k = open; k < ts.length; k++) {
    if (ts[k].t === '(') depth++;
    else if (ts[k].t === ')' && --depth === 0) return k;
  }
  return -1;
}

function rewriteTable(sql: string, ts: readonly Token[], edits: Edit[]): void {
  const open = ts.findIndex((x) => x.t === '(');
  const close = open < 0 ? -1 : closing(ts, open);
  if (close < 0) return;
  const options: string[] = [];
  // table elements: between '(' or ',' at depth 1
  let depth = 0;
  let elementStart = open + 1;
  const elements: [number, number][] = [];
  for (let k = open + 1; k <= close; k++) {
    if (ts[k].t === '(') depth++;
    else if (ts[k].t === ')' && k !== close) depth--;
    if (k === close || (depth === 0 && ts[k].t === ',')) {
      elements.push([elementStart, k]);
      elementStart = k + 1;
    }
  }
  const watermarks = elements.filter(([a]) => isWords(ts, a, ['WATERMARK', 'FOR']) && ts[a + 2] && isWords(ts, a + 3, ['AS']));
  if (watermarks.length > 1) return;
  for (const [a, b] of watermarks) {
    options.push(`watermark = ${quote(sql.slice(ts[a + 4].start, ts[b - 1].end))}`);
    // the element and the comma before it (or after it, when it is the first)
    const index = elements.findIndex(([x]) => x === a);
    if (elements.length === 1) return;
    const cut = index > 0 ? { start: ts[a - 1].start, end: ts[b - 1].end } : { start: ts[a].start, end: ts[b + 1].start };
    edits.push({ ...cut, text: '' });
  }
  let after = close + 1;
  if (isWords(ts, after, ['APPEND', 'ONLY'])) {
    options.unshift('append_only = true');
    edits.push({ start: ts[after].start, end: ts[after + 1].end, text: '' });
    after += 2;
  }
  if (options.length === 0) return;
  if (isWords(ts, after, ['WITH']) && ts[after + 1]?.t === '(') {
    edits.push({ start: ts[after + 1].end, end: ts[after + 1].end, text: `${options.join(', ')}, ` });
  } else {
    edits.push({ start: ts[close].end, end: ts[close].end, text: ` WITH (${options.join(', ')})` });
  }
}

function rewriteView(ts: readonly Token[], edits: Edit[]): void {
  const n = ts.length;
  if (n < 4 || !isWords(ts, n - 4, ['EMIT', 'ON', 'WINDOW', 'CLOSE'])) return;
  // the AS after the name (and its column list)
  let k = 3;
  if (isWords(ts, k, ['IF', 'NOT', 'EXISTS'])) k += 3;
  k++; // the name (possibly schema-qualified)
  while (ts[k]?.t === '.') k += 2;
  if (ts[k]?.t === '(') k = closing(ts, k) + 1;
  if (k <= 0 || !isWords(ts, k, ['AS'])) return;
  edits.push({ start: ts[n - 4].start, end: ts[n - 1].end, text: '' });
  edits.push({ start: ts[k].start, end: ts[k].start, text: "WITH (emit = 'on_window_close') " });
}
