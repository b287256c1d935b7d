// sqllogictest parser: SQLite's format as sqllogictest-rs extends it (RisingWave's dialect).
//
// A file is a list of records separated by blank lines. Conditions (`skipif`/`onlyif`) and
// `connection NAME` lines attach to the record that follows them. The parser only splits
// text; `include` is expanded by the runner (paths are relative to the including file).

export type SortMode = 'nosort' | 'rowsort' | 'valuesort';

export interface Condition {
  kind: 'skipif' | 'onlyif';
  engine: string;
}

/** What a `statement` record expects. */
export type StatementExpect =
  | { type: 'ok' }
  | { type: 'count'; count: number }
  /** `regex` is the text after `error` on the header line; `message` the `----` block (RisingWave). */
  | { type: 'error'; regex?: string; message?: string };

interface Base {
  /** 1-based line of the record's header. */
  line: number;
  conditions: Condition[];
  /** `connection NAME` before the record: run it on that session (sqllogictest-rs). */
  connection?: string;
}

export interface StatementRecord extends Base {
  kind: 'statement';
  sql: string;
  expect: StatementExpect;
}

export interface QueryRecord extends Base {
  kind: 'query';
  sql: string;
  /** Type letters, one per column (I integer, R real, T text, B bool, …). */
  types: string;
  sort?: SortMode;
  label?: string;
  /** Result lines after `----` (values or rows, or `N values hashing to H`). */
  expected: string[];
  /** `query error [regex]`: the query must fail. */
  error?: { regex?: string; message?: string };
}

export type SltRecord =
  | StatementRecord
  | QueryRecord
  | (Base & { kind: 'hash-threshold'; threshold: number })
  | (Base & { kind: 'halt' })
  | (Base & { kind: 'include'; path: string })
  | (Base & { kind: 'sleep'; ms: number })
  | (Base & { kind: 'control'; key: string; value: string })
  /** `system ok`: a shell command; never run (counted as skipped). */
  | (Base & { kind: 'system'; command: string })
  /** `let a, b` + a query: binds the variables to the first row (needs substitution on). */
  | (Base & { kind: 'let'; vars: string[]; sql: string });

export class SltParseError extends Error {
  constructor(readonly file: string, readonly line: number, message: string) {
    super(`${file}:${line}: ${message}`);
  }
}

const isBlank = (s: string | undefined) => s === undefined || s.trim() === '';

/** Parse `2s`, `500ms`, `1.5s`, `1m` into milliseconds. */
export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(s.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000);
}

/** Drop sqllogictest-rs's `retry N backoff Ds` suffix (our reads are current: run once). */
function stripRetry(words: string[]): string[] {
  const i = words.indexOf('retry');
  return i >= 0 ? words.slice(0, i) : words;
}

