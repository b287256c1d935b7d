// Unit tests of the sqllogictest runner: parsing, formatting, sort modes, hashing, engine
// conditions, vendor statements, the incremental mode and the CLI's final line and exit code.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSlt, parseDuration, type QueryRecord, type StatementRecord } from './parser.js';
import { compareResult, formatCell, hashValues, sortedValues } from './format.js';
import { errorMatches, failureLine, runFile, skipReason, summaryLine, vendorAction } from './runner.js';
import { splitInsert } from './incremental.js';
import { sltMain } from './cli.js';
import { reasonGroup } from './report.js';

const q = (src: string) => parseSlt(src)[0] as QueryRecord;

describe('parser', () => {
  it('reads statements: ok, error with a regex, count', () => {
    const recs = parseSlt(`statement ok\nCREATE TABLE t(a int)\n\nstatement error division by zero\nSELECT 1/0\n\nstatement count 2\nINSERT INTO t VALUES (1), (2)\n`);
    expect(recs.map((r) => r.kind)).toEqual(['statement', 'statement', 'statement']);
    expect((recs[0] as StatementRecord).expect).toEqual({ type: 'ok' });
    expect((recs[1] as StatementRecord).expect).toEqual({ type: 'error', regex: 'division by zero' });
    expect((recs[2] as StatementRecord).expect).toEqual({ type: 'count', count: 2 });
    expect(recs[2].line).toBe(7);
  });

  it('reads queries: types, sort mode, label, results; multi-line SQL', () => {
    const r = q(`query IT rowsort label-1\nSELECT a,\n  b FROM t\n----\n1\nx\n`);
    expect(r).toMatchObject({ types: 'IT', sort: 'rowsort', label: 'label-1', sql: 'SELECT a,\n  b FROM t', expected: ['1', 'x'] });
    expect(q(`query I\nSELECT 1 WHERE false\n`).expected).toEqual([]);
  });

  it('reads conditions, connection, and the control records', () => {
    const recs = parseSlt(
      `hash-threshold 8\n\nskipif mysql\nonlyif postgresql\nconnection other\nstatement ok\nSELECT 1\n\ncontrol substitution on\n\nsleep 2s\n\ninclude ./x/*.slt.part\n\nhalt\n`,
    );
    expect(recs[0]).toMatchObject({ kind: 'hash-threshold', threshold: 8 });
    expect(recs[1]).toMatchObject({ conditions: [{ kind: 'skipif', engine: 'mysql' }, { kind: 'onlyif', engine: 'postgresql' }], connection: 'other' });
    expect(recs[2]).toMatchObject({ kind: 'control', key: 'substitution', value: 'on', conditions: [] });
    expect(recs[2]).not.toHaveProperty('connection');
    expect(recs[3]).toMatchObject({ kind: 'sleep', ms: 2000 });
    expect(recs[4]).toMatchObject({ kind: 'include', path: './x/*.slt.part' });
    expect(recs[5]).toMatchObject({ kind: 'halt' });
    expect(parseDuration('500ms')).toBe(500);
  });

  it("reads RisingWave's extras: error text blocks, retry, system, let", () => {
    const recs = parseSlt(
      `statement error\nSELECT x\n----\ndb error: oops\n\ncaused by: bad\n\n\nquery I retry 3 backoff 5s\nSELECT 1\n----\n1\n\nquery error not found\nSELECT y\n\nsystem ok\nrisectl foo\n----\nbar\n\nlet a, b\nSELECT 1, 2\n`,
    );
    expect(recs.map((r) => r.kind)).toEqual(['statement', 'query', 'query', 'system', 'let']);
    expect((recs[0] as StatementRecord).expect).toEqual({ type: 'error', message: 'db error: oops\n\ncaused by: bad' });
    expect(recs[1]).toMatchObject({ types: 'I', expected: ['1'] });
    expect((recs[1] as QueryRecord).sort).toBeUndefined();
    expect(recs[2]).toMatchObject({ error: { regex: 'not found' } });
    expect(recs[4]).toMatchObject({ vars: ['a', 'b'], sql: 'SELECT 1, 2' });
  });

  it('rejects an unknown record', () => {
    expect(() => parseSlt('frobnicate\n', 'f.slt')).toThrow(/f.slt:1: unknown record/);
  });
});

