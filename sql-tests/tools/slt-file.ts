// A small reader/writer for the sqllogictest files in sql-tests/ (the subset of
// sqllogictest-rs's format the suite uses), shared by the oracle and embedded tools.
//
// Records (separated by blank lines), each optionally preceded by `# comment`,
// `skipif <engine>` and `onlyif <engine>` lines:
//   statement ok | statement error <regex> | statement count <n>   then SQL
//   query <types> [nosort|rowsort|valuesort]   then SQL, `----`, expected rows
//   query error <regex>                         then SQL

export type Sort = 'nosort' | 'rowsort' | 'valuesort';

export interface SltRecord {
  kind: 'statement' | 'query';
  /** statement: 'ok' | 'error' | 'count'; query: 'rows' | 'error'. */
  expect: 'ok' | 'error' | 'count' | 'rows';
  errorRegex?: string;
  count?: number;
  types?: string;
  sort?: Sort;
  sql: string;
  expected: string[];
  skipif: string[];
  onlyif: string[];
  /** 1-based line of the `statement`/`query` line. */
  line: number;
  /** Lines [start, end) of the whole record in the file, conditions included. */
  start: number;
  end: number;
  /** Index of the first line of the record itself (after comments and conditions). */
  headerIdx: number;
}

export interface SltFile {
  lines: string[];
  records: SltRecord[];
}

export function parseSlt(text: string): SltFile {
  const lines = text.split('\n');
  const records: SltRecord[] = [];
  let i = 0;
  while (i < lines.length) {
    if (lines[i].trim() === '' ) { i++; continue; }
    const start = i;
    const skipif: string[] = [];
    const onlyif: string[] = [];
    while (i < lines.length && lines[i].trim() !== '') {
      const l = lines[i].trim();
      if (l.startsWith('#')) { i++; continue; }
      let m = /^skipif\s+(\S+)/.exec(l);
      if (m) { skipif.push(m[1]); i++; continue; }
      m = /^onlyif\s+(\S+)/.exec(l);
      if (m) { onlyif.push(m[1]); i++; continue; }
      break;
    }
    if (i >= lines.length || lines[i].trim() === '') continue; // comment-only block
    const headerIdx = i;
    const header = lines[i].trim();
    i++;
    const body: string[] = [];
    while (i < lines.length && lines[i].trim() !== '' && lines[i].trim() !== '----') body.push(lines[i++]);
    const sql = body.join('\n');
    let rec: SltRecord;
    const base = { sql, expected: [] as string[], skipif, onlyif, line: headerIdx + 1, start, end: 0, headerIdx };
    let m: RegExpExecArray | null;
    if (header === 'statement ok') rec = { ...base, kind: 'statement', expect: 'ok' };
    else if ((m = /^statement\s+error\s*(.*)$/.exec(header))) rec = { ...base, kind: 'statement', expect: 'error', errorRegex: m[1].trim() };
    else if ((m = /^statement\s+count\s+(\d+)$/.exec(header))) rec = { ...base, kind: 'statement', expect: 'count', count: Number(m[1]) };
    else if ((m = /^query\s+error\s*(.*)$/.exec(header))) rec = { ...base, kind: 'query', expect: 'error', errorRegex: m[1].trim() };
    else if ((m = /^query\s+(\S+)(?:\s+(nosort|rowsort|valuesort))?(?:\s+\S+)?$/.exec(header))) {
      rec = { ...base, kind: 'query', expect: 'rows', types: m[1], sort: (m[2] as Sort | undefined) ?? 'nosort' };
    } else if (header === 'halt' || header.startsWith('hash-threshold') || header.startsWith('control')) {
      while (i < lines.length && lines[i].trim() !== '') i++;
      continue;
    } else {
      throw new Error(`line ${headerIdx + 1}: cannot parse record header: ${header}`);
    }
    if (i < lines.length && lines[i].trim() === '----') {
      i++;
      while (i < lines.length && lines[i].trim() !== '') rec.expected.push(lines[i++]);
    }
    rec.end = i;
    records.push(rec);
  }
  return { lines, records };
}

/** Whether a record runs on the engine labelled `engine`. */
export function applies(r: SltRecord, engine: string): boolean {
  if (r.skipif.includes(engine)) return false;
  if (r.onlyif.length > 0 && !r.onlyif.includes(engine)) return false;
  return true;
}

/** One result value as the files spell it: NULL, (empty), otherwise PostgreSQL's text output. */
export function cell(v: string | null): string {
  if (v === null) return 'NULL';
  if (v === '') return '(empty)';
  return v.trim();
}

/** Rows (already text) → the lines of an expected block, sorted as the record asks. */
export function resultLines(rows: (string | null)[][], sort: Sort): string[] {
  if (sort === 'valuesort') {
    const vals = rows.flat().map(cell).sort(cmp);
    return vals;
  }
  const lines = rows.map((r) => r.map(cell).join(' '));
  if (sort === 'rowsort') lines.sort(cmp);
  return lines;
}

/** Normalize an expected block the same way (lines trimmed, as sqllogictest-rs does; sorted as asked). */
export function normalizeExpected(lines: string[], sort: Sort): string[] {
  const norm = lines.map((l) => l.trim());
  if (sort === 'valuesort') return [...norm].sort(cmp);
  if (sort === 'rowsort') return [...norm].sort(cmp);
  return norm;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Type letters for a column: I integer, R float/numeric, B bool, T anything else. */
export function typeLetter(pgTypeOid: number): string {
  switch (pgTypeOid) {
    case 20: case 21: case 23: case 26: return 'I';
    case 700: case 701: case 1700: return 'R';
    case 16: return 'B';
    default: return 'T';
  }
}

/**
 * Does an error satisfy `statement error <regex>`? As in the runner (src/slt/runner.ts), the
 * regex may match the message, `SQLSTATE: message`, or the SQLSTATE alone.
 */
export function errorMatches(err: { message: string; code?: string }, regex: string | undefined): boolean {
  if (!regex) return true;
  const texts = [err.message, `${err.code ?? ''}: ${err.message}`, err.code ?? ''];
  const re = new RegExp(regex);
  return texts.some((t) => re.test(t));
}