export function parseSlt(text: string, file = '<input>'): SltRecord[] {
  const lines = text.split(/\r?\n/);
  const records: SltRecord[] = [];
  let conditions: Condition[] = [];
  let connection: string | undefined;
  let i = 0;

  /** Lines up to a blank line or `----` (SQL text). Comment lines inside SQL are kept. */
  const readSql = (): string => {
    const out: string[] = [];
    while (i < lines.length && !isBlank(lines[i]) && lines[i].trim() !== '----') out.push(lines[i++]);
    return out.join('\n');
  };
  /** Result lines after `----`, up to a blank line. */
  const readResults = (): string[] => {
    const out: string[] = [];
    while (i < lines.length && !isBlank(lines[i])) out.push(lines[i++].replace(/\s+$/, ''));
    return out;
  };
  /** RisingWave's multi-line error text: ends at two consecutive blank lines (or EOF). */
  const readErrorText = (): string => {
    const out: string[] = [];
    while (i < lines.length) {
      if (isBlank(lines[i]) && isBlank(lines[i + 1])) break;
      out.push(lines[i++]);
    }
    return out.join('\n').trim();
  };

  while (i < lines.length) {
    const raw = lines[i];
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) {
      i++;
      continue;
    }
    const lineNo = i + 1;
    const words = stripRetry(line.split(/\s+/));
    const base = (): Base => {
      const b: Base = { line: lineNo, conditions };
      if (connection !== undefined) b.connection = connection;
      conditions = [];
      connection = undefined;
      return b;
    };
    i++;
    switch (words[0]) {
      case 'skipif':
      case 'onlyif':
        conditions.push({ kind: words[0], engine: words[1] ?? '' });
        continue;
      case 'connection':
        connection = words[1];
        continue;
      case 'statement': {
        const b = base();
        let expect: StatementExpect;
        if (words[1] === 'ok') expect = { type: 'ok' };
        else if (words[1] === 'count') expect = { type: 'count', count: Number(words[2]) };
        else if (words[1] === 'error') {
          const rest = line.replace(/^statement\s+error\s*/, '').replace(/\s*retry\s+\d+\s+backoff\s+\S+\s*$/, '');
          expect = rest ? { type: 'error', regex: rest } : { type: 'error' };
        } else throw new SltParseError(file, lineNo, `unknown statement kind '${words[1] ?? ''}'`);
        const sql = readSql();
        if (lines[i]?.trim() === '----') {
          i++;
          const message = readErrorText();
          if (expect.type === 'error') expect.message = message;
        }
        records.push({ ...b, kind: 'statement', sql, expect });
        continue;
      }
      case 'query': {
        const b = base();
        if (words[1] === 'error') {
          const rest = line.replace(/^query\s+error\s*/, '').replace(/\s*retry\s+\d+\s+backoff\s+\S+\s*$/, '');
          const sql = readSql();
          let message: string | undefined;
          if (lines[i]?.trim() === '----') {
            i++;
            message = readErrorText();
          }
          const error: { regex?: string; message?: string } = {};
          if (rest) error.regex = rest;
          if (message !== undefined) error.message = message;
          records.push({ ...b, kind: 'query', sql, types: '', expected: [], error });
          continue;
        }
        const rec: QueryRecord = { ...b, kind: 'query', sql: '', types: words[1] ?? '', expected: [] };
        for (const w of words.slice(2)) {
          if (w === 'nosort' || w === 'rowsort' || w === 'valuesort') rec.sort = w;
          else if (rec.label === undefined) rec.label = w;
        }
        rec.sql = readSql();
        if (lines[i]?.trim() === '----') {
          i++;
          rec.expected = readResults();
        }
        records.push(rec);
        continue;
      }
      case 'hash-threshold':
        records.push({ ...base(), kind: 'hash-threshold', threshold: Number(words[1]) });
        continue;
      case 'halt':
        records.push({ ...base(), kind: 'halt' });
        continue;
      case 'include':
        records.push({ ...base(), kind: 'include', path: line.slice('include'.length).trim() });
        continue;
      case 'sleep':
        records.push({ ...base(), kind: 'sleep', ms: parseDuration(words[1] ?? '') });
        continue;
      case 'control':
        records.push({ ...base(), kind: 'control', key: words[1] ?? '', value: words[2] ?? '' });
        continue;
      case 'system': {
        const b = base();
        const command = readSql();
        if (lines[i]?.trim() === '----') {
          i++;
          readResults();
        }
        records.push({ ...b, kind: 'system', command });
        continue;
      }
      case 'let': {
        const b = base();
        const vars = line.slice(3).split(',').map((v) => v.trim()).filter(Boolean);
        records.push({ ...b, kind: 'let', vars, sql: readSql() });
        continue;
      }
      case 'subtest':
      case 'mode':
      case 'require':
        continue; // sqllogictest-rs / DuckDB annotations without effect here
      default:
        throw new SltParseError(file, lineNo, `unknown record '${words[0]}'`);
    }
  }
  return records;
}