describe('values, sort modes and hashing', () => {
  it('formats values as SQLite does for .test files', () => {
    expect(formatCell(null, 'I', 'sqlite')).toBe('NULL');
    expect(formatCell('', 'T', 'sqlite')).toBe('(empty)');
    expect(formatCell('12', 'I', 'sqlite')).toBe('12');
    expect(formatCell('-2.7', 'I', 'sqlite')).toBe('-2');
    expect(formatCell('-0', 'I', 'sqlite')).toBe('0');
    expect(formatCell('2', 'R', 'sqlite')).toBe('2.000');
    expect(formatCell('0.1236', 'R', 'sqlite')).toBe('0.124');
    expect(formatCell('é\tx', 'T', 'sqlite')).toBe('@@@x');
    expect(formatCell('t', 'T', 'pg')).toBe('t');
    expect(formatCell('1.5', 'R', 'pg')).toBe('1.5');
  });

  it('sorts rows and values, and hashes each value with a newline', () => {
    const rows = [['b', '1'], ['a', '2'], ['a', '10']];
    expect(sortedValues(rows, 'nosort')).toEqual(['b', '1', 'a', '2', 'a', '10']);
    expect(sortedValues(rows, 'rowsort')).toEqual(['a', '10', 'a', '2', 'b', '1']);
    expect(sortedValues(rows, 'valuesort')).toEqual(['1', '10', '2', 'a', 'a', 'b']);
    expect(hashValues(['1', '2'])).toBe('6ddb4095eb719e2a9f0a3f95677d24e0'); // md5("1\n2\n")
  });

  it('compares value-per-line, row-per-line (whitespace normalised) and hashed results', () => {
    const rec = q(`query IT rowsort\nSELECT 1\n----\n1\nx y\n2\nz\n`);
    expect(compareResult(rec, [['2', 'z'], ['1', 'x y']], { style: 'pg' })).toBeNull();
    const rw = q(`query IT\nSELECT 1\n----\n1   x\n2 NULL\n`);
    expect(compareResult(rw, [['1', 'x'], ['2', null]], { style: 'pg' })).toBeNull();
    expect(compareResult(rw, [['1', 'x'], ['3', null]], { style: 'pg' })).toEqual(['1', 'x', '3', 'NULL']);
    const hashed = q(`query I valuesort\nSELECT 1\n----\n2 values hashing to 6ddb4095eb719e2a9f0a3f95677d24e0\n`);
    expect(compareResult(hashed, [['2'], ['1']], { style: 'sqlite' })).toBeNull();
    expect(compareResult(hashed, [['2'], ['3']], { style: 'sqlite' })).toEqual([`2 values hashing to ${hashValues(['2', '3'])}`]);
    // R columns: PostgreSQL's text in .slt files, or SQLite's three decimals
    const real = q(`query R\nSELECT 1.5\n----\n1.500\n`);
    expect(compareResult(real, [['1.5']], { style: 'pg' })).toBeNull();
  });
});

describe('rules', () => {
  it('skipif / onlyif: we are tributary and postgresql', () => {
    expect(skipReason([{ kind: 'skipif', engine: 'postgresql' }])).toBe('skipif postgresql');
    expect(skipReason([{ kind: 'skipif', engine: 'tributary' }])).toBe('skipif tributary');
    expect(skipReason([{ kind: 'skipif', engine: 'mysql' }])).toBeUndefined();
    expect(skipReason([{ kind: 'onlyif', engine: 'postgresql' }])).toBeUndefined();
    expect(skipReason([{ kind: 'onlyif', engine: 'mssql' }])).toBe('onlyif mssql');
    expect(skipReason([{ kind: 'onlyif', engine: 'can-use-recover' }])).toBe('onlyif can-use-recover');
  });

  it('vendor statements', () => {
    expect(vendorAction('FLUSH;')?.action).toBe('noop');
    expect(vendorAction('SET streaming_parallelism = 1;')?.action).toBe('noop');
    expect(vendorAction('SET RW_IMPLICIT_FLUSH TO true;')?.action).toBe('noop');
    expect(vendorAction('CREATE CLUSTER c SIZE 1')?.action).toBe('skip');
    expect(vendorAction('SET search_path = x')).toBeUndefined();
  });

  it('error regexes match the message or the SQLSTATE', () => {
    expect(errorMatches({ code: '22012', message: 'division by zero' }, 'division')).toBe(true);
    expect(errorMatches({ code: '22012', message: 'division by zero' }, '22012')).toBe(true);
    expect(errorMatches({ code: '22012', message: 'division by zero' }, 'overflow')).toBe(false);
  });

  it('groups failure reasons', () => {
    expect(reasonGroup('42P01: relation "t_9" does not exist')).toBe('42P01: relation "…" does not exist');
    expect(reasonGroup('wrong result (view differs)')).toBe('wrong result');
    expect(reasonGroup('2BP01: cannot drop view view_1_tab0_153 because other objects depend on it')).toBe('2BP01: cannot drop view … because other objects');
  });
});

