// No single statement can crash the server: values too big for PostgreSQL fail with its limit
// errors, values too big for JavaScript with 53200, expressions nested too deep with 54001
// (or the parser's syntax error, where PostgreSQL's parser gives up first), and a commit that
// fails that way leaves nothing behind. The server test runs `tributary serve` in a child
// process with a small heap and checks that it answers the next query after each attempt.

import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../src/index.js';
import { usePglite } from '../src/expr/pgtest.js';
import { spawnServer } from './server/support.js';

const oracle = usePglite();
const STACK_HINT = 'Increase the configuration parameter "max_stack_depth" (currently 2048kB), after ensuring the platform\'s stack depth limit is adequate.';

async function errorOf(run: Promise<unknown>): Promise<{ code?: string; message?: string; detail?: string; hint?: string; where?: string }> {
  try {
    await run;
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('expected an error');
}

describe('PostgreSQL limit errors instead of crashes', () => {
  it('string builders raise PostgreSQL\'s errors before allocating', async () => {
    const db = await Database.open();
    for (const q of [
      "SELECT lpad('', 2147483647)",
      "SELECT rpad('x', 2147483647)",
      "SELECT lpad('x', 300000000, 'ab')",
      "SELECT repeat('a', 2147483647)",
      "SELECT repeat('ab', 600000000)",
      "SELECT repeat('é', 600000000)",
    ]) {
      const ours = await errorOf(db.query(q));
      const pg = await errorOf(oracle().query(q));
      expect({ code: ours.code, message: ours.message }, q).toEqual({ code: pg.code, message: pg.message });
      expect(ours.code).toBe('54000');
    }
    // lpad(text, int) is a SQL function in PostgreSQL: it names itself in the context
    expect(await errorOf(db.query("SELECT lpad('', 2147483647)"))).toMatchObject({ where: 'SQL function "lpad" statement 1' });
    expect((await db.query("SELECT lpad('abc', 8, 'é😀') AS l, rpad('abcdef', 3) AS r, lpad('ab', 5, '') AS e")).rows).toEqual([{ l: 'é😀é😀éabc', r: 'abc', e: 'ab' }]);
  });

  it('values PostgreSQL could build but a JavaScript string cannot hold fail with 53200', async () => {
    const db = await Database.open();
    for (const q of [
      "SELECT length(repeat('ab', 300000000))",
      "SELECT length(repeat('a', 400000000) || repeat('a', 400000000))",
      "SELECT length(concat(repeat('a', 300000000), repeat('b', 300000000)))",
      "SELECT length(replace(repeat('a', 300000000), 'a', 'bb'))",
    ]) {
      const e = await errorOf(db.query(q));
      expect({ code: e.code, message: e.message }, q).toEqual({ code: '53200', message: 'out of memory' });
      expect(e.detail, q).toMatch(/this server can hold/);
    }
    expect((await db.query("SELECT replace('abcabc', 'bc', 'X') AS r, translate('abcabc', 'ab', 'x') AS t")).rows).toEqual([{ r: 'aXaX', t: 'xcxc' }]);
  });

  it('arrays: 54000 array size exceeds the maximum allowed', async () => {
    const db = await Database.open();
    const e = await errorOf(db.query("SELECT cardinality(string_to_array(repeat(',', 140000000), ','))"));
    expect(e).toMatchObject({ code: '54000', message: 'array size exceeds the maximum allowed (134217727)' });
    expect((await db.query("SELECT cardinality(string_to_array(repeat(',', 1000), ',')) AS n")).rows).toEqual([{ n: 1001 }]);
  });
});

describe('numeric input limits', () => {
  it('131,072 digits before the point, a scale of 16,383, exponents as PostgreSQL bounds them', async () => {
    const db = await Database.open();
    const inputs = [
      "repeat('1', 131072)", "repeat('1', 131073)", "'0.' || repeat('1', 16383)", "'0.' || repeat('1', 16384)",
      "'1e131071'", "'1e131072'", "'1e-16383'", "'1e-16384'", "'1e1000000'", "'1e2147483648'", "'0e-20000'", "'0e200000'",
      "'1' || repeat('0', 131071) || '.5'", "repeat('0', 200000)", "'1.5e-16383'", "'-0.00e3'", "'.5E+2'",
      // results: 22003 past 131,072 digits before the point; a product's scale up to 16,383
      "repeat('9', 131072)::numeric + 1", "repeat('9', 131072)::numeric * 1", "repeat('9', 131072)::numeric / 0.1",
      "round(repeat('9', 131072)::numeric + 0.9)", "repeat('9', 131072)::numeric ^ 2", "'1e65000'::numeric * '1e66071'::numeric",
      "'1e65000'::numeric * '1e66072'::numeric", "'1e131071'::numeric - '-1e131071'::numeric",
      "SELECT scale(('0.' || repeat('1', 600))::numeric * ('0.' || repeat('1', 600))::numeric) AS n",
      "SELECT scale('1e-16383'::numeric * '1e-16383'::numeric) AS n",
    ];
    for (const i of inputs) {
      const q = i.startsWith('SELECT') ? i : `SELECT length((${i})::numeric::text) AS n`;
      const pg = await oracle().query<{ n: number }>(q).then((r) => r.rows, (e) => (e as { code: string }).code);
      const ours = await db.query(q).then((r) => r.rows, (e) => (e as { code: string }).code);
      expect(ours, i).toEqual(pg);
    }
  });
});

describe('expressions nested too deep', () => {
  const R = (s: string, n: number) => s.repeat(n);
  it('fail as PostgreSQL 15 fails: 54001 with its hint, or the parser\'s 42601', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE t (a int)');
    await db.query('INSERT INTO t VALUES (1)');
    // PostgreSQL 15 answers each of these the same way (checked on a real 15)
    const cases: [string, string, string][] = [
      ['1+1+…', `SELECT ${R('1+', 100000)}1`, '54001'],
      ["'a' || 'a' || …", `SELECT 'a' ${R("|| 'a' ", 20000)}`, '54001'],
      ['100,000 parentheses', `SELECT ${R('(', 100000)}1${R(')', 100000)}`, '42601'],
      ['nested CASE', `SELECT ${R('CASE WHEN true THEN ', 20000)}1${R(' END', 20000)}`, '42601'],
      ['nested FROM subqueries', `SELECT * FROM ${R('(SELECT * FROM ', 5000)}(SELECT 1) x${R(') x', 5000)}`, '42601'],
      ['nested ARRAY', `SELECT ARRAY${R('[', 10000)}1${R(']', 10000)}`, '42601'],
      ['jsonb nested 100,000 deep', `SELECT length('${R('[', 100000)}1${R(']', 100000)}'::jsonb::text)`, '54001'],
      ['array literal nested 10,000 deep', `SELECT '${R('{', 10000)}1${R('}', 10000)}'::int[]`, '54000'],
    ];
    for (const [name, q, code] of cases) {
      const e = await errorOf(db.query(q));
      expect(e.code, name).toBe(code);
      if (code === '54001') expect({ message: e.message, hint: e.hint }, name).toEqual({ message: 'stack depth limit exceeded', hint: STACK_HINT });
      else if (code === '54000') expect(e.message, name).toBe('number of array dimensions (7) exceeds the maximum allowed (6)');
      else expect(e.message, name).toMatch(/^memory exhausted at or near/);
    }
    // AND chains are flattened, as in PostgreSQL
    expect((await db.query(`SELECT a > 0 ${R('AND a > -1 ', 100000)} AS r FROM t`)).rows).toEqual([{ r: true }]);
    expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('a commit failing with a JavaScript limit (53200) leaves no torn state', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE s (k int, v text)');
    await db.query("INSERT INTO s VALUES (1, 'x')");
    await db.query('CREATE MATERIALIZED VIEW quad AS SELECT k, length(v || v || v || v) AS n FROM s');
    // 4 × 140M code units is beyond the longest JavaScript string: fails inside the step
    const e = await errorOf(db.query("INSERT INTO s VALUES (2, repeat('y', 140000000))"));
    expect(e.code).toBe('53200');
    expect((await db.query('SELECT k, length(v) AS l FROM s')).rows).toEqual([{ k: 1, l: 1 }]);
    expect((await db.query('SELECT * FROM quad')).rows).toEqual([{ k: 1, n: 4 }]);
    await db.query("INSERT INTO s VALUES (3, 'ab')");
    expect((await db.query('SELECT * FROM quad ORDER BY k')).rows).toEqual([{ k: 1, n: 4 }, { k: 3, n: 8 }]);
  });
});

describe('tributary serve with a small heap survives the worst single statements', () => {
  let child: ChildProcess;
  let port = 0;
  const password = 'file secret';

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-limits-'));
    const file = join(dir, 'password');
    writeFileSync(file, `${password}\nnot this line\n`, { mode: 0o600 });
    ({ child, port } = await spawnServer(['--max-old-space-size=384'], ['--password-file', file], { TRIBUTARY_PASSWORD: '' }));
  }, 60_000);

  afterAll(() => {
    child?.kill('SIGTERM');
  });

  const client = async (pw = password) => {
    const c = new pg.Client({ host: '127.0.0.1', port, user: 'u', database: 'db', password: pw });
    await c.connect();
    return c;
  };

  it('takes its password from --password-file (first line)', async () => {
    const c = await client();
    expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await c.end();
    const bad = new pg.Client({ host: '127.0.0.1', port, user: 'u', database: 'db', password: 'not this line' });
    await expect(bad.connect()).rejects.toMatchObject({ code: '28P01' });
  });

  it('answers the next query after each', async () => {
    const c = await client();
    const worst: [string, string][] = [
      ["SELECT lpad('', 2147483647)", '54000'],
      ["SELECT repeat('x', 2147483647)", '54000'],
      ["SELECT length(repeat('ab', 300000000))", '53200'],
      [`SELECT ${'1+'.repeat(100000)}1`, '54001'],
      [`SELECT ${'('.repeat(100000)}1${')'.repeat(100000)}`, '42601'],
      ["SELECT 'a' ~ '((a{1,200}){1,200}){1,200}'", '2201B'],
      ["SELECT cardinality(string_to_array(repeat(',', 140000000), ','))", '54000'],
      // within PostgreSQL's limits, but beyond what a 384 MB heap holds: refused before building
      ["SELECT length(repeat('x', 500000000))", '53200'],
      ["SELECT length(upper(repeat('é', 150000000)))", '53200'],
      ["SELECT length(reverse(repeat('ab', 100000000)))", '53200'],
      ["SELECT cardinality(string_to_array(repeat('a,', 30000000), ','))", '53200'],
      ["SELECT length(repeat('x', 200000000) || repeat('y', 200000000))", '53200'],
    ];
    for (const [q, code] of worst) {
      await expect(c.query(q), q.slice(0, 60)).rejects.toMatchObject({ code });
      expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    }
    // after those, big values that fit are still built (garbage is collected before refusing)
    expect((await c.query("SELECT length(repeat('x', 30000000) || repeat('y', 30000000)) AS n")).rows).toEqual([{ n: 60000000 }]);
    const t0 = performance.now();
    expect((await c.query("SELECT repeat('a', 32) ~ '(a*)*b' AS r")).rows).toEqual([{ r: false }]);
    expect(performance.now() - t0).toBeLessThan(2000);
    await c.end();
  }, 120_000);
});
