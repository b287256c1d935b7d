// The memory budget (tributary.memory_limit): a statement whose join would produce more than
// the budget allows is answered in smaller chunks (a read) or fails with 53200 (a commit, a
// synchronous read), and the server and the database stay as they were.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { Database } from '../../src/index.js';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { spawnServer, startTestServer, type TestServer } from './support.js';

let ts: TestServer;
let c: pg.Client;

beforeAll(async () => {
  ts = await startTestServer(
    {},
    [
      'CREATE TABLE a (k int PRIMARY KEY, v text)',
      'CREATE TABLE b (k int PRIMARY KEY, v text)',
      "INSERT INTO a SELECT g, 'a' || g FROM generate_series(1, 20000) g",
      "INSERT INTO b SELECT g, 'b' || g FROM generate_series(1, 500) g",
      'CREATE TABLE h (id int PRIMARY KEY, g int)',
      'INSERT INTO h SELECT i, i FROM generate_series(1, 3000) i',
      'CREATE MATERIALIZED VIEW pairs AS SELECT x.g, count(*) AS n FROM h x JOIN h y ON x.g = y.g GROUP BY x.g',
    ],
    { memoryLimit: '4MB' },
  );
  c = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'mem' });
  await c.connect();
});
afterAll(async () => {
  await c.end();
  await ts.close();
});

async function failure(sql: string): Promise<{ code: string; message: string; detail?: string }> {
  try {
    await c.query(sql);
  } catch (e: any) {
    return { code: e.code, message: e.message, detail: e.detail };
  }
  throw new Error(`${sql} did not fail`);
}

describe('tributary.memory_limit', () => {
  it('is shown and cannot be changed by SET or RESET', async () => {
    expect((await c.query('SHOW tributary.memory_limit')).rows).toEqual([{ 'tributary.memory_limit': '4MB' }]);
    for (const sql of ["SET tributary.memory_limit = '1GB'", 'RESET tributary.memory_limit']) {
      expect(await failure(sql)).toMatchObject({ code: '55P02', message: 'parameter "tributary.memory_limit" cannot be changed without restarting the server' });
    }
  });

  it('defaults to a quarter of the heap limit, and rejects malformed sizes', async () => {
    const db = await Database.open();
    const shown = (await db.query('SHOW tributary.memory_limit')).rows[0]['tributary.memory_limit'] as string;
    expect(shown).toMatch(/^\d+(\.\d)?(kB|MB|GB)$/);
    await db.close();
    await expect(Database.open({ memoryLimit: 'lots' })).rejects.toMatchObject({ code: '22023' });
  });
});

describe('tributary serve --memory-limit', () => {
  it('sets the budget, and refuses a malformed size', async () => {
    const srv = await spawnServer([], ['--memory-limit', '64MB']);
    try {
      const client = new pg.Client({ host: '127.0.0.1', port: srv.port, user: 'cli' });
      await client.connect();
      expect((await client.query('SHOW tributary.memory_limit')).rows).toEqual([{ 'tributary.memory_limit': '64MB' }]);
      await client.end();
    } finally {
      srv.child.kill();
    }
    const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
    const bad = spawn(process.execPath, ['--import', 'tsx', cli, 'serve', '--port', '0', '--memory-limit', 'lots'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    bad.stderr.on('data', (d) => (err += d));
    const code = await new Promise((r) => bad.once('exit', r));
    expect(code).toBe(2);
    expect(err).toMatch(/--memory-limit takes a size such as 512MB or 2GB/);
  }, 30_000);
});

describe('joins within the budget', () => {
  it('answers a read whose join output is far beyond the budget, in smaller chunks', async () => {
    // 20,000 × 500 = 10M pairs (about 600 MB as a single step), the budget is 4 MB
    const r = await c.query('SELECT count(*) AS n, sum(a.k + b.k) AS s FROM a, b WHERE a.k % 7 <> b.k % 5');
    let n = 0;
    let s = 0;
    for (let x = 1; x <= 20000; x++) for (let y = 1; y <= 500; y++) if (x % 7 !== y % 5) (n++, (s += x + y));
    expect(r.rows).toEqual([{ n: String(n), s: String(s) }]);
    expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  }, 60_000);

  it('an outer join over smaller chunks: NULL-padded rows come and go as the other side arrives', async () => {
    await c.query('CREATE TABLE c AS SELECT g % 50 AS k FROM generate_series(1, 5000) g');
    // a's rows with k % 100 < 50 each meet 100 rows of c (1M pairs); the other 10,000 are padded
    const r = await c.query('SELECT count(*)::int AS n, count(c.k)::int AS matched, count(DISTINCT a.k)::int AS keys FROM a LEFT JOIN c ON a.k % 100 = c.k');
    expect(r.rows).toEqual([{ n: 1_010_000, matched: 1_000_000, keys: 20000 }]);
    const u = await c.query('SELECT count(*)::int AS n FROM (SELECT a.k FROM a JOIN c ON a.k % 100 = c.k UNION ALL SELECT k FROM b) s');
    expect(u.rows).toEqual([{ n: 1_000_500 }]);
  }, 60_000);

  it('fails a statement whose rows cannot fit with 53200, fast, and the session goes on', async () => {
    // INSERT … SELECT reads in slices (smaller chunks when a join step would not fit), but the
    // rows it inserts are held until the commit: they must fit
    await c.query('CREATE TABLE sink (n bigint)');
    const t = Date.now();
    const e = await failure('INSERT INTO sink SELECT a.k + b.k FROM a, b');
    expect(e.code).toBe('53200');
    expect(e.message).toBe('out of memory');
    expect(e.detail).toMatch(/^(A join step|The query's result) would hold (at least )?\d+ rows \(about [\d.]+[kMG]B\), more than tributary\.memory_limit \(4MB\) allows\.$/);
    expect(Date.now() - t).toBeLessThan(10_000);
    expect((await c.query('SELECT count(*)::int AS n FROM sink')).rows).toEqual([{ n: 0 }]);
  });

  it('fails a commit whose delta explodes through a view’s join, undoing it', async () => {
    // every row moves to one hot key: 3000 × 3000 pairs through the self-join
    const before = (await c.query('SELECT count(*)::int AS groups, sum(n)::int AS pairs FROM pairs')).rows;
    expect(before).toEqual([{ groups: 3000, pairs: 3000 }]);
    const e = await failure('UPDATE h SET g = 0');
    expect(e.code).toBe('53200');
    expect((await c.query('SELECT count(*)::int AS n FROM h WHERE g = 0')).rows).toEqual([{ n: 0 }]);
    expect((await c.query('SELECT count(*)::int AS groups, sum(n)::int AS pairs FROM pairs')).rows).toEqual(before);
    // the view is maintained as before
    await c.query('UPDATE h SET g = 1 WHERE id = 2');
    expect((await c.query('SELECT n::int FROM pairs WHERE g = 1')).rows).toEqual([{ n: 4 }]);
  });
});