const run = (text: string, opts: { via?: 'embedded' | 'pgwire'; incremental?: boolean; file?: string; viewsPerReplay?: number } = {}) =>
  runFile(opts.file ?? '/virtual/t.slt', { via: opts.via ?? 'embedded', incremental: opts.incremental ?? false, viewsPerReplay: opts.viewsPerReplay }, text);

const SMALL = `statement ok
CREATE TABLE t(a int, b text)

statement ok
INSERT INTO t VALUES (1, 'x'), (2, ''), (3, NULL)

statement count 1
UPDATE t SET a = 30 WHERE a = 3

query IT rowsort
SELECT a, b FROM t
----
1
x
2
(empty)
30
NULL

hash-threshold 2

query I nosort
SELECT a FROM t ORDER BY a
----
3 values hashing to ${hashValues(['1', '2', '30'])}

statement error does not exist
SELECT * FROM nope

skipif tributary
query I
SELECT 'not run'
----
1

query I
SELECT count(*) FROM t
----
4
`;

describe('running files', () => {
  for (const via of ['embedded', 'pgwire'] as const) {
    it(`counts passes, failures and skips (${via})`, async () => {
      const r = await run(SMALL, { via });
      expect([r.passed, r.failed, r.skipped]).toEqual([6, 1, 1]);
      expect(r.failures[0]).toMatchObject({ line: 36, reason: 'wrong result', expected: '4', actual: '3' });
      expect(failureLine(r.failures[0])).toMatch(/t\.slt:36: wrong result \| SELECT count\(\*\) FROM t \| expected: 4 \| actual: 3/);
    });
  }

  it('halt stops the file; labels must agree', async () => {
    const r = await run(`query I nosort label-a\nSELECT 1\n----\n1\n\nquery I nosort label-a\nSELECT 2\n\nhalt\n\nquery I\nSELECT 1\n----\n2\n`);
    expect([r.passed, r.failed]).toEqual([1, 1]);
  });

  it('connections are separate sessions; substitution and let', async () => {
    const r = await run(
      `statement ok\nCREATE TABLE t(a int)\n\nstatement ok\nBEGIN\n\nstatement ok\nINSERT INTO t VALUES (1)\n\nconnection other\nquery I\nSELECT count(*) FROM t\n----\n0\n\nstatement ok\nCOMMIT\n\ncontrol substitution on\n\nlet n\nSELECT count(*) + 41 FROM t\n\nquery I\nSELECT $n\n----\n42\n\nsystem ok\necho hi\n\nstatement ok\nFLUSH;\n`,
    );
    expect(r.failures).toEqual([]);
    expect([r.passed, r.skipped]).toEqual([8, 1]);
    expect(r.skips).toEqual({ 'system command (never run)': 1 });
  });

  it('a file that does not parse fails once, with the reason', async () => {
    const r = await run('statement maybe\nSELECT 1\n');
    expect(r.failed).toBe(1);
    expect(r.failures[0].reason).toMatch(/cannot load/);
  });
});

