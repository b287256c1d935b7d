// COPY FROM STDIN / TO STDOUT through node-postgres (pg-copy-streams) and real psql.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { startTestServer, type TestServer } from './support.js';

let ts: TestServer;
let c: pg.Client;

beforeAll(async () => {
  ts = await startTestServer({}, [
    "CREATE TABLE t (k int PRIMARY KEY, v text, n numeric, d date DEFAULT '2024-01-01')",
    'CREATE MATERIALIZED VIEW tv AS SELECT count(*) AS c, sum(n) AS s FROM t',
  ]);
  c = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'copier' });
  await c.connect();
});
afterAll(async () => {
  await c.end();
  await ts.close();
});

async function load(sql: string, data: string | string[]): Promise<void> {
  const chunks = Array.isArray(data) ? data : [data];
  await pipeline(Readable.from(chunks.map((s) => Buffer.from(s))), c.query(copyFrom(sql)));
}

async function dump(sql: string): Promise<string> {
  let out = '';
  await pipeline(
    c.query(copyTo(sql)),
    new Writable({
      write(chunk, _enc, cb) {
        out += chunk.toString();
        cb();
      },
    }),
  );
  return out;
}

describe('COPY', () => {
  it('loads text format with escapes, NULLs and defaults, split across CopyData messages', async () => {
    await load('COPY t (k, v, n) FROM STDIN', ['1\tone\t1.5\n2\ttab\\there\t\\N\n3\t', 'back\\\\slash\t2\n\\.\n']);
    const r = await c.query('SELECT k, v, n, d::text FROM t ORDER BY k');
    expect(r.rows).toEqual([
      { k: 1, v: 'one', n: '1.5', d: '2024-01-01' },
      { k: 2, v: 'tab\there', n: null, d: '2024-01-01' },
      { k: 3, v: 'back\\slash', n: '2', d: '2024-01-01' },
    ]);
    expect((await c.query('SELECT c, s FROM tv')).rows).toEqual([{ c: '3', s: '3.5' }]);
  });

  it('loads CSV with a header, quoted fields, embedded newlines and quotes', async () => {
    await load('COPY t FROM STDIN WITH (FORMAT csv, HEADER true)', 'k,v,n,d\n10,"a, ""quoted""\nline",7,2020-02-02\n11,,8,\n12,"",9,2020-03-03\n');
    const r = await c.query('SELECT k, v, n, d::text FROM t WHERE k >= 10 ORDER BY k');
    expect(r.rows).toEqual([
      { k: 10, v: 'a, "quoted"\nline', n: '7', d: '2020-02-02' },
      { k: 11, v: null, n: '8', d: null },
      { k: 12, v: '', n: '9', d: '2020-03-03' },
    ]);
  });

  it('a bad row rejects the whole COPY with PostgreSQL\'s error and context; nothing is loaded', async () => {
    const before = (await c.query('SELECT count(*)::int AS n FROM t')).rows[0].n;
    const err = await load('COPY t (k, v) FROM STDIN', '20\tok\nx\tbad\n').catch((e) => e);
    expect(err.code).toBe('22P02');
    expect(err.message).toBe('invalid input syntax for type integer: "x"');
    expect(err.where).toBe('COPY t, line 2, column k: "x"');
    const dup = await load('COPY t (k, v) FROM STDIN', '21\tok\n1\tdup\n').catch((e) => e);
    expect(dup.code).toBe('23505');
    const short = await load('COPY t (k, v) FROM STDIN', '22\n').catch((e) => e);
    expect([short.code, short.message]).toEqual(['22P04', 'missing data for column "v"']);
    expect((await c.query('SELECT count(*)::int AS n FROM t')).rows[0].n).toBe(before);
    // the connection is still usable
    expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('streams: a bad row deep in a many-message COPY fails it with its line; nothing is loaded', async () => {
    const before = (await c.query('SELECT count(*)::int AS n FROM t')).rows[0].n;
    const lines: string[] = [];
    for (let k = 0; k < 30000; k++) lines.push(`${1000 + k}\tbulk\n`);
    lines[25000] = 'oops\tbad\n';
    const chunks: string[] = [];
    for (let i = 0; i < lines.length; i += 97) chunks.push(lines.slice(i, i + 97).join(''));
    const err = await load('COPY t (k, v) FROM STDIN', chunks).catch((e) => e);
    expect([err.code, err.where]).toEqual(['22P02', 'COPY t, line 25001, column k: "oops"']);
    expect((await c.query('SELECT count(*)::int AS n FROM t')).rows[0].n).toBe(before);
    expect((await c.query('SELECT c::int FROM tv')).rows[0].c).toBe(before);
    // and the same rows without the bad one load, across message boundaries
    lines[25000] = '26000\tbulk\n';
    await load('COPY t (k, v) FROM STDIN', chunks.map((_, i) => lines.slice(i * 97, i * 97 + 97).join('')));
    expect((await c.query('SELECT count(*)::int AS n FROM t')).rows[0].n).toBe(before + 30000);
    await c.query('DELETE FROM t WHERE k >= 1000');
  });

  it('CopyFail part way through is 57014 and loads nothing', async () => {
    const before = (await c.query('SELECT count(*)::int AS n FROM t')).rows[0].n;
    const stream = c.query(copyFrom('COPY t (k, v) FROM STDIN'));
    const done = new Promise<unknown>((resolve) => stream.on('error', resolve));
    stream.write(Buffer.from('5000\tfirst\n5001\tsecond\n'));
    await new Promise((r) => setTimeout(r, 50));
    stream.destroy(new Error('client gave up'));
    const err: any = await done;
    expect(err.code).toBe('57014');
    expect(err.message).toMatch(/^COPY from stdin failed: /);
    expect((await c.query('SELECT count(*)::int AS n FROM t')).rows[0].n).toBe(before);
    expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('inside a transaction block, COPY is rolled back with it', async () => {
    await c.query('BEGIN');
    await load('COPY t (k, v) FROM STDIN', '30\tin-txn\n');
    expect((await c.query('SELECT v FROM t WHERE k = 30')).rows).toEqual([{ v: 'in-txn' }]);
    await c.query('ROLLBACK');
    expect((await c.query('SELECT v FROM t WHERE k = 30')).rows).toEqual([]);
    // a failing COPY aborts the block
    await c.query('BEGIN');
    await load('COPY t (k, v) FROM STDIN', '31\tok\n').catch((e) => e);
    expect((await load('COPY t (k, v) FROM STDIN', '32\tok\nx\n').catch((e) => e)).code).toBe('22P04');
    await expect(c.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
    await c.query('ROLLBACK');
    expect((await c.query('SELECT count(*)::int AS n FROM t WHERE k IN (31, 32)')).rows).toEqual([{ n: 0 }]);
  });

  it('dumps a table and a query, in text and CSV', async () => {
    await c.query("INSERT INTO t VALUES (40, E'x\\ty', NULL, '2021-01-01')");
    expect(await dump('COPY (SELECT k, v, n FROM t WHERE k IN (2, 40) ORDER BY k) TO STDOUT')).toBe('2\ttab\\there\t\\N\n40\tx\\ty\t\\N\n');
    expect(await dump("COPY (SELECT k, v FROM t WHERE k IN (10, 11, 12) ORDER BY k) TO STDOUT WITH (FORMAT csv, HEADER)")).toBe(
      'k,v\n10,"a, ""quoted""\nline"\n11,\n12,""\n',
    );
    const all = await dump('COPY t (k) TO STDOUT');
    expect(all.trim().split('\n').map(Number).sort((a, b) => a - b)).toEqual([1, 2, 3, 10, 11, 12, 40]);
  });

  it('refuses files on the server and binary format, naming them', async () => {
    await expect(c.query("COPY t FROM '/etc/passwd'")).rejects.toMatchObject({ code: '0A000' });
    await expect(c.query('COPY t TO STDOUT WITH (FORMAT binary)')).rejects.toMatchObject({ code: '0A000', message: 'COPY in binary format is not supported' });
  });

  it('works with real psql (COPY FROM STDIN fed by psql, COPY … TO STDOUT)', async () => {
    // asynchronously: the server runs in this process's event loop
    const psql = (args: string[], input = '') =>
      new Promise<string>((resolve, reject) => {
        const p = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(ts.port), '-U', 'psql', '-d', 'db', ...args]);
        let out = '';
        let err = '';
        p.stdout.on('data', (d) => (out += d));
        p.stderr.on('data', (d) => (err += d));
        p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`psql exited ${code}: ${err}`))));
        p.stdin.end(input);
      });
    await psql(['-c', 'COPY t (k, v) FROM STDIN WITH (FORMAT csv)'], '50,from psql\n51,"with, comma"\n');
    expect(await psql(['-c', 'COPY (SELECT k, v FROM t WHERE k >= 50 ORDER BY k) TO STDOUT WITH (FORMAT csv)'])).toBe('50,from psql\n51,"with, comma"\n');
  });
});