describe('incremental mode', () => {
  it('splits INSERT … VALUES lists', () => {
    expect(splitInsert(`INSERT INTO t VALUES (1, 'a,)'), (2, 'b'), (3, f(4)), (5, 'c');`)).toEqual([
      `INSERT INTO t VALUES (1, 'a,)')`,
      `INSERT INTO t VALUES (2, 'b')`,
      `INSERT INTO t VALUES (3, f(4)), (5, 'c')`,
    ]);
    expect(splitInsert(`insert into t (a) values (1), (2), (3)`)).toEqual(['insert into t (a) values (1)', 'insert into t (a) values (2)', 'insert into t (a) values (3)']);
    expect(splitInsert(`INSERT INTO t VALUES (1), (2) ON CONFLICT DO NOTHING`)).toBeUndefined();
    expect(splitInsert(`INSERT INTO t SELECT 1`)).toBeUndefined();
    expect(splitInsert(`INSERT INTO t VALUES (1)`)).toBeUndefined();
  });

  it('answers queries from views fed in several transactions; LIMIT and refusals are skipped', async () => {
    const text = `statement ok
CREATE TABLE t(a int, b int)

statement ok
INSERT INTO t VALUES (1, 10), (2, 20), (3, 30), (1, 5)

query II nosort
SELECT a, sum(b) FROM t GROUP BY a ORDER BY a
----
1
15
2
20
3
30

query I
SELECT a FROM t ORDER BY a LIMIT 1
----
1

query I
SELECT count(*) FROM t WHERE random() < 2
----
4

query I
SELECT 7
----
7
`;
    for (const [via, viewsPerReplay] of [['embedded', undefined], ['pgwire', undefined], ['embedded', 1]] as const) {
      const r = await run(text, { incremental: true, via, viewsPerReplay });
      expect(r.failures).toEqual([]);
      expect([r.passed, r.failed, r.skipped]).toEqual([4, 0, 2]);
      expect(Object.keys(r.skips).sort()).toEqual(['LIMIT/OFFSET: a view has no order', expect.stringMatching(/^cannot be maintained incrementally/)].sort());
      expect(r.feeds).toEqual({ none: 0, few: 0, many: 1, late: 0 });
    }
  });

  it('a wrong view is a failure, and a view over a dropped table does not block the DROP', async () => {
    const r = await run(
      `statement ok\nCREATE TABLE t(a int)\n\nstatement ok\nINSERT INTO t VALUES (1), (2), (3)\n\nquery I rowsort\nSELECT a FROM t\n----\n1\n2\n4\n\nstatement ok\nDROP TABLE t\n\nstatement ok\nCREATE TABLE t(a int)\n\nquery I\nSELECT count(*) FROM t\n----\n0\n`,
      { incremental: true },
    );
    expect([r.passed, r.failed, r.skipped]).toEqual([5, 1, 0]);
    expect(r.failures[0]).toMatchObject({ line: 7, reason: 'wrong result' });
  });
});

describe('tributary slt', () => {
  const logs: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    logs.length = 0;
  });
  const capture = () => vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void logs.push(a.join(' ')));

  it('ends with "N passed, M failed, K skipped" and exits 1 when a record failed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slt-'));
    writeFileSync(join(dir, 'a.slt'), SMALL);
    writeFileSync(join(dir, 'b.slt'), 'query I\nSELECT 1\n----\n1\n');
    capture();
    const report = join(dir, 'r.json');
    expect(await sltMain(['--timeout', '0', '--report', report, dir])).toBe(1);
    expect(logs.at(-1)).toBe('7 passed, 1 failed, 1 skipped');
    expect(logs.filter((l) => l.includes('a.slt:36: wrong result'))).toHaveLength(1);
    logs.length = 0;
    expect(await sltMain(['--timeout', '0', join(dir, 'b.slt')])).toBe(0);
    expect(logs).toEqual(['1 passed, 0 failed']);
    expect(summaryLine(3, 0, 0)).toBe('3 passed, 0 failed');
  });

  it('a record that hangs fails by timeout and the file goes on without it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slt-'));
    writeFileSync(join(dir, 'h.slt'), 'query I\nSELECT 1\n----\n1\n\nsleep 30s\n\nquery I\nSELECT 2\n----\n2\n');
    capture();
    expect(await sltMain(['--timeout', '1', dir])).toBe(1);
    expect(logs.at(-1)).toBe('2 passed, 1 failed');
    expect(logs[0]).toMatch(/h\.slt:6: timeout/);
  });
});
